using JdwpGateway.Protocol.Spec;

namespace JdwpGateway.Protocol.Encoding;

/// <summary>
/// Copies a packet body following its <see cref="Layout"/>, passing every ID through an <see cref="IIdMapper"/>
/// and re-encoding it at the destination's ID width. Everything that is not an ID is copied as bytes.
/// </summary>
public static class PacketRewriter
{
    /// <summary>Rewrites <paramref name="source"/> into <paramref name="destination"/>.</summary>
    /// <exception cref="JdwpProtocolException">The body does not match the layout (offset is within the packet).</exception>
    public static void Rewrite(ReadOnlySpan<byte> source, Layout layout, IdSizes from, IdSizes to, IIdMapper mapper, JdwpWriter destination, ulong contextType = 0)
    {
        var reader = new JdwpReader(source);
        var state = new WalkState(from, to, mapper, destination) { Seen = new IdContext { LastType = contextType } };
        WalkLayout(ref reader, layout, ref state);
        if (reader.Remaining != 0)
        {
            throw JdwpReader.Error(reader.PacketOffset, $"{reader.Remaining} bytes left after the end of the layout");
        }
    }

    /// <summary>
    /// Rewrites the prefix of <paramref name="source"/> that <paramref name="layout"/> describes and returns how many
    /// bytes it took (for walking one event of a composite at a time).
    /// </summary>
    public static int RewritePrefix(ReadOnlySpan<byte> source, int baseOffset, Layout layout, IdSizes from, IdSizes to, IIdMapper mapper, JdwpWriter destination)
    {
        var reader = new JdwpReader(source, baseOffset);
        var state = new WalkState(from, to, mapper, destination);
        WalkLayout(ref reader, layout, ref state);
        return reader.Position;
    }

    /// <summary>Rewrites a body and returns a new array.</summary>
    public static byte[] Rewrite(ReadOnlySpan<byte> source, Layout layout, IdSizes from, IdSizes to, IIdMapper mapper, ulong contextType = 0)
    {
        var writer = new JdwpWriter(source.Length);
        Rewrite(source, layout, from, to, mapper, writer, contextType);
        return writer.ToArray();
    }

    private struct WalkState(IdSizes from, IdSizes to, IIdMapper mapper, JdwpWriter writer)
    {
        public readonly IdSizes From = from;
        public readonly IdSizes To = to;
        public readonly IIdMapper Mapper = mapper;
        public readonly JdwpWriter Writer = writer;
        public IdContext Seen;
    }

    private static void WalkLayout(ref JdwpReader reader, Layout layout, ref WalkState state)
    {
        var items = layout.Items;
        for (var i = 0; i < items.Length; i++)
        {
            WalkElement(ref reader, items[i], ref state);
        }
    }

    private static void WalkElement(ref JdwpReader reader, Element element, ref WalkState state)
    {
        switch (element)
        {
            case Prim prim:
                CopyPrim(ref reader, prim.Kind, state.Writer);
                break;
            case Id id:
                WalkId(ref reader, id.Kind, ref state);
                break;
            case RequestId:
                state.Writer.Int(state.Mapper.MapRequest(reader.ReadInt32()));
                break;
            case TaggedObject:
                {
                    var tag = reader.ReadByte();
                    state.Writer.Byte(tag);
                    WalkId(ref reader, ObjectKindOf(tag, reader.PacketOffset - 1), ref state);
                    break;
                }

            case Value:
                WalkTaggedValue(ref reader, ref state);
                break;
            case UntaggedValue untagged:
                {
                    var subject = untagged.Source == UntaggedSource.PrecedingField ? state.Seen.LastField : state.Seen.LastArray;
                    var tag = state.Mapper.UntaggedTag(untagged.Source, subject, state.Seen.LastType);
                    WalkValueOfTag(ref reader, tag, ref state, reader.PacketOffset);
                    break;
                }

            case Location:
                WalkLocation(ref reader, ref state);
                break;
            case ArrayRegion:
                WalkArrayRegion(ref reader, ref state);
                break;
            case Repeat repeat:
                {
                    var count = reader.ReadCount(1);
                    state.Writer.Int(count);
                    for (var i = 0; i < count; i++)
                    {
                        WalkLayout(ref reader, repeat.Body, ref state);
                    }

                    break;
                }

            case Select select:
                {
                    var at = reader.PacketOffset;
                    var selector = reader.ReadByte();
                    if (!select.Cases.TryGetValue(selector, out var chosen))
                    {
                        throw JdwpReader.Error(at, $"unknown {select.Name} {selector}");
                    }

                    state.Writer.Byte(selector);
                    WalkLayout(ref reader, chosen.Body, ref state);
                    break;
                }

            default:
                throw new InvalidOperationException($"Layout element {element.GetType().Name} has no walker.");
        }
    }

