using System.Buffers.Binary;
using JdwpGateway.Protocol;
using JdwpGateway.Protocol.Framing;
using JdwpGateway.Protocol.Spec;

namespace JdwpGateway.Fuzz;

/// <summary>
/// Writes the seed corpus: for every command of the spec one tiny stream holding the handshake, the command with a
/// random valid body and a reply whose body selects the same command (see <see cref="FuzzTarget"/>) followed by a
/// random valid reply body. IDs are 8 bytes; repeat counts 0-2; strings 0-3 bytes. Deterministic (fixed seed).
/// </summary>
public static class SeedGenerator
{
    private static readonly byte[] PrimitiveTags = "BZCSIFJDV"u8.ToArray();
    private static readonly byte[] ObjectTags = "L[stglc"u8.ToArray();
    private static readonly byte[] AllTags = [.. PrimitiveTags, .. ObjectTags];
    private static readonly byte[] NonVoidTags = [.. AllTags.Where(t => t != (byte)'V')];

    /// <summary>Writes the corpus into <paramref name="directory"/> and returns how many files it wrote.</summary>
    public static int WriteAll(string directory)
    {
        Directory.CreateDirectory(directory);
        var random = new Random(20250101);
        var count = 0;
        for (var index = 0; index < FuzzTarget.Table.Length; index++)
        {
            var command = FuzzTarget.Table[index];

            // Packet ids whose low nibbles are all 7 read IDs as 8 bytes in the target's variable-size rewrite too.
            var id = (index << 20) | 0x77777;
            var body = new BodyWriter(random).Write(command.Out);
            var replyBody = new byte[FuzzTarget.ReplySelectorLength].Concat(new BodyWriter(random).Write(command.Reply)).ToArray();
            BinaryPrimitives.WriteUInt16BigEndian(replyBody, (ushort)index);

            using var file = new MemoryStream();
            file.Write(JdwpHandshake.Bytes);
            Write(file, JdwpPacket.NewCommand(id, command.Set, command.Command, body));
            Write(file, JdwpPacket.NewReply(id, 0, replyBody));
            File.WriteAllBytes(Path.Combine(directory, $"{command.Set:D2}-{command.Command:D3}-{command.SetName}.{command.Name}.jdwp"), file.ToArray());
            count++;
        }

        // A vendor command set (Android DDM, 0xC7) that is passed through, and an error reply with an empty body.
        using (var extra = new MemoryStream())
        {
            extra.Write(JdwpHandshake.Bytes);
            Write(extra, JdwpPacket.NewCommand(0x77777, 0xC7, 1, "HELO\0\0\0\x01"u8.ToArray()));
            Write(extra, JdwpPacket.NewReply(0x77777, 20, []));
            File.WriteAllBytes(Path.Combine(directory, "vendor-and-error.jdwp"), extra.ToArray());
            count++;
        }

        return count;
    }

    private static void Write(Stream stream, JdwpPacket packet)
    {
        var bytes = new byte[packet.Length];
        packet.CopyTo(bytes);
        stream.Write(bytes);
    }

    /// <summary>Writes a valid body for a layout, tracking the field and array IDs the way the rewriter does.</summary>
    private sealed class BodyWriter(Random random)
    {
        private readonly MemoryStream _out = new();
        private ulong _lastField;
        private ulong _lastArray;

        public byte[] Write(Layout layout)
        {
            WriteLayout(layout);
            return _out.ToArray();
        }

        private void WriteLayout(Layout layout)
        {
            foreach (var element in layout.Elements)
            {
                WriteElement(element);
            }
        }

