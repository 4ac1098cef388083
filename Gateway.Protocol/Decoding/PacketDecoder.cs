using System.Collections.Concurrent;
using JdwpGateway.Protocol.Encoding;
using JdwpGateway.Protocol.Spec;

namespace JdwpGateway.Protocol.Decoding;

/// <summary>
/// Decodes command, reply and event bodies into <see cref="DecodedValue"/> trees, driven only by the layouts of
/// <see cref="JdwpSpec"/>. A reply is decoded with the layout of the command it answers, so the caller pairs replies
/// with commands (by packet id, per connection and direction). Untagged values are typed by the optional
/// <see cref="IUntaggedTypeSource"/>; without one (or when it does not know a type) the body is decoded up to the
/// element holding them and the rest is kept as one <see cref="DecodedKind.Untyped"/> run.
/// </summary>
public sealed class PacketDecoder
{
    private static readonly ConcurrentDictionary<Element, bool> UntaggedInside = new(ReferenceEqualityComparer.Instance);

    private readonly IUntaggedTypeSource? _types;

    /// <summary>Creates a decoder; <paramref name="types"/> types untagged values when given.</summary>
    public PacketDecoder(IUntaggedTypeSource? types = null) => _types = types;

    /// <summary>Decodes a command (including events, which are commands the VM sends).</summary>
    /// <exception cref="JdwpProtocolException">The body does not match its layout; the offset is within the packet.</exception>
    public DecodedPacket DecodeCommand(JdwpPacket packet, IdSizes sizes)
    {
        ArgumentNullException.ThrowIfNull(packet);
        if (packet.IsReply)
        {
            throw new ArgumentException("packet is a reply: use DecodeReply with the command it answers", nameof(packet));
        }

        var spec = JdwpSpec.Find(packet.CommandSet, packet.Command);
        return Build(packet, packet.CommandSet, packet.Command, spec, spec?.Out, sizes, BodyStatus.UnknownCommand);
    }

    /// <summary>Decodes a reply to the command <paramref name="commandSet"/>/<paramref name="command"/>.</summary>
    /// <exception cref="JdwpProtocolException">The body does not match its layout; the offset is within the packet.</exception>
    public DecodedPacket DecodeReply(JdwpPacket reply, byte commandSet, byte command, IdSizes sizes)
    {
        ArgumentNullException.ThrowIfNull(reply);
        if (!reply.IsReply)
        {
            throw new ArgumentException("packet is a command", nameof(reply));
        }

        var spec = JdwpSpec.Find(commandSet, command);
        if (reply.ErrorCode != 0 && reply.Body.Length > 0)
        {
            // JDWP defines no data for error replies: show what came, byte for byte.
            return Build(reply, commandSet, command, spec, null, sizes, BodyStatus.ErrorWithBody);
        }

        return Build(reply, commandSet, command, spec, reply.ErrorCode != 0 ? Layout.Empty : spec?.Reply, sizes, BodyStatus.UnknownCommand);
    }

    /// <summary>A reply whose command is unknown to the caller: its body is kept raw.</summary>
    public static DecodedPacket DecodeUnpairedReply(JdwpPacket reply, IdSizes sizes)
    {
        ArgumentNullException.ThrowIfNull(reply);
        return new DecodedPacket
        {
            Id = reply.Id,
            Flags = reply.Flags,
            CommandSet = 0,
            Command = 0,
            ErrorCode = reply.ErrorCode,
            Sizes = sizes,
            Status = BodyStatus.Unpaired,
            Fields = [DecodedValue.Raw(reply.Body)],
        };
    }

    /// <summary>Decodes a body by <paramref name="layout"/>; <paramref name="status"/> says whether part of it stayed untyped.</summary>
    /// <exception cref="JdwpProtocolException">The body does not match the layout; offsets count the 11-byte header.</exception>
    public IReadOnlyList<DecodedValue> DecodeBody(ReadOnlyMemory<byte> body, Layout layout, IdSizes sizes, out BodyStatus status)
    {
        ArgumentNullException.ThrowIfNull(layout);
        var typed = _types is not null || !layout.Elements.Any(HasUntagged);
        if (typed)
        {
            try
            {
                status = BodyStatus.Decoded;
                return Walk(body, layout, sizes, untypedFrom: -1);
            }
            catch (UnknownUntaggedTypeException)
            {
                // The source did not know one of the types: fall back to the untyped form for the whole body.
            }
        }

        status = BodyStatus.PartlyUntyped;
        var first = layout.Elements.ToList().FindIndex(HasUntagged);
        return Walk(body, layout, sizes, first);
    }

