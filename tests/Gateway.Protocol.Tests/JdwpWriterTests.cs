using JdwpGateway.Protocol.Encoding;
using Xunit;

namespace JdwpGateway.Protocol.Tests;

/// <summary>The writer the gateway rents per forwarded packet: growth keeps what was written, truncation and return.</summary>
public sealed class JdwpWriterTests
{
    [Fact]
    public void A_rented_writer_grows_past_its_first_buffer_and_keeps_every_byte()
    {
        var writer = JdwpWriter.Rent(16);
        var expected = new List<byte>();
        for (var i = 0; i < 100_000; i++)
        {
            writer.Int(i);
            expected.AddRange([(byte)(i >> 24), (byte)(i >> 16), (byte)(i >> 8), (byte)i]);
        }

        Assert.Equal(expected, writer.Written.ToArray());
        Assert.Equal(expected, writer.WrittenMemory.ToArray());
        writer.Return();
        Assert.Equal(0, writer.Length);
    }

    [Fact]
    public void Truncate_and_patches_rewrite_what_was_written_and_nothing_else()
    {
        var writer = JdwpWriter.Rent(64);
        writer.Byte(9).Int(0).Id(0x0102030405060708, 8);
        writer.PatchByte(0, 2);
        writer.PatchInt(1, 3);
        var mark = writer.Length;
        writer.Long(-1);
        writer.Truncate(mark);
        Assert.Equal(new byte[] { 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6, 7, 8 }, writer.ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.Truncate(mark + 1));
        writer.Clear();
        Assert.Equal(0, writer.Length);
        writer.Return();
    }

    [Fact]
    public void An_own_buffer_writer_behaves_the_same_and_Return_empties_it()
    {
        var writer = new JdwpWriter(1);
        writer.String("héllo").Boolean(true);
        Assert.Equal(new byte[] { 0, 0, 0, 6, (byte)'h', 0xC3, 0xA9, (byte)'l', (byte)'l', (byte)'o', 1 }, writer.ToArray());
        writer.Return();
        Assert.Equal(0, writer.Length);
        writer.Byte(7);
        Assert.Equal(new byte[] { 7 }, writer.ToArray());
    }
}
