using System.Buffers;
using JdwpGateway.Protocol.Capture;
using JdwpGateway.Protocol.Framing;
using JdwpGateway.Protocol.Spec;

namespace JdwpGateway.Protocol.Decoding;

/// <summary>What one <see cref="CaptureItem"/> reports.</summary>
public enum CaptureItemKind : byte
{
    /// <summary>A <c>JDWP-Handshake</c> at the start of a stream.</summary>
    Handshake,

    /// <summary>A packet, decoded.</summary>
    Packet,

    /// <summary>Something that could not be framed or decoded, or a stream that ends early.</summary>
    Problem,
}

/// <summary>One thing found in a capture, in the order the bytes that complete it crossed.</summary>
public sealed record CaptureItem
{
    /// <summary>What this item is.</summary>
    public required CaptureItemKind Kind { get; init; }

    /// <summary>The connection's name as recorded.</summary>
    public required string Connection { get; init; }

    /// <summary>Which way the bytes went.</summary>
    public required CaptureDirection Direction { get; init; }

    /// <summary>When the record that completed this item was captured (µs since the Unix epoch).</summary>
    public required long TimestampMicros { get; init; }

    /// <summary>Offset of the item's first byte within its (connection, direction) stream.</summary>
    public long StreamOffset { get; init; }

    /// <summary>The decoded packet (for <see cref="CaptureItemKind.Packet"/>).</summary>
    public DecodedPacket? Packet { get; init; }

    /// <summary>The item's bytes as captured (handshake or whole packet), when framed.</summary>
    public ReadOnlyMemory<byte> Wire { get; init; }

    /// <summary>What is wrong (for <see cref="CaptureItemKind.Problem"/>), naming connection, packet id and offset.</summary>
    public string? Problem { get; init; }

    /// <summary>
    /// True for malformed input; false for a stream that merely stops early (a capture that ended mid-packet).
    /// </summary>
    public bool IsError { get; init; }
}

/// <summary>
/// Turns capture records into decoded packets: frames each (connection, direction) stream on its own (handshake
/// first, then packets, with <see cref="JdwpFrameReader"/>), pairs each reply with the command of the same id sent the
/// other way on the same connection, learns each connection's ID sizes from its VirtualMachine.IDSizes reply (8 bytes
/// each until then), and decodes every packet with <see cref="PacketDecoder"/>. Malformed input becomes a
/// <see cref="CaptureItemKind.Problem"/> item and ends that stream; it never throws.
/// </summary>
public sealed class CaptureDecoder
{
    private readonly PacketDecoder _decoder;
    private readonly Dictionary<(string, CaptureDirection), StreamState> _streams = [];
    private readonly Dictionary<string, ConnectionState> _connections = new(StringComparer.Ordinal);

    /// <summary>Creates a decoder; <paramref name="types"/> types untagged values when given.</summary>
    public CaptureDecoder(IUntaggedTypeSource? types = null) => _decoder = new PacketDecoder(types);

    /// <summary>Decodes every record of a capture, then reports streams that end early.</summary>
    public static IEnumerable<CaptureItem> DecodeAll(IEnumerable<CaptureRecord> records, IUntaggedTypeSource? types = null)
    {
        ArgumentNullException.ThrowIfNull(records);
        var decoder = new CaptureDecoder(types);
        foreach (var record in records)
        {
            foreach (var item in decoder.Add(record))
            {
                yield return item;
            }
        }

        foreach (var item in decoder.Finish())
        {
            yield return item;
        }
    }

    /// <summary>Adds the bytes of one record and returns what they complete.</summary>
    public IReadOnlyList<CaptureItem> Add(CaptureRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var key = (record.Connection, record.Direction);
        if (!_streams.TryGetValue(key, out var stream))
        {
            stream = new StreamState();
            _streams[key] = stream;
        }

        var items = new List<CaptureItem>();
        if (stream.Dead)
        {
            return items;
        }

        stream.Append(record.Data.Span);
        stream.LastTimestamp = record.TimestampMicros;
        var name = $"{record.Connection} {record.Direction}";
        while (!stream.Dead)
        {
            var buffer = new ReadOnlySequence<byte>(stream.Pending);
            var before = buffer.Length;
            try
            {
                if (!stream.HandshakeDone)
                {
                    if (!JdwpHandshake.TryConsume(ref buffer, name))
                    {
                        break;
                    }

                    stream.HandshakeDone = true;
                    items.Add(Item(record, CaptureItemKind.Handshake, stream.Offset) with { Wire = stream.Pending[..JdwpHandshake.Length].ToArray() });
                    stream.Consume(JdwpHandshake.Length);
                    continue;
                }

                // Captures have no configured limit: a length is only checked against the 11-byte minimum here.
                if (!JdwpFrameReader.TryReadPacket(ref buffer, int.MaxValue, name, stream.Offset, out var packet))
                {
                    break;
                }

                var length = (int)(before - buffer.Length);
                var wire = stream.Pending[..length].ToArray();
                items.Add(DecodePacket(record, packet!, wire, stream.Offset, name));
                stream.Consume(length);
            }
            catch (JdwpProtocolException ex)
            {
                stream.Dead = true;
                items.Add(Item(record, CaptureItemKind.Problem, stream.Offset) with { Problem = ex.Message, IsError = true });
            }
        }

        return items;
    }

