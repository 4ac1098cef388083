using System.Buffers.Binary;

namespace JdwpGateway.Protocol.Capture;

/// <summary>
/// Reads the gateway's capture format (<see cref="CaptureFormat"/>). A last record that is cut short or fails its CRC
/// is what a crash mid-write leaves: it is reported as a non-error issue and ignored, and every record before it is
/// returned. A record that fails its CRC with more data after it is damage: reading stops there with an error issue.
/// </summary>
public static class CaptureReader
{
    /// <summary>Reads a whole capture file.</summary>
    /// <exception cref="CaptureFormatException">The file does not start with a capture header of a known version.</exception>
    public static CaptureContents Read(string path)
    {
        using var stream = File.OpenRead(path);
        return Read(stream);
    }

    /// <summary>Reads a capture from <paramref name="stream"/> to its end.</summary>
    /// <exception cref="CaptureFormatException">The stream does not start with a capture header of a known version.</exception>
    public static CaptureContents Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return Read(copy.GetBuffer().AsMemory(0, (int)copy.Length));
    }

    /// <summary>Reads a capture held in memory.</summary>
    /// <exception cref="CaptureFormatException">The bytes do not start with a capture header of a known version.</exception>
    public static CaptureContents Read(ReadOnlyMemory<byte> file)
    {
        var bytes = file.Span;
        if (bytes.Length < CaptureFormat.HeaderLength || !CaptureFormat.HasMagic(bytes))
        {
            throw new CaptureFormatException("not a JDWP capture file (no 'JDWP-CAP' header)");
        }

        var version = BinaryPrimitives.ReadUInt16BigEndian(bytes[8..]);
        if (version != CaptureFormat.Version)
        {
            throw new CaptureFormatException($"JDWP capture version {version} is not supported (this reader knows version {CaptureFormat.Version})", 8);
        }

        var records = new List<CaptureRecord>();
        var issues = new List<CaptureIssue>();
        var offset = CaptureFormat.HeaderLength;
        while (offset < bytes.Length)
        {
            var left = bytes.Length - offset;
            if (left < CaptureFormat.RecordPrefixLength)
            {
                issues.Add(new(offset, $"torn last record: {left} bytes of a record header, ignored", false));
                break;
            }

            var bodyLength = BinaryPrimitives.ReadUInt32BigEndian(bytes[offset..]);
            var expectedCrc = BinaryPrimitives.ReadUInt32BigEndian(bytes[(offset + 4)..]);
            if (bodyLength > (uint)(left - CaptureFormat.RecordPrefixLength))
            {
                // A length past the end of the file is a record whose write did not finish (or a damaged length field,
                // which cannot be told apart): either way no later record can be found.
                issues.Add(new(offset, $"torn last record: it declares {bodyLength} bytes but {left - CaptureFormat.RecordPrefixLength} remain, ignored", false));
                break;
            }

            var length = (int)bodyLength;
            var body = bytes.Slice(offset + CaptureFormat.RecordPrefixLength, length);
            var actualCrc = Crc32.Append(Crc32.Compute(bytes.Slice(offset, 4)), body);
            var end = offset + CaptureFormat.RecordPrefixLength + length;
            if (actualCrc != expectedCrc)
            {
                var last = end == bytes.Length;
                issues.Add(new(offset, last
                    ? $"torn last record: CRC mismatch (stored 0x{expectedCrc:x8}, computed 0x{actualCrc:x8}), ignored"
                    : $"damaged record: CRC mismatch (stored 0x{expectedCrc:x8}, computed 0x{actualCrc:x8}) with {bytes.Length - end} bytes after it; reading stopped", !last));
                break;
            }

            if (length < CaptureFormat.BodyFixedLength)
            {
                issues.Add(new(offset, $"damaged record: body of {length} bytes is shorter than its fixed fields", true));
                break;
            }

            var timestamp = BinaryPrimitives.ReadInt64BigEndian(body);
            var direction = body[8];
            var nameLength = BinaryPrimitives.ReadUInt16BigEndian(body[9..]);
            if (direction > (byte)CaptureDirection.FromVm || CaptureFormat.BodyFixedLength + nameLength > length)
            {
                issues.Add(new(offset, $"damaged record: direction {direction} or name length {nameLength} is impossible", true));
                break;
            }

            var name = System.Text.Encoding.UTF8.GetString(body.Slice(CaptureFormat.BodyFixedLength, nameLength));
            var dataStart = offset + CaptureFormat.RecordPrefixLength + CaptureFormat.BodyFixedLength + nameLength;
            records.Add(new CaptureRecord(timestamp, (CaptureDirection)direction, name, file[dataStart..end]));
            offset = end;
        }

        return new CaptureContents($"jdwp-capture v{version}", records, issues);
    }
}
