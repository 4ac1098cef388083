using System.Buffers;
using JdwpGateway.Protocol.Framing;
using Xunit;

namespace JdwpGateway.Protocol.Tests;

public class JdwpFrameReaderTests
{
    private const string Conn = "test-conn#1";
    private const int Max = JdwpFrameReader.DefaultMaxPacketLength;

    private static readonly byte[] SampleBody = [.. Enumerable.Range(0, 37).Select(i => (byte)(i * 7 + 3))];

    public static TheoryData<int> SplitSizes()
    {
        var data = new TheoryData<int>();
        for (var i = 1; i <= 16; i++)
        {
            data.Add(i);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(SplitSizes))]
    public void TryReadPacket_MultiSegmentSequence_ReadsWholePacket(int pieceSize)
    {
        var wire = Bytes.Command(0x01020304, 11, 6, SampleBody);
        var buffer = Segment.Split(wire, pieceSize);
        Assert.Equal(pieceSize >= wire.Length, buffer.IsSingleSegment);

        Assert.True(JdwpFrameReader.TryReadPacket(ref buffer, Max, Conn, 0, out var packet));

        Assert.NotNull(packet);
        Assert.Equal(0x01020304, packet.Id);
        Assert.False(packet.IsReply);
        Assert.Equal(11, packet.CommandSet);
        Assert.Equal(6, packet.Command);
        Assert.Equal(SampleBody, packet.Body);
        Assert.Equal(0, buffer.Length);
    }

    [Theory]
    [MemberData(nameof(SplitSizes))]
    public void TryReadPacket_MultiSegmentSequence_ReadsConsecutivePacketsAndLeavesTail(int pieceSize)
    {
        var first = Bytes.Reply(7, 0x01F4, [1, 2, 3]);
        var second = Bytes.Command(8, 64, 100, SampleBody);
        var third = Bytes.Command(9, 1, 1, []);
        var tail = Bytes.Command(10, 2, 2, [9, 9, 9, 9])[..6];
        var buffer = Segment.Split([.. first, .. second, .. third, .. tail], pieceSize);

        Assert.True(JdwpFrameReader.TryReadPacket(ref buffer, Max, Conn, 0, out var p1));
        Assert.True(JdwpFrameReader.TryReadPacket(ref buffer, Max, Conn, first.Length, out var p2));
        Assert.True(JdwpFrameReader.TryReadPacket(ref buffer, Max, Conn, first.Length + second.Length, out var p3));
        Assert.False(JdwpFrameReader.TryReadPacket(ref buffer, Max, Conn, first.Length + second.Length + third.Length, out var p4));

        Assert.Equal([7, 8, 9], new[] { p1!.Id, p2!.Id, p3!.Id });
        Assert.Equal((short)500, p1.ErrorCode);
        Assert.Equal(SampleBody, p2.Body);
        Assert.Empty(p3.Body);
        Assert.Null(p4);
        Assert.Equal(tail, buffer.ToArray());
    }

    [Fact]
    public void TryReadPacket_SeveralPacketsInOneBuffer_ReadInOrderAndAdvanceExactly()
    {
        var packets = Enumerable.Range(1, 5).Select(i => Bytes.Command(i, (byte)i, (byte)(i + 1), new byte[i * 3])).ToArray();
        var all = packets.SelectMany(p => p).ToArray();
        var buffer = new ReadOnlySequence<byte>(all);
        long consumed = 0;

        foreach (var expected in packets)
        {
            Assert.True(JdwpFrameReader.TryReadPacket(ref buffer, Max, Conn, consumed, out var packet));
            var id = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(expected.AsSpan(4));
            Assert.Equal(id, packet!.Id);
            Assert.Equal(expected.Length, packet.Length);
            consumed += expected.Length;

            // Advanced by exactly this packet: what remains is the rest of the original bytes.
            Assert.Equal(all.Length - consumed, buffer.Length);
            Assert.Equal(all[(int)consumed..], buffer.ToArray());
        }

        Assert.False(JdwpFrameReader.TryReadPacket(ref buffer, Max, Conn, consumed, out _));
    }

