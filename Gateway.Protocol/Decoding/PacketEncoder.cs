using JdwpGateway.Protocol.Encoding;
using JdwpGateway.Protocol.Spec;

namespace JdwpGateway.Protocol.Decoding;

/// <summary>
/// Writes a <see cref="DecodedPacket"/> back to wire bytes by walking the same <see cref="Layout"/> the decoder used
/// and taking each value from the tree (header fields included, length computed). It never sees the original bytes,
/// so decoding then encoding a packet and comparing the result with the input proves the decoder read every byte by
/// its layout. Only <see cref="DecodedKind.Untyped"/> and <see cref="DecodedKind.Raw"/> runs are copied as they are.
/// </summary>
public static class PacketEncoder
{
    /// <summary>The whole packet: header and body.</summary>
    /// <exception cref="ArgumentException">The tree does not fit the command's layout.</exception>
    public static byte[] Encode(DecodedPacket packet)
    {
        ArgumentNullException.ThrowIfNull(packet);
        var writer = new JdwpWriter(256);
        writer.Int(0).Int(packet.Id).Byte(packet.Flags);
        if (packet.IsReply)
        {
            writer.Byte((byte)(packet.ErrorCode >> 8)).Byte((byte)packet.ErrorCode);
        }
        else
        {
            writer.Byte(packet.CommandSet).Byte(packet.Command);
        }

        var layout = packet.Status switch
        {
            BodyStatus.Decoded or BodyStatus.PartlyUntyped when packet.Spec is not null =>
                packet.IsReply ? (packet.ErrorCode != 0 ? Layout.Empty : packet.Spec.Reply) : packet.Spec.Out,
            _ => null,
        };
        if (layout is null)
        {
            foreach (var field in packet.Fields)
            {
                if (field.Kind != DecodedKind.Raw)
                {
                    throw new ArgumentException($"{packet.Name}: a body without a layout must be raw, found {field.Kind} '{field.Name}'", nameof(packet));
                }

                writer.Bytes(field.Bytes.Span);
            }
        }
        else
        {
            EncodeBody(packet.Fields, layout, packet.Sizes, writer);
        }

        writer.PatchInt(0, writer.Length);
        return writer.ToArray();
    }

    /// <summary>Writes body fields by <paramref name="layout"/>.</summary>
    /// <exception cref="ArgumentException">The fields do not fit the layout.</exception>
    public static void EncodeBody(IReadOnlyList<DecodedValue> fields, Layout layout, IdSizes sizes, JdwpWriter writer)
    {
        ArgumentNullException.ThrowIfNull(fields);
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(writer);
        EncodeFields(fields, layout, sizes, writer, "body");
    }

    /// <summary>Writes <paramref name="fields"/> by <paramref name="layout"/>; an untyped run ends the body.</summary>
    private static void EncodeFields(IReadOnlyList<DecodedValue> fields, Layout layout, IdSizes sizes, JdwpWriter writer, string path)
    {
        for (var i = 0; i < layout.Elements.Count; i++)
        {
            var element = layout.Elements[i];
            if (i >= fields.Count)
            {
                throw Mismatch(path, $"field '{element.Name}' is missing");
            }

            var field = fields[i];
            if (field.Kind == DecodedKind.Untyped)
            {
                // The rest of the body could not be typed: it is the only part written as it came.
                if (i != fields.Count - 1)
                {
                    throw Mismatch(path, $"the untyped run '{field.Name}' must be the last field");
                }

                writer.Bytes(field.Bytes.Span);
                return;
            }

            if (field.Name != element.Name)
            {
                throw Mismatch(path, $"expected field '{element.Name}', found '{field.Name}'");
            }

            EncodeElement(field, element, sizes, writer, $"{path}.{element.Name}");
        }

        if (fields.Count != layout.Elements.Count)
        {
            throw Mismatch(path, $"{fields.Count - layout.Elements.Count} fields more than the layout has");
        }
    }