    private DecodedPacket Build(JdwpPacket packet, byte set, byte command, CommandSpec? spec, Layout? layout, IdSizes sizes, BodyStatus noLayout)
    {
        IReadOnlyList<DecodedValue> fields;
        BodyStatus status;
        if (layout is null || (spec is null && packet.Body.Length > 0))
        {
            fields = [DecodedValue.Raw(packet.Body)];
            status = noLayout;
        }
        else
        {
            fields = DecodeBody(packet.Body, layout, sizes, out status);
        }

        return new DecodedPacket
        {
            Id = packet.Id,
            Flags = packet.Flags,
            CommandSet = set,
            Command = command,
            ErrorCode = packet.ErrorCode,
            Spec = spec,
            Sizes = sizes,
            Status = spec is null && status == BodyStatus.Decoded ? noLayout : status,
            Fields = fields,
        };
    }

    private List<DecodedValue> Walk(ReadOnlyMemory<byte> body, Layout layout, IdSizes sizes, int untypedFrom)
    {
        var reader = new JdwpReader(body.Span);
        var state = new State(body, sizes, _types);
        var fields = new List<DecodedValue>(layout.Elements.Count);
        for (var i = 0; i < layout.Elements.Count; i++)
        {
            var element = layout.Elements[i];
            if (i == untypedFrom)
            {
                fields.Add(DecodedValue.Untyped(element.Name, body[reader.Position..]));
                return fields;
            }

            fields.Add(DecodeElement(ref reader, element, ref state));
        }

        if (reader.Remaining != 0)
        {
            throw JdwpReader.Error(reader.PacketOffset, $"{reader.Remaining} bytes left after the end of the layout");
        }

        return fields;
    }

    private static bool HasUntagged(Element element) => UntaggedInside.GetOrAdd(element, static e => e switch
    {
        UntaggedValue => true,
        Repeat repeat => repeat.Body.Elements.Any(HasUntagged),
        Select select => select.Cases.Values.Any(c => c.Body.Elements.Any(HasUntagged)),
        _ => false,
    });

