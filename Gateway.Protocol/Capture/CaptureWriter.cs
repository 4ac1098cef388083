using System.Buffers;
using System.Buffers.Binary;

namespace JdwpGateway.Protocol.Capture;

/// <summary>
/// Appends records to a capture file (format in <see cref="CaptureFormat"/>). Thread-safe: every connection of a
/// session shares one writer. Each record goes to the operating system in one write as soon as it is appended, so a
/// crash of this process loses at most the record being written, which readers then detect by its length or CRC.
/// </summary>
public sealed class CaptureWriter : IDisposable
{
    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly object _gate = new();
    private bool _disposed;

    /// <summary>Writes the file header to <paramref name="stream"/>, which must be empty and positioned at 0.</summary>
    public CaptureWriter(Stream stream, bool leaveOpen = false)
    {
        _stream = stream ?? throw new ArgumentNullException(nameof(stream));
        _leaveOpen = leaveOpen;
        Span<byte> header = stackalloc byte[CaptureFormat.HeaderLength];
        CaptureFormat.Magic.CopyTo(header);
        BinaryPrimitives.WriteUInt16BigEndian(header[8..], CaptureFormat.Version);
        BinaryPrimitives.WriteUInt16BigEndian(header[10..], 0);
        _stream.Write(header);
        _stream.Flush();
    }

    /// <summary>The file's path, when created by <see cref="Create"/>.</summary>
    public string? Path { get; private init; }

    /// <summary>Records appended so far.</summary>
    public long RecordCount { get; private set; }

    /// <summary>Creates a new file (never overwrites one) and writes its header.</summary>
    public static CaptureWriter Create(string path)
    {
        // No FileStream buffer: each record then reaches the OS in a single write call.
        var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, bufferSize: 0);
        try
        {
            return new CaptureWriter(stream) { Path = path };
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Appends one record stamped with the current time.</summary>
    public void Append(CaptureDirection direction, string connection, ReadOnlySequence<byte> data) =>
        Append(CaptureRecord.NowMicros(), direction, connection, data);

    /// <summary>Appends one record.</summary>
    public void Append(CaptureRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        Append(record.TimestampMicros, record.Direction, record.Connection, new ReadOnlySequence<byte>(record.Data));
    }

    /// <summary>Appends one record; after <see cref="Dispose"/> the record is dropped (late bytes of a closing session).</summary>
    /// <exception cref="IOException">The file could not be written.</exception>
    public void Append(long timestampMicros, CaptureDirection direction, string connection, ReadOnlySequence<byte> data)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var nameLength = System.Text.Encoding.UTF8.GetByteCount(connection);
        if (nameLength > CaptureFormat.MaxNameBytes)
        {
            throw new ArgumentException($"connection name is {nameLength} bytes; at most {CaptureFormat.MaxNameBytes} fit", nameof(connection));
        }

        var bodyLength = CaptureFormat.BodyFixedLength + nameLength + data.Length;
        if (bodyLength > CaptureFormat.MaxBodyLength)
        {
            throw new ArgumentException($"a record of {data.Length} bytes does not fit the capture format", nameof(data));
        }

        var total = CaptureFormat.RecordPrefixLength + (int)bodyLength;
        var buffer = ArrayPool<byte>.Shared.Rent(total);
        try
        {
            var span = buffer.AsSpan(0, total);
            BinaryPrimitives.WriteUInt32BigEndian(span, (uint)bodyLength);
            var body = span[CaptureFormat.RecordPrefixLength..];
            BinaryPrimitives.WriteInt64BigEndian(body, timestampMicros);
            body[8] = (byte)direction;
            BinaryPrimitives.WriteUInt16BigEndian(body[9..], (ushort)nameLength);
            System.Text.Encoding.UTF8.GetBytes(connection, body.Slice(CaptureFormat.BodyFixedLength, nameLength));
            data.CopyTo(body[(CaptureFormat.BodyFixedLength + nameLength)..]);
            var crc = Crc32.Append(Crc32.Compute(span[..4]), body);
            BinaryPrimitives.WriteUInt32BigEndian(span[4..], crc);
            lock (_gate)
            {
                if (_disposed)
                {
                    return;
                }

                _stream.Write(span);
                _stream.Flush();
                RecordCount++;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Closes the file; later appends are ignored.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            if (!_leaveOpen)
            {
                _stream.Dispose();
            }
        }
    }
}