    /// <summary>Reports every stream that ends inside a handshake or a packet.</summary>
    public IReadOnlyList<CaptureItem> Finish()
    {
        var items = new List<CaptureItem>();
        foreach (var ((connection, direction), stream) in _streams)
        {
            if (stream.Dead || stream.Pending.Length == 0)
            {
                continue;
            }

            var what = stream.HandshakeDone ? "a packet" : "the handshake";
            items.Add(new CaptureItem
            {
                Kind = CaptureItemKind.Problem,
                Connection = connection,
                Direction = direction,
                TimestampMicros = stream.LastTimestamp,
                StreamOffset = stream.Offset,
                Wire = stream.Pending.ToArray(),
                Problem = $"{connection} {direction}: the capture ends inside {what}: {stream.Pending.Length} bytes from stream offset {stream.Offset} are incomplete",
                IsError = false,
            });
        }

        return items;
    }

    private CaptureItem DecodePacket(CaptureRecord record, JdwpPacket packet, byte[] wire, long offset, string name)
    {
        if (!_connections.TryGetValue(record.Connection, out var connection))
        {
            connection = new ConnectionState();
            _connections[record.Connection] = connection;
        }

        string? command = null;
        try
        {
            DecodedPacket decoded;
            if (!packet.IsReply)
            {
                command = JdwpSpec.Find(packet.CommandSet, packet.Command)?.FullName;
                decoded = _decoder.DecodeCommand(packet, connection.Sizes);
                connection.Pending(record.Direction)[packet.Id] = (packet.CommandSet, packet.Command);
            }
            else if (connection.Pending(Opposite(record.Direction)).Remove(packet.Id, out var asked))
            {
                command = JdwpSpec.Find(asked.Set, asked.Command)?.FullName;
                decoded = _decoder.DecodeReply(packet, asked.Set, asked.Command, connection.Sizes);
                if (asked is (1, 7) && packet.ErrorCode == 0)
                {
                    var sizes = new IdSizes(Int(decoded, 0), Int(decoded, 1), Int(decoded, 2), Int(decoded, 3), Int(decoded, 4));
                    if (!sizes.IsValid)
                    {
                        throw new JdwpProtocolException(name, packet.Id, command, offset, $"unsupported ID sizes {sizes}");
                    }

                    connection.Sizes = sizes;
                }
            }
            else
            {
                decoded = PacketDecoder.DecodeUnpairedReply(packet, connection.Sizes);
            }

            return Item(record, CaptureItemKind.Packet, offset) with { Packet = decoded, Wire = wire };
        }
        catch (JdwpProtocolException ex)
        {
            // A body error's offset is within the packet: say so, with the packet's stream offset beside it.
            var located = ex.Connection.Length == 0 ? ex.At(name, packet.Id, command) : ex;
            return Item(record, CaptureItemKind.Problem, offset) with
            {
                Wire = wire,
                Problem = located.Message + $" (packet starts at stream offset {offset})",
                IsError = true,
            };
        }
    }

    private static int Int(DecodedPacket packet, int index) => packet.Fields[index].AsInt;

    private static CaptureDirection Opposite(CaptureDirection direction) =>
        direction == CaptureDirection.ToVm ? CaptureDirection.FromVm : CaptureDirection.ToVm;

    private static CaptureItem Item(CaptureRecord record, CaptureItemKind kind, long offset) => new()
    {
        Kind = kind,
        Connection = record.Connection,
        Direction = record.Direction,
        TimestampMicros = record.TimestampMicros,
        StreamOffset = offset,
    };

    /// <summary>What is known about one connection: its ID sizes and the commands awaiting replies, per direction.</summary>
    private sealed class ConnectionState
    {
        private readonly Dictionary<int, (byte Set, byte Command)> _toVm = [];
        private readonly Dictionary<int, (byte Set, byte Command)> _fromVm = [];

        public IdSizes Sizes { get; set; } = IdSizes.Eight;

        public Dictionary<int, (byte Set, byte Command)> Pending(CaptureDirection direction) =>
            direction == CaptureDirection.ToVm ? _toVm : _fromVm;
    }

    /// <summary>Unconsumed bytes of one direction of one connection.</summary>
    private sealed class StreamState
    {
        private byte[] _buffer = new byte[4096];
        private int _start;
        private int _count;

        public bool HandshakeDone { get; set; }

        public bool Dead { get; set; }

        /// <summary>Stream offset of the first pending byte.</summary>
        public long Offset { get; private set; }

        public long LastTimestamp { get; set; }

        public ReadOnlyMemory<byte> Pending => _buffer.AsMemory(_start, _count);

        public void Append(ReadOnlySpan<byte> data)
        {
            if (_start + _count + data.Length > _buffer.Length)
            {
                // Move what is left to the front, growing only when that is not enough.
                var target = _count + data.Length > _buffer.Length ? new byte[Math.Max(_buffer.Length * 2, _count + data.Length)] : _buffer;
                Array.Copy(_buffer, _start, target, 0, _count);
                _buffer = target;
                _start = 0;
            }

            data.CopyTo(_buffer.AsSpan(_start + _count));
            _count += data.Length;
        }

        public void Consume(int length)
        {
            _start += length;
            _count -= length;
            Offset += length;
            if (_count == 0)
            {
                _start = 0;
            }
        }
    }
}
