using System.Buffers;
using JdwpGateway.Protocol.Framing;
using Xunit;

namespace JdwpGateway.Protocol.Tests;

public class JdwpHandshakeTests
{
    private const string Conn = "debugger#7";

    private static readonly byte[] Expected = [.. "JDWP-Handshake".Select(c => (byte)c)];

    public static TheoryData<int> Positions()
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < 14; i++)
        {
            data.Add(i);
        }

        return data;
    }

    [Fact]
    public void Bytes_AreTheFourteenAsciiBytesOfJdwpHandshake()
    {
        Assert.Equal(Expected, JdwpHandshake.Bytes.ToArray());
        Assert.Equal(14, JdwpHandshake.Length);
        Assert.Equal(JdwpHandshake.Length, JdwpHandshake.Bytes.Length);
    }

    [Fact]
    public void TryConsume_ExactHandshake_ConsumesAll()
    {
        var buffer = new ReadOnlySequence<byte>(Expected);

        Assert.True(JdwpHandshake.TryConsume(ref buffer, Conn));
        Assert.Equal(0, buffer.Length);
    }

    [Theory]
    [MemberData(nameof(Positions))]
    public void TryConsume_PartialHandshake_ReturnsFalseWithoutAdvancing(int available)
    {
        var original = Segment.Split(Expected[..available], 3);
        var buffer = original;

        Assert.False(JdwpHandshake.TryConsume(ref buffer, Conn));
        Assert.Equal(original.Length, buffer.Length);
        Assert.Equal(original.Start, buffer.Start);
    }

    [Theory]
    [MemberData(nameof(Positions))]
    public void TryConsume_WrongByteAtPosition_ThrowsWithThatOffset(int k)
    {
        var bad = (byte[])Expected.Clone();
        bad[k] ^= 0x20;

        // Both with the whole 14 bytes and with only the bytes up to the wrong one.
        foreach (var length in new[] { 14, k + 1 })
        {
            var buffer = Segment.Split(bad[..length], 5);

            var ex = Assert.Throws<JdwpProtocolException>(() => JdwpHandshake.TryConsume(ref buffer, Conn));

            Assert.Equal(k, ex.Offset);
            Assert.Equal(Conn, ex.Connection);
            Assert.Null(ex.PacketId);
            Assert.Contains($"0x{bad[k]:x2}", ex.Problem, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void TryConsume_HttpRequestInsteadOfHandshake_ThrowsAtFirstByte()
    {
        var buffer = new ReadOnlySequence<byte>("GET / HTTP/1.1\r\n"u8.ToArray());

        var ex = Assert.Throws<JdwpProtocolException>(() => JdwpHandshake.TryConsume(ref buffer, Conn));

        Assert.Equal(0, ex.Offset);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(64)]
    public void TryConsume_HandshakeFollowedByPacket_LeavesPacket(int pieceSize)
    {
        var packet = Bytes.Command(1, 1, 7, []);
        var buffer = Segment.Split([.. Expected, .. packet], pieceSize);

        Assert.True(JdwpHandshake.TryConsume(ref buffer, Conn));

        Assert.Equal(packet, buffer.ToArray());
        Assert.True(JdwpFrameReader.TryReadPacket(ref buffer, JdwpFrameReader.DefaultMaxPacketLength, Conn, 14, out var read));
        Assert.Equal(7, read!.Command);
    }
}
