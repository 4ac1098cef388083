using System.Collections.Concurrent;
using JdwpGateway.Routing.Nodes;

namespace JdwpGateway.Routing.Symbols;

/// <summary>
/// A class as the fabric sees it: identified by its signature and the identity of its bytes. The debugger sees one
/// reference type per symbol, however many nodes have loaded it.
/// </summary>
public sealed class Symbol
{
    internal Symbol(ulong virtualId, string signature, string? identity, byte typeTag)
    {
        VirtualId = virtualId;
        Signature = signature;
        Identity = identity;
        TypeTag = typeTag;
    }

    /// <summary>The reference type ID the debugger sees.</summary>
    public ulong VirtualId { get; }

    /// <summary>JNI signature, e.g. <c>Lfabric/demo/OrderService;</c>.</summary>
    public string Signature { get; }

    /// <summary>
    /// Identity of the class's bytes (see docs/virtual-vm.md, "Identity"); changes when the class is redefined. Null while
    /// the symbol's signature has been seen on one node only: there is nothing to tell it apart from yet.
    /// </summary>
    public string? Identity { get; internal set; }

    /// <summary>The node and type the symbol was founded with, from which its identity is read when first needed.</summary>
    internal (NodeLink Node, ulong TypeId)? Founder { get; set; }

    /// <summary>The reading of the founder's identity, shared by everyone who needs it.</summary>
    internal Task? Resolving { get; set; }

    /// <summary>JDWP type tag: 1 class, 2 interface, 3 array.</summary>
    public byte TypeTag { get; }

    /// <summary>The class name in Java form (<c>fabric.demo.OrderService</c>), as ClassMatch patterns want it.</summary>
    public string ClassName => SignatureToClassName(Signature);

    /// <summary>Each node's reference type ID for this symbol, for the nodes known to have loaded it.</summary>
    public ConcurrentDictionary<int, ulong> NodeTypeIds { get; } = new();

    /// <summary>Converts <c>Lpkg/Name;</c> to <c>pkg.Name</c>; array signatures are returned unchanged.</summary>
    public static string SignatureToClassName(string signature) =>
        signature.Length > 2 && signature[0] == 'L' && signature[^1] == ';'
            ? signature[1..^1].Replace('/', '.')
            : signature;

    /// <inheritdoc />
    public override string ToString() => Identity is null ? $"{ClassName}#?" : $"{ClassName}#{Identity[..Math.Min(12, Identity.Length)]}";
}

/// <summary>A method or field of a symbol, identified by name and signature.</summary>
public sealed class Member
{
    internal Member(ulong virtualId, Symbol owner, bool isMethod, string name, string signature)
    {
        VirtualId = virtualId;
        Owner = owner;
        IsMethod = isMethod;
        Name = name;
        Signature = signature;
    }

    /// <summary>The method or field ID the debugger sees.</summary>
    public ulong VirtualId { get; }

    /// <summary>The declaring symbol.</summary>
    public Symbol Owner { get; }

    /// <summary>True for methods, false for fields.</summary>
    public bool IsMethod { get; }

    /// <summary>Member name.</summary>
    public string Name { get; }

    /// <summary>JNI signature of the member.</summary>
    public string Signature { get; }

    /// <summary>Each node's ID for this member.</summary>
    public ConcurrentDictionary<int, ulong> NodeIds { get; } = new();
}
