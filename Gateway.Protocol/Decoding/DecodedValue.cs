using JdwpGateway.Protocol.Spec;

namespace JdwpGateway.Protocol.Decoding;

/// <summary>What a <see cref="DecodedValue"/> node holds; one kind per element kind of <see cref="Layout"/>, plus opaque runs.</summary>
public enum DecodedKind : byte
{
    /// <summary>A byte; <see cref="DecodedValue.Bits"/> holds it.</summary>
    Byte,

    /// <summary>A boolean byte; <see cref="DecodedValue.Bits"/> holds the byte as sent (any non-zero value is true).</summary>
    Boolean,

    /// <summary>A 4-byte int; <see cref="DecodedValue.Bits"/> holds it sign-extended.</summary>
    Int,

    /// <summary>An 8-byte long; <see cref="DecodedValue.Bits"/> holds its bits.</summary>
    Long,

    /// <summary>A JDWP string; <see cref="DecodedValue.Bytes"/> holds its raw bytes (not always valid UTF-8).</summary>
    String,

    /// <summary>An ID of <see cref="DecodedValue.IdKind"/>; <see cref="DecodedValue.Bits"/> holds it.</summary>
    Id,

    /// <summary>An event request ID (int).</summary>
    RequestId,

    /// <summary>A tag byte and an object ID.</summary>
    TaggedObject,

    /// <summary>A tag byte and a value of that type.</summary>
    Value,

    /// <summary>A value without a tag on the wire; its tag came from an <see cref="IUntaggedTypeSource"/>.</summary>
    UntaggedValue,

    /// <summary>A location: children typeTag, classID, methodID, index.</summary>
    Location,

    /// <summary>An array region: a tag and a count, then the elements (raw bytes for primitives, children for objects).</summary>
    ArrayRegion,

    /// <summary>A count and that many <see cref="Group"/> children.</summary>
    Repeat,

    /// <summary>One repetition of a <see cref="Repeat"/>'s body.</summary>
    Group,

    /// <summary>A tagged union: the selector in <see cref="DecodedValue.Tag"/>, the chosen case's fields as children.</summary>
    Select,

    /// <summary>
    /// The rest of a body that holds untagged values whose types are unknown: kept as bytes and written back verbatim.
    /// </summary>
    Untyped,

    /// <summary>A body that could not be decoded by layout (unknown command, reply without its command): raw bytes.</summary>
    Raw,
}

/// <summary>
/// One node of a decoded packet body: a name from the layout, a kind, and a value or children. Nodes are immutable;
/// <see cref="PacketEncoder"/> writes a tree back to bytes by walking the same layout.
/// </summary>
public sealed class DecodedValue
{
    private DecodedValue(string name, DecodedKind kind, ulong bits = 0, byte tag = 0, IdKind? idKind = null, int width = 0,
        ReadOnlyMemory<byte> bytes = default, IReadOnlyList<DecodedValue>? children = null, string? caseName = null)
    {
        Name = name;
        Kind = kind;
        Bits = bits;
        Tag = tag;
        IdKind = idKind;
        Width = width;
        Bytes = bytes;
        Children = children ?? [];
        CaseName = caseName;
    }

    /// <summary>The element's name in the layout (e.g. <c>thread</c>), or <c>[i]</c> for a repetition.</summary>
    public string Name { get; }

    /// <summary>What the node holds.</summary>
    public DecodedKind Kind { get; }

    /// <summary>The scalar: a primitive's bits (zero-extended), an ID, a request ID, a repeat or region count.</summary>
    public ulong Bits { get; }

    /// <summary>Value or object tag (values, tagged objects, regions), or a <see cref="DecodedKind.Select"/>'s selector.</summary>
    public byte Tag { get; }

    /// <summary>The kind of ID (IDs, tagged objects and object values).</summary>
    public IdKind? IdKind { get; }

    /// <summary>Bytes the scalar occupies on the wire (IDs and values), for display.</summary>
    public int Width { get; }

    /// <summary>Raw bytes: a string's, a primitive region's elements, or an untyped or raw run.</summary>
    public ReadOnlyMemory<byte> Bytes { get; }

    /// <summary>Children: a location's fields, a repeat's groups, a group's or select case's fields, an object region's values.</summary>
    public IReadOnlyList<DecodedValue> Children { get; }

    /// <summary>The chosen case's name for a <see cref="DecodedKind.Select"/> (e.g. <c>Breakpoint</c>).</summary>
    public string? CaseName { get; }