    private static void WalkId(ref JdwpReader reader, IdKind kind, ref WalkState state)
    {
        var id = reader.ReadId(state.From.SizeOf(kind));
        // 0 is the null ID of every kind but frames: HotSpot numbers a thread's frames from 0.
        var mapped = id == 0 && kind != IdKind.Frame ? 0 : state.Mapper.Map(kind, id, state.Seen.LastType);
        state.Seen.Observe(kind, id);

        state.Writer.Id(mapped, state.To.SizeOf(kind));
    }

    private static void WalkLocation(ref JdwpReader reader, ref WalkState state)
    {
        state.Writer.Byte(reader.ReadByte());
        var saved = state.Seen.LastType;
        WalkId(ref reader, IdKind.Class, ref state);
        WalkId(ref reader, IdKind.Method, ref state);
        state.Writer.Long(reader.ReadInt64());

        // A location's class scopes only its own method ID; it must not leak into later fields.
        state.Seen.LastType = saved;
    }

    private static void WalkTaggedValue(ref JdwpReader reader, ref WalkState state)
    {
        var tagOffset = reader.PacketOffset;
        var tag = reader.ReadByte();
        state.Writer.Byte(tag);
        WalkValueOfTag(ref reader, tag, ref state, tagOffset);
    }

    /// <param name="reader">Positioned at the value (after its tag, if it has one).</param>
    /// <param name="tag">The value's tag.</param>
    /// <param name="state">The walk.</param>
    /// <param name="tagOffset">Where the tag was read, for errors; for an untagged value, the value's own offset.</param>
    private static void WalkValueOfTag(ref JdwpReader reader, byte tag, ref WalkState state, int tagOffset)
    {
        var size = PrimitiveSize(tag);
        if (size >= 0)
        {
            state.Writer.Bytes(reader.ReadBytes(size));
            return;
        }

        // The tag decides the value's size, so it is checked before any value byte is read.
        var kind = ObjectKindOf(tag, tagOffset);
        var id = reader.ReadId(state.From.ObjectId);
        state.Writer.Id(id == 0 ? 0 : state.Mapper.Map(kind, id, state.Seen.LastType), state.To.ObjectId);
    }

    private static void WalkArrayRegion(ref JdwpReader reader, ref WalkState state)
    {
        var tagAt = reader.PacketOffset;
        var tag = reader.ReadByte();
        state.Writer.Byte(tag);
        var size = PrimitiveSize(tag);
        if (size < 0)
        {
            // Validates the tag: an object region's elements carry their own tags, but the region's must be known too.
            ObjectKindOf(tag, tagAt);
        }

        var count = reader.ReadCount(size > 0 ? size : 1);
        state.Writer.Int(count);
        if (size >= 0)
        {
            state.Writer.Bytes(reader.ReadBytes(checked(size * count)));
            return;
        }

        for (var i = 0; i < count; i++)
        {
            WalkTaggedValue(ref reader, ref state);
        }
    }

    private static void CopyPrim(ref JdwpReader reader, PrimKind kind, JdwpWriter writer)
    {
        switch (kind)
        {
            case PrimKind.Byte or PrimKind.Boolean:
                writer.Byte(reader.ReadByte());
                break;
            case PrimKind.Int:
                writer.Int(reader.ReadInt32());
                break;
            case PrimKind.Long:
                writer.Long(reader.ReadInt64());
                break;
            case PrimKind.String:
                writer.StringBytes(reader.ReadStringBytes());
                break;
        }
    }

    /// <summary>Size of a primitive value of <paramref name="tag"/>; -1 for object tags.</summary>
    public static int PrimitiveSize(byte tag) => tag switch
    {
        (byte)'B' or (byte)'Z' => 1,
        (byte)'C' or (byte)'S' => 2,
        (byte)'I' or (byte)'F' => 4,
        (byte)'J' or (byte)'D' => 8,
        (byte)'V' => 0,
        _ => -1,
    };

    /// <summary>The ID kind an object tag denotes.</summary>
    public static IdKind ObjectKindOf(byte tag, int offsetForErrors) => tag switch
    {
        (byte)'L' => IdKind.Object,
        (byte)'[' => IdKind.Array,
        (byte)'s' => IdKind.String,
        (byte)'t' => IdKind.Thread,
        (byte)'g' => IdKind.ThreadGroup,
        (byte)'l' => IdKind.ClassLoader,
        (byte)'c' => IdKind.ClassObject,
        _ => throw JdwpReader.Error(offsetForErrors, $"unknown value tag 0x{tag:x2}"),
    };
}
