using System.Buffers;
using System.Buffers.Binary;
using JdwpGateway.Protocol.Capture;
using Xunit;

namespace JdwpGateway.Protocol.Tests.Capture;

/// <summary>The gateway's capture format: round trips, concurrent writers, torn tails and damaged records.</summary>
public sealed class CaptureFormatTests
{
    private static readonly CaptureRecord[] Sample =
    [
        new(1_700_000_000_000_001, CaptureDirection.ToVm, "debugger#3", "JDWP-Handshake"u8.ToArray()),
        new(1_700_000_000_000_002, CaptureDirection.FromVm, "debugger#3", "JDWP-Handshake"u8.ToArray()),
        new(1_700_000_000_000_500, CaptureDirection.ToVm, "node-é@session#3", Bytes.Command(1, 1, 7, [])),
        new(1_700_000_000_000_900, CaptureDirection.FromVm, "node-é@session#3", Bytes.Reply(1, 0, new Bytes().I32(8).I32(8).I32(8).I32(8).I32(8).ToArray())),
        new(1_700_000_000_001_000, CaptureDirection.ToVm, "x", Array.Empty<byte>()),
        new(1_700_000_000_002_000, CaptureDirection.FromVm, "debugger#3", Enumerable.Range(0, 70_000).Select(i => (byte)i).ToArray()),
    ];

    [Fact]
    public void Crc32_matches_the_standard_check_value() =>
        Assert.Equal(0xCBF43926u, Crc32.Compute("123456789"u8));

    [Fact]
    public void Records_written_are_read_back_identically()
    {
        var file = Write(Sample);
        var contents = CaptureReader.Read(file);

        Assert.Equal("jdwp-capture v1", contents.Format);
        Assert.Empty(contents.Issues);
        AssertSame(Sample, contents.Records);
        Assert.Equal(Sample.Length, CaptureFile.Read(file).Records.Count);
    }

    [Fact]
    public void Header_is_magic_version_and_reserved_then_big_endian_records()
    {
        var file = Write([new(0x0102030405060708, CaptureDirection.FromVm, "ab", new byte[] { 0xEE })]);

        Assert.Equal("JDWP-CAP"u8.ToArray(), file[..8]);
        Assert.Equal(new byte[] { 0, 1, 0, 0 }, file[8..12]);
        var length = BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(12));
        Assert.Equal(8u + 1 + 2 + 2 + 1, length);
        Assert.Equal(Crc32.Compute(file.AsSpan(12, 4).ToArray().Concat(file[20..]).ToArray()), BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(16)));
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 1, 0, 2, (byte)'a', (byte)'b', 0xEE }, file[20..]);
    }

    [Fact]
    public void Concurrent_appends_never_interleave_and_keep_each_writers_order()
    {
        using var stream = new MemoryStream();
        using (var writer = new CaptureWriter(stream, leaveOpen: true))
        {
            Parallel.For(0, 8, t =>
            {
                for (var i = 0; i < 300; i++)
                {
                    writer.Append(i, CaptureDirection.ToVm, $"conn{t}", new ReadOnlySequence<byte>(BitConverter.GetBytes(i)));
                }
            });
            Assert.Equal(2400, writer.RecordCount);
        }

        var contents = CaptureReader.Read(stream.ToArray());
        Assert.Empty(contents.Issues);
        foreach (var group in contents.Records.GroupBy(r => r.Connection))
        {
            Assert.Equal(Enumerable.Range(0, 300), group.Select(r => BitConverter.ToInt32(r.Data.Span)));
        }
    }

    [Fact]
    public void A_last_record_cut_at_any_byte_is_reported_as_torn_and_earlier_records_are_intact()
    {
        var file = Write(Sample[..4]);
        var lastStart = Write(Sample[..3]).Length;
        for (var cut = lastStart + 1; cut < file.Length; cut++)
        {
            var contents = CaptureReader.Read(file.AsMemory(0, cut));

            AssertSame(Sample[..3], contents.Records);
            var issue = Assert.Single(contents.Issues);
            Assert.False(issue.IsError, issue.Message);
            Assert.Equal(lastStart, issue.Offset);
            Assert.Contains("torn last record", issue.Message, StringComparison.Ordinal);
        }

        // Cut exactly between records: nothing is torn.
        var clean = CaptureReader.Read(file.AsMemory(0, lastStart));
        Assert.Empty(clean.Issues);
        AssertSame(Sample[..3], clean.Records);
    }

    [Fact]
    public void A_bad_crc_in_the_last_record_is_a_torn_tail()
    {
        var file = Write(Sample);
        file[^1] ^= 0x40;
        var contents = CaptureReader.Read(file);

        AssertSame(Sample[..^1], contents.Records);
        var issue = Assert.Single(contents.Issues);
        Assert.False(issue.IsError);
        Assert.Contains("CRC mismatch", issue.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_crc_in_the_middle_is_an_error_and_reading_stops_there()
    {
        var file = Write(Sample);
        var third = Write(Sample[..2]).Length;
        file[third + 8 + 3] ^= 0x01; // a timestamp byte of the third record
        var contents = CaptureReader.Read(file);

        AssertSame(Sample[..2], contents.Records);
        var issue = Assert.Single(contents.Issues);
        Assert.True(issue.IsError);
        Assert.Equal(third, issue.Offset);
        Assert.Contains("damaged record", issue.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Files_that_are_not_captures_are_refused_with_a_clear_message()
    {
        var notCapture = Assert.Throws<CaptureFormatException>(() => CaptureFile.Read("hello world, not a capture"u8.ToArray()));
        Assert.Contains("not a capture file", notCapture.Message, StringComparison.Ordinal);

        var future = Write(Sample);
        future[9] = 9;
        Assert.Contains("version 9", Assert.Throws<CaptureFormatException>(() => CaptureReader.Read(future)).Message, StringComparison.Ordinal);

        Assert.Empty(CaptureReader.Read(Write([])).Records);
    }

    [Fact]
    public void Create_never_overwrites_and_flushes_each_record_to_the_file()
    {
        var path = Path.Combine(Path.GetTempPath(), $"capture-{Guid.NewGuid():N}.jdwpcap");
        try
        {
            using (var writer = CaptureWriter.Create(path))
            {
                writer.Append(Sample[2]);

                // Readable while the writer is open: the record reached the file when Append returned.
                AssertSame([Sample[2]], CaptureFile.Read(path).Records);
                Assert.Throws<IOException>(() => CaptureWriter.Create(path));
            }

            AssertSame([Sample[2]], CaptureFile.Read(path).Records);
        }
        finally
        {
            File.Delete(path);
        }
    }

    internal static byte[] Write(IEnumerable<CaptureRecord> records)
    {
        using var stream = new MemoryStream();
        using (var writer = new CaptureWriter(stream, leaveOpen: true))
        {
            foreach (var record in records)
            {
                writer.Append(record);
            }
        }

        return stream.ToArray();
    }

    private static void AssertSame(IReadOnlyList<CaptureRecord> expected, IReadOnlyList<CaptureRecord> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal((expected[i].TimestampMicros, expected[i].Direction, expected[i].Connection), (actual[i].TimestampMicros, actual[i].Direction, actual[i].Connection));
            Assert.Equal(expected[i].Data.ToArray(), actual[i].Data.ToArray());
        }
    }
}
