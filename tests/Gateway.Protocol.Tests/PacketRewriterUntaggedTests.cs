using JdwpGateway.Protocol.Encoding;
using JdwpGateway.Protocol.Spec;
using Xunit;

namespace JdwpGateway.Protocol.Tests;

public sealed class PacketRewriterUntaggedTests
{
    /// <summary>A mapper that gives every untagged value the same (possibly bad) tag.</summary>
    private sealed class FixedTagMapper(byte tag) : IIdMapper
    {
        public List<(IdKind Kind, ulong Id)> Mapped { get; } = [];

        public ulong Map(IdKind kind, ulong id, ulong contextType)
        {
            Mapped.Add((kind, id));
            return id;
        }

        public int MapRequest(int requestId) => requestId;

        public byte UntaggedTag(UntaggedSource source, ulong subject, ulong contextType) => tag;
    }

    /// <summary>ObjectReference.SetValues: object, 1 value: field, untagged value at body offset 20.</summary>
    private static byte[] SetValuesBody() => new JdwpWriter().Id(0x10, 8).Int(1).Id(0x20, 8).Id(0x30, 8).ToArray();

    [Fact]
    public void Rewrite_UntaggedValueWithUnknownTag_ReportsTheValuesOffsetAndReadsNothing()
    {
        var mapper = new FixedTagMapper((byte)'?');
        var ex = Assert.Throws<JdwpProtocolException>(() =>
            PacketRewriter.Rewrite(SetValuesBody(), JdwpSpec.Find(9, 3)!.Out, IdSizes.Eight, IdSizes.Eight, mapper));
        Assert.Equal(JdwpPacket.HeaderLength + 20, ex.Offset);
        Assert.Contains("unknown value tag 0x3f", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(mapper.Mapped, m => m.Id == 0x30);
    }

    [Fact]
    public void Rewrite_UntaggedObjectValue_IsMappedAsAnObject()
    {
        var mapper = new FixedTagMapper((byte)'L');
        var output = PacketRewriter.Rewrite(SetValuesBody(), JdwpSpec.Find(9, 3)!.Out, IdSizes.Eight, IdSizes.Eight, mapper);
        Assert.Equal(SetValuesBody(), output);
        Assert.Contains((IdKind.Object, 0x30UL), mapper.Mapped);
    }
}