    private static DecodedValue DecodeElement(ref JdwpReader reader, Element element, ref State state)
    {
        switch (element)
        {
            case Prim prim:
                return prim.Kind switch
                {
                    PrimKind.Byte => DecodedValue.Byte(prim.Name, reader.ReadByte()),
                    PrimKind.Boolean => DecodedValue.Boolean(prim.Name, reader.ReadByte()),
                    PrimKind.Int => DecodedValue.Int(prim.Name, reader.ReadInt32()),
                    PrimKind.Long => DecodedValue.Long(prim.Name, reader.ReadInt64()),
                    _ => ReadString(ref reader, prim.Name, state.Body),
                };
            case Id id:
                return ReadId(ref reader, id.Name, id.Kind, ref state);
            case RequestId request:
                return DecodedValue.Request(request.Name, reader.ReadInt32());
            case TaggedObject tagged:
                {
                    var at = reader.PacketOffset;
                    var tag = reader.ReadByte();
                    var kind = PacketRewriter.ObjectKindOf(tag, at);
                    var id = reader.ReadId(state.Sizes.ObjectId);
                    if (kind == IdKind.Array)
                    {
                        state.Seen.LastArray = id;
                    }

                    return DecodedValue.TaggedObject(tagged.Name, tag, kind, id, state.Sizes.ObjectId);
                }

            case Value value:
                {
                    var at = reader.PacketOffset;
                    return ReadValueOfTag(ref reader, value.Name, reader.ReadByte(), tagged: true, at, ref state);
                }

            case UntaggedValue untagged:
                {
                    var at = reader.PacketOffset;
                    var subject = untagged.Source == UntaggedSource.PrecedingField ? state.Seen.LastField : state.Seen.LastArray;
                    var owner = untagged.Source == UntaggedSource.ArrayComponent ? state.Seen.LastArray : state.Seen.LastType != 0 ? state.Seen.LastType : state.Seen.LastObject;
                    var tag = state.Types?.TagOf(untagged.Source, subject, owner) ?? throw new UnknownUntaggedTypeException();
                    return ReadValueOfTag(ref reader, untagged.Name, tag, tagged: false, at, ref state);
                }

            case Location location:
                {
                    var typeTag = DecodedValue.Byte("typeTag", reader.ReadByte());
                    var saved = state.Seen.LastType;
                    var classId = ReadId(ref reader, "classID", IdKind.Class, ref state);
                    var methodId = ReadId(ref reader, "methodID", IdKind.Method, ref state);
                    var index = DecodedValue.Long("index", reader.ReadInt64());

                    // As in the rewriter: a location's class scopes its method only, not later fields.
                    state.Seen.LastType = saved;
                    return DecodedValue.Location(location.Name, typeTag, classId, methodId, index);
                }

            case ArrayRegion region:
                {
                    var tagAt = reader.PacketOffset;
                    var tag = reader.ReadByte();
                    var size = PacketRewriter.PrimitiveSize(tag);
                    if (size < 0)
                    {
                        PacketRewriter.ObjectKindOf(tag, tagAt);
                    }

                    var count = reader.ReadCount(size > 0 ? size : 1);
                    if (size >= 0)
                    {
                        var start = reader.Position;
                        reader.ReadBytes(checked(size * count));
                        return DecodedValue.PrimitiveRegion(region.Name, tag, count, state.Body.Slice(start, size * count));
                    }

                    var values = new List<DecodedValue>(count);
                    for (var i = 0; i < count; i++)
                    {
                        var at = reader.PacketOffset;
                        values.Add(ReadValueOfTag(ref reader, $"[{i}]", reader.ReadByte(), tagged: true, at, ref state));
                    }

                    return DecodedValue.ObjectRegion(region.Name, tag, values);
                }

            case Repeat repeat:
                {
                    var count = reader.ReadCount(1);
                    var groups = new List<DecodedValue>(count);
                    for (var i = 0; i < count; i++)
                    {
                        var fields = new List<DecodedValue>(repeat.Body.Elements.Count);
                        foreach (var inner in repeat.Body.Elements)
                        {
                            fields.Add(DecodeElement(ref reader, inner, ref state));
                        }

                        groups.Add(DecodedValue.Group(i, fields));
                    }

                    return DecodedValue.Repeat(repeat.Name, groups);
                }

            case Select select:
                {
                    var at = reader.PacketOffset;
                    var selector = reader.ReadByte();
                    if (!select.Cases.TryGetValue(selector, out var chosen))
                    {
                        throw JdwpReader.Error(at, $"unknown {select.Name} {selector}");
                    }

                    var fields = new List<DecodedValue>(chosen.Body.Elements.Count);
                    foreach (var inner in chosen.Body.Elements)
                    {
                        fields.Add(DecodeElement(ref reader, inner, ref state));
                    }

                    return DecodedValue.Select(select.Name, selector, chosen.Name, fields);
                }

            default:
                throw new InvalidOperationException($"Layout element {element.GetType().Name} has no decoder.");
        }
    }

    private static DecodedValue ReadString(ref JdwpReader reader, string name, ReadOnlyMemory<byte> body)
    {
        var bytes = reader.ReadStringBytes();
        return DecodedValue.String(name, body.Slice(reader.Position - bytes.Length, bytes.Length));
    }

    private static DecodedValue ReadId(ref JdwpReader reader, string name, IdKind kind, ref State state)
    {
        var width = state.Sizes.SizeOf(kind);
        var id = reader.ReadId(width);
        state.Seen.Observe(kind, id);

        return DecodedValue.Id(name, kind, id, width);
    }

    private static DecodedValue ReadValueOfTag(ref JdwpReader reader, string name, byte tag, bool tagged, int tagOffset, ref State state)
    {
        var size = PacketRewriter.PrimitiveSize(tag);
        if (size >= 0)
        {
            return DecodedValue.Value(name, tagged, tag, reader.ReadId(size), size, null);
        }

        var kind = PacketRewriter.ObjectKindOf(tag, tagOffset);
        return DecodedValue.Value(name, tagged, tag, reader.ReadId(state.Sizes.ObjectId), state.Sizes.ObjectId, kind);
    }

    private struct State(ReadOnlyMemory<byte> body, IdSizes sizes, IUntaggedTypeSource? types)
    {
        public readonly ReadOnlyMemory<byte> Body = body;
        public readonly IdSizes Sizes = sizes;
        public readonly IUntaggedTypeSource? Types = types;
        public IdContext Seen;
    }

    private sealed class UnknownUntaggedTypeException : Exception;
}
