using JdwpGateway.Protocol.Decoding;
using JdwpGateway.Protocol.Encoding;
using JdwpGateway.Protocol.Spec;
using Xunit;

namespace JdwpGateway.Protocol.Tests.Decoding;

/// <summary>
/// Decode then encode, for every command and reply layout of <see cref="JdwpSpec"/>, with random valid bodies from
/// <see cref="LayoutBodyGenerator"/>: the bytes must come back identical, and every byte must have been typed.
/// </summary>
public sealed class PacketCodecRoundTripTests
{
    private const int Samples = 60;

    private static readonly IdSizes Mixed = new(FieldId: 2, MethodId: 4, ObjectId: 8, ReferenceTypeId: 3, FrameId: 5);

    public static TheoryData<string, bool> Layouts()
    {
        var data = new TheoryData<string, bool>();
        foreach (var command in JdwpSpec.All.OrderBy(c => c.Set).ThenBy(c => c.Command))
        {
            data.Add(command.FullName, false);
            data.Add(command.FullName, true);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Decode_then_encode_returns_the_same_bytes_with_every_byte_typed(string command, bool reply)
    {
        var spec = JdwpSpec.All.Single(c => c.FullName == command);
        var layout = reply ? spec.Reply : spec.Out;
        var decoder = new PacketDecoder(GeneratorTypes.Instance);
        foreach (var sizes in new[] { IdSizes.Eight, Mixed })
        {
            var random = new Random(HashCode.Combine(command, reply, sizes.ReferenceTypeId));
            for (var i = 0; i < Samples; i++)
            {
                // IDs must fit the narrowest width: the generator types untagged values by the ID it drew, not the bytes it wrote.
                var body = LayoutBodyGenerator.FromRandom(random, sizes, idLimit: sizes == IdSizes.Eight ? 0 : 1UL << 16).Generate(layout);
                var packet = reply ? JdwpPacket.NewReply(i + 1, 0, body) : JdwpPacket.NewCommand(i + 1, spec.Set, spec.Command, body);
                var decoded = reply ? decoder.DecodeReply(packet, spec.Set, spec.Command, sizes) : decoder.DecodeCommand(packet, sizes);

                Assert.Equal(BodyStatus.Decoded, decoded.Status);
                Assert.DoesNotContain(Flatten(decoded.Fields), f => f.Kind is DecodedKind.Untyped or DecodedKind.Raw);
                Assert.Equal(Wire(packet), PacketEncoder.Encode(decoded));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Without_a_type_source_untagged_values_become_an_untyped_run_that_still_round_trips(string command, bool reply)
    {
        var spec = JdwpSpec.All.Single(c => c.FullName == command);
        var layout = reply ? spec.Reply : spec.Out;
        var hasUntagged = Flatten(layout).Any(e => e is UntaggedValue);
        var random = new Random(HashCode.Combine(command, reply, 7));
        foreach (var (decoder, hasSource) in new[] { (new PacketDecoder(), false), (new PacketDecoder(NoTypes.Instance), true) })
        {
            for (var i = 0; i < Samples / 2; i++)
            {
                var body = LayoutBodyGenerator.FromRandom(random, IdSizes.Eight).Generate(layout);
                var fields = decoder.DecodeBody(body, layout, IdSizes.Eight, out var status);
                var writer = new JdwpWriter();
                PacketEncoder.EncodeBody(fields, layout, IdSizes.Eight, writer);

                Assert.Equal(body, writer.ToArray());
                if (hasSource && status == BodyStatus.Decoded)
                {
                    // A source is only asked when a value is there: a body with no untagged value decodes fully.
                    Assert.DoesNotContain(Flatten(fields), f => f.Kind == DecodedKind.UntaggedValue);
                }
                else if (hasUntagged)
                {
                    Assert.Equal(BodyStatus.PartlyUntyped, status);
                    Assert.Equal(DecodedKind.Untyped, fields[^1].Kind);
                }
                else
                {
                    Assert.Equal(BodyStatus.Decoded, status);
                }
            }
        }
    }

    [Fact]
    public void Untyped_run_starts_at_the_element_holding_the_untagged_values()
    {
        var fields = new Bytes().Id(0x51).I32(1).Id(0x7, 8).I32(42);
        var layout = JdwpSpec.Find(9, 3)!.Out; // ObjectReference.SetValues: object, values[fieldID, untagged value]
        var decoded = new PacketDecoder().DecodeBody(fields.ToArray(), layout, IdSizes.Eight, out var status);

        Assert.Equal(BodyStatus.PartlyUntyped, status);
        Assert.Equal(2, decoded.Count);
        Assert.Equal(("object", DecodedKind.Id, 0x51UL), (decoded[0].Name, decoded[0].Kind, decoded[0].Bits));
        Assert.Equal(("values", DecodedKind.Untyped), (decoded[1].Name, decoded[1].Kind));
        Assert.Equal(new Bytes().I32(1).Id(0x7, 8).I32(42).ToArray(), decoded[1].Bytes.ToArray());
    }

    [Fact]
    public void The_type_source_is_asked_with_the_field_and_its_class_and_types_the_value()
    {
        var types = new RecordingTypes((byte)'L');
        var body = new Bytes().Id(0x10).I32(1).Id(0x20).Id(0x99).ToArray(); // ClassType.SetValues: class, [field, object]
        var fields = new PacketDecoder(types).DecodeBody(body, JdwpSpec.Find(3, 2)!.Out, IdSizes.Eight, out var status);

        Assert.Equal(BodyStatus.Decoded, status);
        Assert.Equal([(UntaggedSource.PrecedingField, 0x20UL, 0x10UL)], types.Calls);
        var value = fields[1].Children[0].Children[1];
        Assert.Equal((DecodedKind.UntaggedValue, (byte)'L', IdKind.Object, 0x99UL), (value.Kind, value.Tag, value.IdKind!.Value, value.Bits));
    }

    [Fact]
    public void Encoder_writes_from_the_tree_not_from_the_input()
    {
        // A tree built by hand, never decoded from bytes: the encoder must produce the JDWP bytes for it.
        var tree = new DecodedPacket
        {
            Id = 7,
            Flags = 0,
            CommandSet = 11,
            Command = 6,
            Spec = JdwpSpec.Find(11, 6),
            Sizes = new IdSizes(8, 8, 4, 8, 8),
            Status = BodyStatus.Decoded,
            Fields = [DecodedValue.Id("thread", IdKind.Thread, 0xABCD, 4), DecodedValue.Int("startFrame", 0), DecodedValue.Int("length", -1)],
        };

        var expected = Bytes.Command(7, 11, 6, new Bytes().Id(0xABCD, 4).I32(0).I32(-1).ToArray());
        Assert.Equal(expected, PacketEncoder.Encode(tree));
    }

    [Fact]
    public void Encoder_rejects_a_tree_that_does_not_fit_the_layout()
    {
        var tree = new DecodedPacket
        {
            Id = 1,
            Flags = 0,
            CommandSet = 11,
            Command = 1,
            Spec = JdwpSpec.Find(11, 1),
            Sizes = IdSizes.Eight,
            Status = BodyStatus.Decoded,
            Fields = [DecodedValue.Id("thread", IdKind.Object, 1, 8)],
        };

        var ex = Assert.Throws<ArgumentException>(() => PacketEncoder.Encode(tree));
        Assert.Contains("expected a Thread ID", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => PacketEncoder.Encode(tree with { Fields = [] }));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Every_truncation_and_extra_byte_is_a_protocol_exception_with_an_offset_inside_the_packet(bool reply)
    {
        var random = new Random(11);
        var decoder = new PacketDecoder(GeneratorTypes.Instance);
        foreach (var spec in JdwpSpec.All)
        {
            var layout = reply ? spec.Reply : spec.Out;
            var body = LayoutBodyGenerator.FromRandom(random, IdSizes.Eight).Generate(layout);
            for (var cut = 0; cut < body.Length; cut++)
            {
                var ex = Assert.Throws<JdwpProtocolException>(() => decoder.DecodeBody(body.AsMemory(0, cut), layout, IdSizes.Eight, out _));
                Assert.InRange(ex.Offset, JdwpPacket.HeaderLength, JdwpPacket.HeaderLength + cut);
            }

            var extra = Assert.Throws<JdwpProtocolException>(() => decoder.DecodeBody((byte[])[.. body, 1], layout, IdSizes.Eight, out _));
            Assert.Equal(JdwpPacket.HeaderLength + body.Length, extra.Offset);
        }
    }

    [Fact]
    public void Unknown_commands_error_replies_and_unpaired_replies_keep_their_bodies_raw_and_round_trip()
    {
        var decoder = new PacketDecoder();
        var vendor = JdwpPacket.NewCommand(3, 0xC7, 1, [1, 2, 3]);
        var unknown = decoder.DecodeCommand(vendor, IdSizes.Eight);
        Assert.Equal((BodyStatus.UnknownCommand, "199/1"), (unknown.Status, unknown.Name));
        Assert.Equal(Wire(vendor), PacketEncoder.Encode(unknown));

        var withBody = JdwpPacket.NewReply(4, 20, [9, 9]);
        var error = decoder.DecodeReply(withBody, 11, 1, IdSizes.Eight);
        Assert.Equal(BodyStatus.ErrorWithBody, error.Status);
        Assert.Equal(Wire(withBody), PacketEncoder.Encode(error));

        var plainError = JdwpPacket.NewReply(5, 20, []);
        var decodedError = decoder.DecodeReply(plainError, 11, 1, IdSizes.Eight);
        Assert.Equal((BodyStatus.Decoded, 0), (decodedError.Status, decodedError.Fields.Count));
        Assert.Equal(Wire(plainError), PacketEncoder.Encode(decodedError));

        var orphan = JdwpPacket.NewReply(6, 0, [5, 6, 7]);
        var unpaired = PacketDecoder.DecodeUnpairedReply(orphan, IdSizes.Eight);
        Assert.Equal(BodyStatus.Unpaired, unpaired.Status);
        Assert.Equal(Wire(orphan), PacketEncoder.Encode(unpaired));
    }

    internal static byte[] Wire(JdwpPacket packet)
    {
        var bytes = new byte[packet.Length];
        packet.CopyTo(bytes);
        return bytes;
    }

    private static IEnumerable<DecodedValue> Flatten(IEnumerable<DecodedValue> values) =>
        values.SelectMany(v => Flatten(v.Children).Prepend(v));

    private static IEnumerable<Element> Flatten(Layout layout) => layout.Elements.SelectMany(e => e switch
    {
        Repeat r => Flatten(r.Body).Prepend(e),
        Select s => s.Cases.Values.SelectMany(c => Flatten(c.Body)).Prepend(e),
        _ => [e],
    });

    /// <summary>Types untagged values the way <see cref="LayoutBodyGenerator"/> chose them.</summary>
    private sealed class GeneratorTypes : IUntaggedTypeSource
    {
        public static readonly GeneratorTypes Instance = new();

        public byte? TagOf(UntaggedSource source, ulong subject, ulong owner) => LayoutBodyGenerator.UntaggedTagOf(subject);
    }

    private sealed class NoTypes : IUntaggedTypeSource
    {
        public static readonly NoTypes Instance = new();

        public byte? TagOf(UntaggedSource source, ulong subject, ulong owner) => null;
    }

    private sealed class RecordingTypes(byte tag) : IUntaggedTypeSource
    {
        public List<(UntaggedSource, ulong, ulong)> Calls { get; } = [];

        public byte? TagOf(UntaggedSource source, ulong subject, ulong owner)
        {
            Calls.Add((source, subject, owner));
            return tag;
        }
    }
}
