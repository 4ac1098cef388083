using CsCheck;
using JdwpGateway.Protocol.Encoding;
using JdwpGateway.Protocol.Spec;
using Xunit;

namespace JdwpGateway.Protocol.Tests;

/// <summary>
/// Properties of <see cref="PacketRewriter"/> over every command layout of <see cref="JdwpSpec"/>, with random valid
/// bodies generated from the layouts themselves by <see cref="LayoutBodyGenerator"/>.
/// </summary>
public class PacketRewriterPropertyTests
{
    private const int Iterations = 150;

    // Each sample of the truncation property rewrites its body once per byte, each time catching an exception.
    private const int TruncationIterations = 40;

    private static readonly IdSizes Four = new(4, 4, 4, 4, 4);

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
    public void Rewrite_IdentityMapper_ReturnsIdenticalBytes(string command, bool reply)
    {
        var layout = LayoutOf(command, reply);

        new LayoutGen(layout, IdSizes.Eight, idLimit: 0).Sample(
            body => Assert.Equal(body, PacketRewriter.Rewrite(body, layout, IdSizes.Eight, IdSizes.Eight, IdentityMapper.Instance)),
            iter: Iterations,
            print: Hex);
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Rewrite_8To4To8_ReturnsOriginal(string command, bool reply)
    {
        var layout = LayoutOf(command, reply);

        new LayoutGen(layout, IdSizes.Eight, idLimit: 1UL << 32).Sample(
            body =>
            {
                var four = PacketRewriter.Rewrite(body, layout, IdSizes.Eight, Four, IdentityMapper.Instance);
                var back = PacketRewriter.Rewrite(four, layout, Four, IdSizes.Eight, IdentityMapper.Instance);

                Assert.Equal(body, back);
                Assert.Equal(0, (body.Length - four.Length) % 4);
                Assert.True(four.Length <= body.Length);
            },
            iter: Iterations,
            print: Hex);
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Rewrite_ShiftingMapperThenInverse_ReturnsOriginal(string command, bool reply)
    {
        var layout = LayoutOf(command, reply);
        var there = new ShiftMapper(0x1_0000_0001, inverse: false);
        var back = new ShiftMapper(unchecked(0UL - 0x1_0000_0001), inverse: true);

        new LayoutGen(layout, IdSizes.Eight, idLimit: 1UL << 62).Sample(
            body =>
            {
                var shifted = PacketRewriter.Rewrite(body, layout, IdSizes.Eight, IdSizes.Eight, there);
                Assert.Equal(body, PacketRewriter.Rewrite(shifted, layout, IdSizes.Eight, IdSizes.Eight, back));
            },
            iter: Iterations,
            print: Hex);
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Rewrite_EveryTruncationOrExtraByte_ThrowsOnlyProtocolException(string command, bool reply)
    {
        var layout = LayoutOf(command, reply);

        new LayoutGen(layout, IdSizes.Eight, idLimit: 0).Sample(
            body =>
            {
                for (var cut = 0; cut < body.Length; cut++)
                {
                    var ex = Assert.Throws<JdwpProtocolException>(
                        () => PacketRewriter.Rewrite(body.AsSpan(0, cut), layout, IdSizes.Eight, IdSizes.Eight, IdentityMapper.Instance));
                    Assert.InRange(ex.Offset, JdwpPacket.HeaderLength, JdwpPacket.HeaderLength + cut);
                }

                var extra = Assert.Throws<JdwpProtocolException>(
                    () => PacketRewriter.Rewrite([.. body, 0x5A], layout, IdSizes.Eight, IdSizes.Eight, IdentityMapper.Instance));
                Assert.Equal(JdwpPacket.HeaderLength + body.Length, extra.Offset);
            },
            iter: TruncationIterations,
            print: Hex);
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Rewrite_RandomBytes_SucceedOrThrowOnlyProtocolException(string command, bool reply)
    {
        var layout = LayoutOf(command, reply);

        Gen.Byte.Array[0, 64].Sample(
            bytes => AssertOnlyProtocolException(bytes, layout),
            iter: Iterations,
            print: Hex);
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Rewrite_ValidBodyWithOneByteChanged_SucceedsOrThrowsOnlyProtocolException(string command, bool reply)
    {
        var layout = LayoutOf(command, reply);
        var mutated =
            from body in new LayoutGen(layout, IdSizes.Eight, idLimit: 0)
            from position in Gen.Int[0, Math.Max(body.Length - 1, 0)]
            from value in Gen.Byte
            select Mutate(body, position, value);

        mutated.Sample(bytes => AssertOnlyProtocolException(bytes, layout), iter: Iterations, print: Hex);
    }

    [Fact]
    public void LayoutGen_CoversEveryElementKindOfTheSpec()
    {
        // Guards the generator itself: if the spec grows an element kind the generator does not know, the
        // properties above would silently stop covering it.
        var random = new Random(1);
        foreach (var command in JdwpSpec.All)
        {
            foreach (var layout in new[] { command.Out, command.Reply })
            {
                for (var i = 0; i < 20; i++)
                {
                    var body = LayoutBodyGenerator.FromRandom(random, IdSizes.Eight).Generate(layout);
                    Assert.Equal(body, PacketRewriter.Rewrite(body, layout, IdSizes.Eight, IdSizes.Eight, IdentityMapper.Instance));
                }
            }
        }
    }

    private static void AssertOnlyProtocolException(byte[] bytes, Layout layout)
    {
        try
        {
            var result = PacketRewriter.Rewrite(bytes, layout, IdSizes.Eight, Four, IdentityMapper.Instance);
            Assert.True(result.Length <= bytes.Length);
        }
        catch (JdwpProtocolException ex)
        {
            Assert.InRange(ex.Offset, JdwpPacket.HeaderLength, JdwpPacket.HeaderLength + bytes.Length);
        }
    }

    private static byte[] Mutate(byte[] body, int position, byte value)
    {
        if (body.Length == 0)
        {
            return [value];
        }

        var copy = (byte[])body.Clone();
        copy[position] ^= (byte)(value | 1);
        return copy;
    }

    private static Layout LayoutOf(string command, bool reply)
    {
        var spec = JdwpSpec.All.Single(c => c.FullName == command);
        return reply ? spec.Reply : spec.Out;
    }

    private static string Hex(byte[] bytes) => Convert.ToHexString(bytes);

    /// <summary>Random valid bodies for one layout; smaller bodies shrink first.</summary>
    private sealed class LayoutGen(Layout layout, IdSizes sizes, ulong idLimit) : Gen<byte[]>
    {
        public override byte[] Generate(PCG pcg, Size? min, out Size size)
        {
            var body = new LayoutBodyGenerator(pcg.Next, pcg.Next64, sizes, idLimit).Generate(layout);
            size = new Size((ulong)body.Length);
            return body;
        }
    }

    /// <summary>
    /// Adds a constant to every non-null ID (wrapping). The inverse mapper sees shifted field and array IDs as
    /// subjects of untagged values, so it shifts them back to find the tag the generator chose.
    /// </summary>
    private sealed class ShiftMapper(ulong delta, bool inverse) : IIdMapper
    {
        public ulong Map(IdKind kind, ulong id, ulong contextType) => unchecked(id + delta);

        public int MapRequest(int requestId) => unchecked(requestId + (int)delta);

        public byte UntaggedTag(UntaggedSource source, ulong subject, ulong contextType) =>
            LayoutBodyGenerator.UntaggedTagOf(inverse && subject != 0 ? unchecked(subject + delta) : subject);
    }
}