    /// <summary>The scalar as a signed int (ints, request IDs).</summary>
    public int AsInt => unchecked((int)Bits);

    /// <summary>The scalar as a signed long.</summary>
    public long AsLong => unchecked((long)Bits);

    /// <summary>A child by name (first match), or null.</summary>
    public DecodedValue? this[string name] => Children.FirstOrDefault(c => c.Name == name);

    /// <summary>A byte, boolean, int or long.</summary>
    public static DecodedValue Primitive(string name, DecodedKind kind, ulong bits) => kind is DecodedKind.Byte or DecodedKind.Boolean or DecodedKind.Int or DecodedKind.Long
        ? new(name, kind, bits)
        : throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a primitive kind");

    /// <summary>A byte.</summary>
    public static DecodedValue Byte(string name, byte value) => new(name, DecodedKind.Byte, value);

    /// <summary>A boolean as the byte sent.</summary>
    public static DecodedValue Boolean(string name, byte raw) => new(name, DecodedKind.Boolean, raw);

    /// <summary>An int.</summary>
    public static DecodedValue Int(string name, int value) => new(name, DecodedKind.Int, unchecked((ulong)value));

    /// <summary>A long.</summary>
    public static DecodedValue Long(string name, long value) => new(name, DecodedKind.Long, unchecked((ulong)value));

    /// <summary>A string's raw bytes.</summary>
    public static DecodedValue String(string name, ReadOnlyMemory<byte> raw) => new(name, DecodedKind.String, bytes: raw);

    /// <summary>An ID of <paramref name="kind"/>, <paramref name="width"/> bytes wide on the wire.</summary>
    public static DecodedValue Id(string name, IdKind kind, ulong id, int width) => new(name, DecodedKind.Id, id, idKind: kind, width: width);

    /// <summary>An event request ID.</summary>
    public static DecodedValue Request(string name, int id) => new(name, DecodedKind.RequestId, unchecked((ulong)id));

    /// <summary>A tagged object ID.</summary>
    public static DecodedValue TaggedObject(string name, byte tag, IdKind kind, ulong id, int width) =>
        new(name, DecodedKind.TaggedObject, id, tag, kind, width);

    /// <summary>A value (tagged or untagged): primitive bits, or an object ID with its kind.</summary>
    public static DecodedValue Value(string name, bool tagged, byte tag, ulong bits, int width, IdKind? objectKind) =>
        new(name, tagged ? DecodedKind.Value : DecodedKind.UntaggedValue, bits, tag, objectKind, width);

    /// <summary>A location from its four fields.</summary>
    public static DecodedValue Location(string name, DecodedValue typeTag, DecodedValue classId, DecodedValue methodId, DecodedValue index) =>
        new(name, DecodedKind.Location, children: [typeTag, classId, methodId, index]);

    /// <summary>A region of primitive values, kept as their raw bytes.</summary>
    public static DecodedValue PrimitiveRegion(string name, byte tag, int count, ReadOnlyMemory<byte> raw) =>
        new(name, DecodedKind.ArrayRegion, (ulong)count, tag, bytes: raw);

    /// <summary>A region of tagged object values.</summary>
    public static DecodedValue ObjectRegion(string name, byte tag, IReadOnlyList<DecodedValue> values) =>
        new(name, DecodedKind.ArrayRegion, (ulong)values.Count, tag, children: values);

    /// <summary>A repeated group with its repetitions.</summary>
    public static DecodedValue Repeat(string name, IReadOnlyList<DecodedValue> groups) =>
        new(name, DecodedKind.Repeat, (ulong)groups.Count, children: groups);

    /// <summary>One repetition.</summary>
    public static DecodedValue Group(int index, IReadOnlyList<DecodedValue> fields) =>
        new($"[{index}]", DecodedKind.Group, children: fields);

    /// <summary>A tagged union's chosen case.</summary>
    public static DecodedValue Select(string name, byte selector, string caseName, IReadOnlyList<DecodedValue> fields) =>
        new(name, DecodedKind.Select, selector, selector, children: fields, caseName: caseName);

    /// <summary>The untyped rest of a body.</summary>
    public static DecodedValue Untyped(string name, ReadOnlyMemory<byte> raw) => new(name, DecodedKind.Untyped, bytes: raw);

    /// <summary>A raw body.</summary>
    public static DecodedValue Raw(ReadOnlyMemory<byte> raw) => new("raw", DecodedKind.Raw, bytes: raw);

    /// <inheritdoc />
    public override string ToString() => $"{Name}: {PacketPrinter.FormatScalar(this)}";
}