    private static void EncodeElement(DecodedValue field, Element element, IdSizes sizes, JdwpWriter writer, string path)
    {
        switch (element)
        {
            case Prim prim:
                Expect(field, PrimKind(prim.Kind), path);
                switch (prim.Kind)
                {
                    case Spec.PrimKind.Byte or Spec.PrimKind.Boolean:
                        writer.Byte((byte)field.Bits);
                        break;
                    case Spec.PrimKind.Int:
                        writer.Int(field.AsInt);
                        break;
                    case Spec.PrimKind.Long:
                        writer.Long(field.AsLong);
                        break;
                    default:
                        writer.StringBytes(field.Bytes.Span);
                        break;
                }

                break;
            case Id id:
                Expect(field, DecodedKind.Id, path);
                if (field.IdKind != id.Kind)
                {
                    throw Mismatch(path, $"expected a {id.Kind} ID, found {field.IdKind}");
                }

                writer.Id(field.Bits, sizes.SizeOf(id.Kind));
                break;
            case RequestId:
                Expect(field, DecodedKind.RequestId, path);
                writer.Int(field.AsInt);
                break;
            case TaggedObject:
                Expect(field, DecodedKind.TaggedObject, path);
                writer.Byte(field.Tag).Id(field.Bits, sizes.ObjectId);
                break;
            case Value:
                Expect(field, DecodedKind.Value, path);
                writer.Byte(field.Tag);
                WriteValueBits(field, sizes, writer);
                break;
            case UntaggedValue:
                // The tag came from the type source when decoding; it is not on the wire.
                Expect(field, DecodedKind.UntaggedValue, path);
                WriteValueBits(field, sizes, writer);
                break;
            case Location:
                {
                    Expect(field, DecodedKind.Location, path);
                    if (field.Children.Count != 4)
                    {
                        throw Mismatch(path, "a location has typeTag, classID, methodID and index");
                    }

                    writer.Byte((byte)field.Children[0].Bits)
                        .Id(field.Children[1].Bits, sizes.ReferenceTypeId)
                        .Id(field.Children[2].Bits, sizes.MethodId)
                        .Long(field.Children[3].AsLong);
                    break;
                }

            case ArrayRegion:
                {
                    Expect(field, DecodedKind.ArrayRegion, path);
                    writer.Byte(field.Tag).Int(checked((int)field.Bits));
                    if (PacketRewriter.PrimitiveSize(field.Tag) >= 0)
                    {
                        writer.Bytes(field.Bytes.Span);
                        break;
                    }

                    if ((ulong)field.Children.Count != field.Bits)
                    {
                        throw Mismatch(path, $"region count {field.Bits} but {field.Children.Count} values");
                    }

                    foreach (var value in field.Children)
                    {
                        Expect(value, DecodedKind.Value, path);
                        writer.Byte(value.Tag);
                        WriteValueBits(value, sizes, writer);
                    }

                    break;
                }

            case Repeat repeat:
                {
                    Expect(field, DecodedKind.Repeat, path);
                    writer.Int(field.Children.Count);
                    for (var i = 0; i < field.Children.Count; i++)
                    {
                        var group = field.Children[i];
                        Expect(group, DecodedKind.Group, path);
                        EncodeFields(group.Children, repeat.Body, sizes, writer, $"{path}[{i}]");
                    }

                    break;
                }

            case Select select:
                {
                    Expect(field, DecodedKind.Select, path);
                    if (!select.Cases.TryGetValue(field.Tag, out var chosen))
                    {
                        throw Mismatch(path, $"no case {field.Tag}");
                    }

                    writer.Byte(field.Tag);
                    EncodeFields(field.Children, chosen.Body, sizes, writer, $"{path}.{chosen.Name}");
                    break;
                }

            default:
                throw new InvalidOperationException($"Layout element {element.GetType().Name} has no encoder.");
        }
    }

    private static void WriteValueBits(DecodedValue value, IdSizes sizes, JdwpWriter writer)
    {
        var size = PacketRewriter.PrimitiveSize(value.Tag);
        writer.Id(value.Bits, size >= 0 ? size : sizes.ObjectId);
    }

    private static DecodedKind PrimKind(PrimKind kind) => kind switch
    {
        Spec.PrimKind.Byte => DecodedKind.Byte,
        Spec.PrimKind.Boolean => DecodedKind.Boolean,
        Spec.PrimKind.Int => DecodedKind.Int,
        Spec.PrimKind.Long => DecodedKind.Long,
        _ => DecodedKind.String,
    };

    private static void Expect(DecodedValue field, DecodedKind kind, string path)
    {
        if (field.Kind != kind)
        {
            throw Mismatch(path, $"expected {kind}, found {field.Kind}");
        }
    }

    private static ArgumentException Mismatch(string path, string problem) => new($"decoded tree does not fit the layout at {path}: {problem}");
}
