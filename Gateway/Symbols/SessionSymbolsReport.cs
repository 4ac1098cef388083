using JdwpGateway.Routing.Session;

namespace JdwpGateway.Symbols;

/// <summary>
/// What the virtual VM of a debugging session knows: each symbol (a class by signature and identity, see
/// docs/virtual-vm.md "Identity"), the reference type ID the debugger sees and each node's own type ID.
/// </summary>
/// <param name="Session">The session's name, <c>session#N</c>.</param>
/// <param name="Symbols">The symbols matching the filter, by class name then identity.</param>
public sealed record SessionSymbolsReport(string Session, IReadOnlyList<SessionSymbolEntry> Symbols)
{
    /// <summary>A snapshot of <paramref name="session"/>'s symbols; node names are resolved by <paramref name="nodeName"/>.</summary>
    public static SessionSymbolsReport Of(DebugSession session, Func<int, string> nodeName, ClassPattern pattern)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(nodeName);
        ArgumentNullException.ThrowIfNull(pattern);
        var symbols = session.Vm.Symbols.Symbols.Where(s => pattern.Matches(s.ClassName)).ToList();
        var identitiesBySignature = symbols.GroupBy(s => s.Signature, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var entries = symbols
            .Select(s => new SessionSymbolEntry(
                s.ClassName,
                s.Signature,
                s.Identity ?? SessionSymbolEntry.NotReadYet,
                s.VirtualId,
                identitiesBySignature[s.Signature] > 1,
                [.. s.NodeTypeIds.OrderBy(p => p.Key).Select(p => new SessionSymbolNode(nodeName(p.Key), p.Value))]))
            .OrderBy(e => e.Class, StringComparer.Ordinal)
            .ThenBy(e => e.Identity, StringComparer.Ordinal)
            .ToList();
        return new SessionSymbolsReport(session.Name, entries);
    }
}

/// <summary>One symbol of the virtual VM.</summary>
/// <param name="Class">Java class name (array signatures as they are).</param>
/// <param name="Signature">JNI signature, e.g. <c>Lcom/shop/Main;</c>.</param>
/// <param name="Identity">
/// The identity of its bytes (docs/virtual-vm.md, "Identity"): the registry's symbol ID, <c>cp:</c> and the SHA-256 of
/// the constant pool, <c>bootstrap</c>, <c>array</c>, ..., or <see cref="NotReadYet"/> while the class has been seen on
/// one node only.
/// </param>
/// <param name="VirtualTypeId">The reference type ID the debugger sees.</param>
/// <param name="Differs">True when the session has another symbol of the same signature: nodes run different bytes.</param>
/// <param name="Nodes">The nodes that have loaded it, with their own type IDs.</param>
public sealed record SessionSymbolEntry(string Class, string Signature, string Identity, ulong VirtualTypeId, bool Differs, IReadOnlyList<SessionSymbolNode> Nodes)
{
    /// <summary>The identity shown for a class seen on one node only: it is read when a second type of its name appears.</summary>
    public const string NotReadYet = "unread";
}

/// <summary>A node that has loaded a symbol.</summary>
/// <param name="Node">The node's name.</param>
/// <param name="TypeId">The node's own reference type ID for the class.</param>
public sealed record SessionSymbolNode(string Node, ulong TypeId);

/// <summary>Body of the admin listener's <c>GET /v1/symbols</c>.</summary>
/// <param name="Session">The attached debugger's session, or null when none is attached.</param>
/// <param name="Message">Why <paramref name="Symbols"/> is empty when no debugger is attached.</param>
/// <param name="Symbols">The virtual VM's symbols (empty without a session).</param>
/// <param name="Registry">The registry's view when the gateway discovers nodes through a registry, else null.</param>
/// <param name="RegistryError">Why the registry's view is missing although discovery is configured.</param>
public sealed record SymbolsResponse(string? Session, string? Message, IReadOnlyList<SessionSymbolEntry> Symbols, RegistrySymbolsReport? Registry, string? RegistryError);