        private void WriteElement(Element element)
        {
            switch (element)
            {
                case Prim { Kind: PrimKind.Byte or PrimKind.Boolean }:
                    U8((byte)random.Next(3));
                    break;
                case Prim { Kind: PrimKind.Int }:
                    I32(random.Next(4));
                    break;
                case Prim { Kind: PrimKind.Long }:
                    Raw(8);
                    break;
                case Prim { Kind: PrimKind.String }:
                    {
                        var length = random.Next(4);
                        I32(length);
                        for (var i = 0; i < length; i++)
                        {
                            U8((byte)('a' + random.Next(26)));
                        }

                        break;
                    }

                case Id id:
                    {
                        var value = NextId();
                        if (id.Kind == IdKind.Field)
                        {
                            _lastField = value;
                        }
                        else if (id.Kind == IdKind.Array)
                        {
                            _lastArray = value;
                        }

                        Id8(value);
                        break;
                    }

                case RequestId:
                    I32(random.Next(1, 100));
                    break;
                case TaggedObject:
                    {
                        var tag = ObjectTags[random.Next(ObjectTags.Length)];
                        var value = NextId();
                        if (tag == (byte)'[')
                        {
                            _lastArray = value;
                        }

                        U8(tag);
                        Id8(value);
                        break;
                    }

                case Value:
                    {
                        var tag = AllTags[random.Next(AllTags.Length)];
                        U8(tag);
                        WriteValueOfTag(tag);
                        break;
                    }

                case UntaggedValue untagged:
                    WriteValueOfTag(FuzzMapper.TagOf(untagged.Source == UntaggedSource.PrecedingField ? _lastField : _lastArray));
                    break;
                case Location:
                    U8((byte)random.Next(1, 4));
                    Id8(NextId());
                    Id8(NextId());
                    Raw(8);
                    break;
                case ArrayRegion:
                    {
                        var tag = NonVoidTags[random.Next(NonVoidTags.Length)];
                        var count = random.Next(3);
                        U8(tag);
                        I32(count);
                        for (var i = 0; i < count; i++)
                        {
                            if (IsPrimitive(tag))
                            {
                                WriteValueOfTag(tag);
                            }
                            else
                            {
                                var elementTag = ObjectTags[random.Next(ObjectTags.Length)];
                                U8(elementTag);
                                WriteValueOfTag(elementTag);
                            }
                        }

                        break;
                    }

                case Repeat repeat:
                    {
                        var count = random.Next(3);
                        I32(count);
                        for (var i = 0; i < count; i++)
                        {
                            WriteLayout(repeat.Body);
                        }

                        break;
                    }

                case Select select:
                    {
                        var cases = select.Cases.Values.ToArray();
                        var chosen = cases[random.Next(cases.Length)];
                        U8(chosen.Tag);
                        WriteLayout(chosen.Body);
                        break;
                    }

                default:
                    throw new InvalidOperationException($"no seed writer for {element.GetType().Name}");
            }
        }

        private static bool IsPrimitive(byte tag) => PrimitiveTags.Contains(tag);

        private void WriteValueOfTag(byte tag)
        {
            switch (tag)
            {
                case (byte)'B' or (byte)'Z':
                    Raw(1);
                    break;
                case (byte)'C' or (byte)'S':
                    Raw(2);
                    break;
                case (byte)'I' or (byte)'F':
                    Raw(4);
                    break;
                case (byte)'J' or (byte)'D':
                    Raw(8);
                    break;
                case (byte)'V':
                    break;
                default:
                    Id8(NextId());
                    break;
            }
        }

        /// <summary>A random ID, null one time in eight; never one whose derived untagged tag is invalid.</summary>
        private ulong NextId()
        {
            if (random.Next(8) == 0)
            {
                return 0;
            }

            ulong value;
            do
            {
                value = (ulong)random.NextInt64(1, long.MaxValue);
            }
            while (!FuzzMapper.HasValidTag(value));

            return value;
        }

        private void U8(byte value) => _out.WriteByte(value);

        private void I32(int value)
        {
            Span<byte> bytes = stackalloc byte[4];
            BinaryPrimitives.WriteInt32BigEndian(bytes, value);
            _out.Write(bytes);
        }

        private void Id8(ulong value)
        {
            Span<byte> bytes = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
            _out.Write(bytes);
        }

        private void Raw(int length)
        {
            Span<byte> bytes = stackalloc byte[length];
            random.NextBytes(bytes);
            _out.Write(bytes);
        }
    }
}
