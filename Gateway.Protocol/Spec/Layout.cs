namespace JdwpGateway.Protocol.Spec;

/// <summary>The kinds of ID that JDWP carries. Object-like kinds share one ID space on the wire.</summary>
public enum IdKind : byte
{
    Object,
    Thread,
    ThreadGroup,
    String,
    ClassLoader,
    ClassObject,
    Array,
    ReferenceType,
    Class,
    Interface,
    ArrayType,
    Method,
    Field,
    Frame,
    Module,
}

/// <summary>Fixed-size or length-prefixed primitive values.</summary>
public enum PrimKind : byte
{
    Byte,
    Boolean,
    Int,
    Long,

    /// <summary>Int length followed by that many bytes (modified UTF-8, carried as raw bytes).</summary>
    String,
}

/// <summary>Where an untagged value learns its type tag from.</summary>
public enum UntaggedSource : byte
{
    /// <summary>The field ID read just before the value (ClassType/ObjectReference.SetValues).</summary>
    PrecedingField,

    /// <summary>The component type of the array object named earlier in the packet (ArrayReference.SetValues).</summary>
    ArrayComponent,
}

/// <summary>One element of a packet body layout.</summary>
public abstract record Element(string Name);

/// <summary>A primitive value.</summary>
public sealed record Prim(PrimKind Kind, string Name) : Element(Name);

/// <summary>An ID whose width comes from VirtualMachine.IDSizes.</summary>
public sealed record Id(IdKind Kind, string Name) : Element(Name);

/// <summary>An int that names an event request (EventRequest.Set reply, Clear, events).</summary>
public sealed record RequestId(string Name) : Element(Name);

/// <summary>A tag byte followed by an objectID (tagged-objectID).</summary>
public sealed record TaggedObject(string Name) : Element(Name);

/// <summary>A tag byte followed by a value of that type (value).</summary>
public sealed record Value(string Name) : Element(Name);

/// <summary>A value without tag; its type comes from context (untagged-value).</summary>
public sealed record UntaggedValue(UntaggedSource Source, string Name) : Element(Name);

/// <summary>typeTag byte, classID, methodID, long index.</summary>
public sealed record Location(string Name) : Element(Name);

/// <summary>arrayregion: tag byte, int count, then count values (untagged for primitives, tagged for objects).</summary>
public sealed record ArrayRegion(string Name) : Element(Name);

/// <summary>An int count followed by that many repetitions of <see cref="Body"/>.</summary>
public sealed record Repeat(string Name, Layout Body) : Element(Name);

/// <summary>A tagged union: a byte selector followed by the layout of the matching case.</summary>
public sealed record Select(string Name, IReadOnlyDictionary<byte, Case> Cases) : Element(Name);

/// <summary>One alternative of a <see cref="Select"/>.</summary>
public sealed record Case(byte Tag, string Name, Layout Body);

/// <summary>An ordered list of elements: the layout of a command, reply or repeated group.</summary>
public sealed class Layout(params Element[] elements)
{
    /// <summary>The layout of an empty body.</summary>
    public static readonly Layout Empty = new();

    /// <summary>The elements, in wire order.</summary>
    public IReadOnlyList<Element> Elements => Items;

    /// <summary>
    /// The same elements as an array: walkers index it, since a <c>foreach</c> over the interface allocates an
    /// enumerator per repetition on the hot path (measured in docs/benchmarks.md).
    /// </summary>
    internal Element[] Items { get; } = elements;
}

/// <summary>One JDWP command: where it lives, what the debugger sends and what the VM answers.</summary>
public sealed record CommandSpec(byte Set, byte Command, string SetName, string Name, Layout Out, Layout Reply)
{
    public string FullName => $"{SetName}.{Name}";
}