    [Fact]
    public void TryReadPacket_IncompleteHeaderOrBody_ReturnsFalseWithoutAdvancing()
    {
        var wire = Bytes.Command(42, 9, 2, SampleBody);
        for (var available = 0; available < wire.Length; available++)
        {
            foreach (var pieceSize in new[] { 1, 3, wire.Length })
            {
                var original = Segment.Split(wire[..available], pieceSize);
                var buffer = original;

                Assert.False(JdwpFrameReader.TryReadPacket(ref buffer, Max, Conn, 0, out var packet));

                Assert.Null(packet);
                Assert.Equal(original.Length, buffer.Length);
                Assert.Equal(original.Start, buffer.Start);
                Assert.Equal(original.End, buffer.End);
            }
        }
    }

    [Theory]
    [InlineData(10)]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    public void TryReadPacket_LengthBelowHeader_ThrowsWithOffset(int length)
    {
        var header = new Bytes().I32(length).I32(77).U8(0).U8(1).U8(1).ToArray();
        var buffer = new ReadOnlySequence<byte>(header);

        var ex = Assert.Throws<JdwpProtocolException>(() => JdwpFrameReader.TryReadPacket(ref buffer, Max, Conn, 5000, out _));

        Assert.Equal(Conn, ex.Connection);
        Assert.Equal(77, ex.PacketId);
        Assert.Equal(5000, ex.Offset);
        Assert.Contains(length.ToString(System.Globalization.CultureInfo.InvariantCulture), ex.Problem, StringComparison.Ordinal);
        Assert.Contains(Conn, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryReadPacket_LengthAboveMax_ThrowsNamingMaxPacketLengthOption()
    {
        var header = new Bytes().I32(1025).I32(-3).U8(0x80).U8(0).U8(0).ToArray();
        var buffer = new ReadOnlySequence<byte>(header);

        var ex = Assert.Throws<JdwpProtocolException>(() => JdwpFrameReader.TryReadPacket(ref buffer, 1024, Conn, 123, out _));

        Assert.Equal(Conn, ex.Connection);
        Assert.Equal(-3, ex.PacketId);
        Assert.Equal(123, ex.Offset);
        Assert.Contains("maxPacketLength", ex.Message, StringComparison.Ordinal);
        Assert.Contains("1024", ex.Problem, StringComparison.Ordinal);
        Assert.Contains("1025", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void TryReadPacket_LengthEqualToMax_IsAccepted()
    {
        var wire = Bytes.Command(1, 1, 1, new byte[1024 - 11]);
        var buffer = new ReadOnlySequence<byte>(wire);

        Assert.True(JdwpFrameReader.TryReadPacket(ref buffer, 1024, Conn, 0, out var packet));
        Assert.Equal(1024, packet!.Length);
    }

    [Fact]
    public void TryReadPacket_HostileLength_ThrowsBeforeBodyIsBuffered()
    {
        // Only the header has arrived: the length must be rejected now, not after 2 GB are buffered.
        var header = new Bytes().I32(int.MaxValue).I32(5).U8(0).U8(1).U8(1).ToArray();
        var buffer = new ReadOnlySequence<byte>(header);

        Assert.Throws<JdwpProtocolException>(() => JdwpFrameReader.TryReadPacket(ref buffer, Max, Conn, 0, out _));
    }

    [Theory]
    [InlineData(0x01)]
    [InlineData(0x40)]
    [InlineData(0x81)]
    [InlineData(0xFF)]
    public void TryReadPacket_UnknownFlagBits_ThrowsAtFlagsOffset(byte flags)
    {
        var wire = Bytes.Packet(99, flags, 1, 1, [1, 2]);
        var buffer = new ReadOnlySequence<byte>(wire);

        var ex = Assert.Throws<JdwpProtocolException>(() => JdwpFrameReader.TryReadPacket(ref buffer, Max, Conn, 1000, out _));

        Assert.Equal(Conn, ex.Connection);
        Assert.Equal(99, ex.PacketId);
        Assert.Equal(1008, ex.Offset);
        Assert.Contains($"0x{flags:x2}", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void TryReadPacket_CommandHeader_DecodesSetAndCommand()
    {
        var buffer = new ReadOnlySequence<byte>(Bytes.Command(unchecked((int)0xDEADBEEF), 0xF0, 0x0F, [5]));

        Assert.True(JdwpFrameReader.TryReadPacket(ref buffer, Max, Conn, 0, out var packet));

        Assert.False(packet!.IsReply);
        Assert.Equal(0, packet.Flags);
        Assert.Equal(unchecked((int)0xDEADBEEF), packet.Id);
        Assert.Equal(0xF0, packet.CommandSet);
        Assert.Equal(0x0F, packet.Command);
        Assert.Equal(0, packet.ErrorCode);
        Assert.Equal(12, packet.Length);
    }

    [Theory]
    [InlineData(0x01, 0xF4, 500)]
    [InlineData(0x00, 0x0A, 10)]
    [InlineData(0x0A, 0x00, 2560)]
    [InlineData(0xFF, 0xFF, -1)]
    public void TryReadPacket_ReplyHeader_DecodesErrorCodeBigEndian(byte b9, byte b10, short expected)
    {
        var buffer = new ReadOnlySequence<byte>(Bytes.Packet(3, 0x80, b9, b10, []));

        Assert.True(JdwpFrameReader.TryReadPacket(ref buffer, Max, Conn, 0, out var packet));

        Assert.True(packet!.IsReply);
        Assert.Equal(expected, packet.ErrorCode);
        Assert.Equal(0, packet.CommandSet);
        Assert.Equal(0, packet.Command);
    }

    [Fact]
    public void CopyTo_Command_WritesExactWireBytes()
    {
        var packet = JdwpPacket.NewCommand(0x0A0B0C0D, 15, 1, [0xAA, 0xBB]);
        var wire = new byte[packet.Length];

        packet.CopyTo(wire);

        Assert.Equal(new byte[] { 0, 0, 0, 13, 0x0A, 0x0B, 0x0C, 0x0D, 0x00, 15, 1, 0xAA, 0xBB }, wire);
    }

    [Fact]
    public void CopyTo_Reply_WritesErrorCodeBigEndian()
    {
        var packet = JdwpPacket.NewReply(1, 503, [7]);
        var wire = new byte[packet.Length];

        packet.CopyTo(wire);

        Assert.Equal(new byte[] { 0, 0, 0, 12, 0, 0, 0, 1, 0x80, 0x01, 0xF7, 7 }, wire);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void CopyTo_ThenTryReadPacket_RoundTrips(bool reply)
    {
        var original = reply
            ? JdwpPacket.NewReply(-12345, -2, SampleBody)
            : JdwpPacket.NewCommand(int.MaxValue, 64, 100, SampleBody);
        var wire = new byte[original.Length];
        original.CopyTo(wire);
        var buffer = Segment.Split(wire, 4);

        Assert.True(JdwpFrameReader.TryReadPacket(ref buffer, Max, Conn, 0, out var copy));

        Assert.Equal(original.Id, copy!.Id);
        Assert.Equal(original.Flags, copy.Flags);
        Assert.Equal(original.IsReply, copy.IsReply);
        Assert.Equal(original.CommandSet, copy.CommandSet);
        Assert.Equal(original.Command, copy.Command);
        Assert.Equal(original.ErrorCode, copy.ErrorCode);
        Assert.Equal(original.Body, copy.Body);
        Assert.Equal(0, buffer.Length);
    }

    [Fact]
    public void WithId_KeepsEverythingButTheId()
    {
        var original = JdwpPacket.NewReply(1, 20, [1, 2, 3]);

        var renumbered = original.WithId(2);

        Assert.Equal(2, renumbered.Id);
        Assert.Equal(original.Flags, renumbered.Flags);
        Assert.Equal(original.ErrorCode, renumbered.ErrorCode);
        Assert.Same(original.Body, renumbered.Body);
    }
}
