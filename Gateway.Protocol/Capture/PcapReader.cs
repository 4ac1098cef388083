using System.Buffers.Binary;
using System.Net;

namespace JdwpGateway.Protocol.Capture;

/// <summary>
/// Reads pcap and pcapng files (what tcpdump, tshark and Wireshark write), extracts TCP payloads over IPv4 and IPv6,
/// reassembles each TCP stream in sequence order (retransmits, duplicates and overlaps are dropped, segments that
/// arrive early wait for the gap to fill), keeps the connections that open with the JDWP handshake, and yields their
/// bytes as <see cref="CaptureRecord"/>s. The side that sends <c>JDWP-Handshake</c> first is the debugger: its bytes
/// are <see cref="CaptureDirection.ToVm"/>. Connections are named <c>debugger-address-&gt;vm-address</c>.
/// </summary>
public static class PcapReader
{
    private const uint PcapMicros = 0xA1B2C3D4;
    private const uint PcapNanos = 0xA1B23C4D;
    private const uint PcapNgSectionHeader = 0x0A0D0D0A;
    private const uint PcapNgByteOrder = 0x1A2B3C4D;

    /// <summary>True when <paramref name="head"/> starts with a pcap magic number (either byte order, µs or ns).</summary>
    public static bool IsPcap(ReadOnlySpan<byte> head)
    {
        if (head.Length < 4)
        {
            return false;
        }

        var be = BinaryPrimitives.ReadUInt32BigEndian(head);
        var le = BinaryPrimitives.ReadUInt32LittleEndian(head);
        return be is PcapMicros or PcapNanos || le is PcapMicros or PcapNanos;
    }

    /// <summary>True when <paramref name="head"/> starts with a pcapng section header block.</summary>
    public static bool IsPcapNg(ReadOnlySpan<byte> head) =>
        head.Length >= 4 && BinaryPrimitives.ReadUInt32BigEndian(head) == PcapNgSectionHeader;

    /// <summary>Reads a pcap or pcapng file.</summary>
    /// <exception cref="CaptureFormatException">Not a pcap/pcapng file, or an unsupported link type.</exception>
    public static CaptureContents Read(string path) => Read(File.ReadAllBytes(path));

    /// <summary>Reads a pcap or pcapng capture held in memory.</summary>
    /// <exception cref="CaptureFormatException">Not a pcap/pcapng file, or an unsupported link type.</exception>
    public static CaptureContents Read(ReadOnlyMemory<byte> file)
    {
        var issues = new List<CaptureIssue>();
        var frames = new List<Frame>();
        string format;
        if (IsPcapNg(file.Span))
        {
            format = "pcapng";
            ReadPcapNg(file, frames, issues);
        }
        else if (IsPcap(file.Span))
        {
            format = "pcap";
            ReadPcap(file, frames, issues);
        }
        else
        {
            throw new CaptureFormatException("not a pcap or pcapng file");
        }

        var tcp = new TcpReassembler(issues);
        foreach (var frame in frames)
        {
            tcp.Add(frame, file.Span.Slice(frame.Offset, frame.Length));
        }

        return new CaptureContents(format, tcp.Finish(), issues);
    }

    /// <summary>One captured frame: where its bytes are in the file and how to read them.</summary>
    private readonly record struct Frame(int Number, long FileOffset, int Offset, int Length, int OriginalLength, int LinkType, long TimestampMicros);

    private static void ReadPcap(ReadOnlyMemory<byte> file, List<Frame> frames, List<CaptureIssue> issues)
    {
        var bytes = file.Span;
        if (bytes.Length < 24)
        {
            throw new CaptureFormatException($"pcap header is {bytes.Length} of 24 bytes");
        }

        var littleEndian = BinaryPrimitives.ReadUInt32LittleEndian(bytes) is PcapMicros or PcapNanos;
        var magic = littleEndian ? BinaryPrimitives.ReadUInt32LittleEndian(bytes) : BinaryPrimitives.ReadUInt32BigEndian(bytes);
        var nanos = magic == PcapNanos;

        // The upper bits of the link type field carry FCS information, not the link type.
        var linkType = (int)(U32(bytes[20..], littleEndian) & 0x0FFFFFFF);
        var offset = 24;
        var number = 0;
        while (offset < bytes.Length)
        {
            if (bytes.Length - offset < 16)
            {
                issues.Add(new(offset, $"pcap: torn last record header ({bytes.Length - offset} of 16 bytes), ignored", false));
                break;
            }

            var seconds = U32(bytes[offset..], littleEndian);
            var fraction = U32(bytes[(offset + 4)..], littleEndian);
            var captured = U32(bytes[(offset + 8)..], littleEndian);
            var original = U32(bytes[(offset + 12)..], littleEndian);
            if (captured > (uint)(bytes.Length - offset - 16))
            {
                issues.Add(new(offset, $"pcap: torn last record (declares {captured} bytes, {bytes.Length - offset - 16} remain), ignored", false));
                break;
            }

            number++;
            var micros = (seconds * 1_000_000L) + (nanos ? fraction / 1000 : fraction);
            frames.Add(new Frame(number, offset, offset + 16, (int)captured, (int)Math.Min(original, int.MaxValue), linkType, micros));
            offset += 16 + (int)captured;
        }
    }

    private static void ReadPcapNg(ReadOnlyMemory<byte> file, List<Frame> frames, List<CaptureIssue> issues)
    {
        var bytes = file.Span;
        var offset = 0;
        var littleEndian = true;
        var interfaces = new List<(int LinkType, ulong UnitsPerSecond, bool PowerOfTwo, int Exponent, long OffsetSeconds)>();
        var number = 0;
        long lastTimestamp = 0;
        while (offset < bytes.Length)
        {
            if (bytes.Length - offset < 12)
            {
                issues.Add(new(offset, $"pcapng: torn last block ({bytes.Length - offset} bytes), ignored", false));
                break;
            }

            var type = BinaryPrimitives.ReadUInt32BigEndian(bytes[offset..]);
            if (type == PcapNgSectionHeader)
            {
                // The byte-order magic of each section says how to read that section's numbers, its own length included.
                var bom = bytes[(offset + 8)..];
                if (BinaryPrimitives.ReadUInt32LittleEndian(bom) == PcapNgByteOrder)
                {
                    littleEndian = true;
                }
                else if (BinaryPrimitives.ReadUInt32BigEndian(bom) == PcapNgByteOrder)
                {
                    littleEndian = false;
                }
                else
                {
                    throw new CaptureFormatException($"pcapng: section header at offset {offset} has no valid byte-order magic", offset);
                }

                interfaces.Clear();
            }
            else
            {
                type = U32(bytes[offset..], littleEndian);
            }

            var blockLength = U32(bytes[(offset + 4)..], littleEndian);
            if (blockLength < 12 || blockLength % 4 != 0)
            {
                throw new CaptureFormatException($"pcapng: block at offset {offset} has an impossible length {blockLength}", offset);
            }

            if (blockLength > (uint)(bytes.Length - offset))
            {
                issues.Add(new(offset, $"pcapng: torn last block (declares {blockLength} bytes, {bytes.Length - offset} remain), ignored", false));
                break;
            }

            var block = bytes.Slice(offset, (int)blockLength);
            if (U32(block[^4..], littleEndian) != blockLength)
            {
                throw new CaptureFormatException($"pcapng: block at offset {offset} ends with a length different from its start", offset);
            }

            var body = block[8..^4];
            switch (type)
            {
                case 1 when body.Length >= 8:
                    {
                        // Interface description: link type, then options; only the timestamp resolution and offset matter here.
                        var linkType = U16(body, littleEndian);
                        ulong units = 1_000_000;
                        var powerOfTwo = false;
                        var exponent = 6;
                        long tsOffset = 0;
                        var options = body[8..];
                        while (options.Length >= 4)
                        {
                            var code = U16(options, littleEndian);
                            var length = U16(options[2..], littleEndian);
                            if (code == 0 || options.Length < 4 + length)
                            {
                                break;
                            }

                            var value = options.Slice(4, length);
                            if (code == 9 && length >= 1)
                            {
                                powerOfTwo = (value[0] & 0x80) != 0;
                                exponent = value[0] & 0x7F;
                                units = powerOfTwo ? 0 : Pow10(exponent);
                            }
                            else if (code == 14 && length >= 8)
                            {
                                tsOffset = littleEndian ? BinaryPrimitives.ReadInt64LittleEndian(value) : BinaryPrimitives.ReadInt64BigEndian(value);
                            }

                            options = options[Math.Min(options.Length, 4 + ((length + 3) & ~3))..];
                        }

                        interfaces.Add((linkType, units, powerOfTwo, exponent, tsOffset));
                        break;
                    }

                case 6 or 2:
                    {
                        // Enhanced packet block (6), or the obsolete packet block (2) with a 16-bit interface and drop count.
                        if (body.Length < 20)
                        {
                            throw new CaptureFormatException($"pcapng: packet block at offset {offset} is too short", offset);
                        }

                        var iface = type == 6 ? (int)U32(body, littleEndian) : U16(body, littleEndian);
                        var high = U32(body[4..], littleEndian);
                        var low = U32(body[8..], littleEndian);
                        var captured = U32(body[12..], littleEndian);
                        var original = U32(body[16..], littleEndian);
                        if (iface >= interfaces.Count)
                        {
                            throw new CaptureFormatException($"pcapng: packet block at offset {offset} names interface {iface}, but only {interfaces.Count} are described", offset);
                        }

                        if (captured > (uint)(body.Length - 20))
                        {
                            throw new CaptureFormatException($"pcapng: packet block at offset {offset} declares {captured} bytes but holds {body.Length - 20}", offset);
                        }

                        var info = interfaces[iface];
                        var ticks = ((ulong)high << 32) | low;
                        lastTimestamp = ToMicros(ticks, info.UnitsPerSecond, info.PowerOfTwo, info.Exponent) + (info.OffsetSeconds * 1_000_000);
                        number++;
                        frames.Add(new Frame(number, offset, offset + 8 + 20, (int)captured, (int)Math.Min(original, int.MaxValue), info.LinkType, lastTimestamp));
                        break;
                    }

                case 3:
                    {
                        // Simple packet block: interface 0, no timestamp (keep the previous one so order is preserved).
                        if (interfaces.Count == 0 || body.Length < 4)
                        {
                            throw new CaptureFormatException($"pcapng: simple packet block at offset {offset} without an interface", offset);
                        }

                        var original = U32(body, littleEndian);
                        var captured = (int)Math.Min(original, (uint)(body.Length - 4));
                        number++;
                        frames.Add(new Frame(number, offset, offset + 8 + 4, captured, (int)Math.Min(original, int.MaxValue), interfaces[0].LinkType, lastTimestamp));
                        break;
                    }
            }

            offset += (int)blockLength;
        }
    }

    private static long ToMicros(ulong ticks, ulong unitsPerSecond, bool powerOfTwo, int exponent)
    {
        var value = (UInt128)ticks * 1_000_000;
        return (long)(powerOfTwo ? value >> exponent : value / unitsPerSecond);
    }

    private static ulong Pow10(int exponent)
    {
        ulong result = 1;
        for (var i = 0; i < Math.Min(exponent, 19); i++)
        {
            result *= 10;
        }

        return result;
    }

    private static uint U32(ReadOnlySpan<byte> span, bool littleEndian) =>
        littleEndian ? BinaryPrimitives.ReadUInt32LittleEndian(span) : BinaryPrimitives.ReadUInt32BigEndian(span);

    private static ushort U16(ReadOnlySpan<byte> span, bool littleEndian) =>
        littleEndian ? BinaryPrimitives.ReadUInt16LittleEndian(span) : BinaryPrimitives.ReadUInt16BigEndian(span);

    /// <summary>Link layers → IP → TCP segments → per-connection streams in sequence order.</summary>
    private sealed class TcpReassembler(List<CaptureIssue> issues)
    {
        private readonly Dictionary<(string, string), TcpConnection> _open = [];
        private readonly List<TcpConnection> _all = [];
        private readonly HashSet<int> _unsupportedLinkTypes = [];
        private int _fragments;
        private int _truncated;

        public void Add(Frame frame, ReadOnlySpan<byte> data)
        {
            if (!TryGetIp(frame.LinkType, data, out var ip, out var supported))
            {
                if (!supported && _unsupportedLinkTypes.Add(frame.LinkType))
                {
                    issues.Add(new(frame.FileOffset, $"frame {frame.Number}: link type {frame.LinkType} is not supported (Ethernet, Linux cooked SLL/SLL2, raw IP and loopback are); frames of this type are skipped", true));
                }

                return;
            }

            if (!TryGetTcp(ip, out var segment))
            {
                return;
            }

            if (frame.Length < frame.OriginalLength && _truncated++ == 0)
            {
                issues.Add(new(frame.FileOffset, $"frame {frame.Number}: captured {frame.Length} of {frame.OriginalLength} bytes (snap length too small): the stream will have a gap", false));
            }

            var key = segment.Source.CompareTo(segment.Destination, StringComparison.Ordinal) < 0
                ? (segment.Source, segment.Destination)
                : (segment.Destination, segment.Source);
            if (!_open.TryGetValue(key, out var connection) || (segment.IsSyn && !segment.IsAck && connection.HasData))
            {
                // A new SYN on a four-tuple that already carried data is a new connection reusing the ports.
                var generation = connection is null ? 1 : connection.Generation + 1;
                connection = new TcpConnection(generation);
                _open[key] = connection;
                _all.Add(connection);
            }

            connection.Add(segment, frame);
        }

        public List<CaptureRecord> Finish()
        {
            if (_fragments > 0)
            {
                issues.Add(new(0, $"{_fragments} IP fragment(s) skipped: fragmented TCP segments are not reassembled", false));
            }

            var chunks = new List<(int Frame, int Order, CaptureRecord Record)>();
            var order = 0;
            foreach (var connection in _all)
            {
                foreach (var chunk in connection.Records(issues))
                {
                    chunks.Add((chunk.Frame, order++, chunk.Record));
                }
            }

            // Bytes are returned in the order of the frames that completed them, whichever connection they belong to.
            return [.. chunks.OrderBy(c => c.Frame).ThenBy(c => c.Order).Select(c => c.Record)];
        }

        private static bool TryGetIp(int linkType, ReadOnlySpan<byte> data, out ReadOnlySpan<byte> ip, out bool supported)
        {
            ip = default;
            supported = true;
            int etherType;
            switch (linkType)
            {
                case 1:
                    {
                        // Ethernet, with any number of 802.1Q / 802.1ad VLAN tags.
                        if (data.Length < 14)
                        {
                            return false;
                        }

                        var at = 12;
                        etherType = BinaryPrimitives.ReadUInt16BigEndian(data[at..]);
                        while (etherType is 0x8100 or 0x88A8 && data.Length >= at + 6)
                        {
                            at += 4;
                            etherType = BinaryPrimitives.ReadUInt16BigEndian(data[at..]);
                        }

                        ip = data[(at + 2)..];
                        break;
                    }

                case 113:
                    if (data.Length < 16)
                    {
                        return false;
                    }

                    etherType = BinaryPrimitives.ReadUInt16BigEndian(data[14..]);
                    ip = data[16..];
                    break;
                case 276:
                    if (data.Length < 20)
                    {
                        return false;
                    }

                    etherType = BinaryPrimitives.ReadUInt16BigEndian(data);
                    ip = data[20..];
                    break;
                case 101 or 12 or 14 or 228 or 229:
                    ip = data;
                    return data.Length > 0;
                case 0 or 108:
                    {
                        // BSD loopback: a 4-byte address family, in host order for NULL (0) and network order for LOOP (108).
                        if (data.Length < 4)
                        {
                            return false;
                        }

                        var le = BinaryPrimitives.ReadUInt32LittleEndian(data);
                        var be = BinaryPrimitives.ReadUInt32BigEndian(data);
                        var family = linkType == 108 ? be : Math.Min(le, be);
                        ip = data[4..];
                        return family is 2 or 10 or 24 or 28 or 30;
                    }

                default:
                    supported = false;
                    return false;
            }

            return etherType is 0x0800 or 0x86DD;
        }

        private bool TryGetTcp(ReadOnlySpan<byte> ip, out Segment segment)
        {
            segment = default;
            if (ip.Length < 1)
            {
                return false;
            }

            ReadOnlySpan<byte> tcp;
            IPAddress source;
            IPAddress destination;
            var version = ip[0] >> 4;
            if (version == 4)
            {
                if (ip.Length < 20)
                {
                    return false;
                }

                var headerLength = (ip[0] & 0x0F) * 4;
                int total = BinaryPrimitives.ReadUInt16BigEndian(ip[2..]);

                // Total length 0 is what a capture of a segmentation-offloaded packet shows: take what was captured.
                if (total == 0 || total > ip.Length)
                {
                    total = ip.Length;
                }

                if (ip[9] != 6 || headerLength < 20 || headerLength > total)
                {
                    return false;
                }

                var fragment = BinaryPrimitives.ReadUInt16BigEndian(ip[6..]);
                if ((fragment & 0x3FFF) != 0)
                {
                    _fragments++;
                    return false;
                }

                source = new IPAddress(ip.Slice(12, 4));
                destination = new IPAddress(ip.Slice(16, 4));
                tcp = ip[headerLength..total];
            }
            else if (version == 6)
            {
                if (ip.Length < 40)
                {
                    return false;
                }

                int payload = BinaryPrimitives.ReadUInt16BigEndian(ip[4..]);
                var end = payload == 0 || 40 + payload > ip.Length ? ip.Length : 40 + payload;
                var next = ip[6];
                var at = 40;
                while (next != 6)
                {
                    if (next is 0 or 43 or 60 && at + 8 <= end)
                    {
                        next = ip[at];
                        at += (ip[at + 1] + 1) * 8;
                    }
                    else if (next == 51 && at + 8 <= end)
                    {
                        next = ip[at];
                        at += (ip[at + 1] + 2) * 4;
                    }
                    else if (next == 44)
                    {
                        _fragments++;
                        return false;
                    }
                    else
                    {
                        return false;
                    }
                }

                if (at > end)
                {
                    return false;
                }

                source = new IPAddress(ip.Slice(8, 16));
                destination = new IPAddress(ip.Slice(24, 16));
                tcp = ip[at..end];
            }
            else
            {
                return false;
            }

            if (tcp.Length < 20)
            {
                return false;
            }

            var dataOffset = (tcp[12] >> 4) * 4;
            if (dataOffset < 20 || dataOffset > tcp.Length)
            {
                return false;
            }

            var flags = tcp[13];
            segment = new Segment(
                Endpoint(source, BinaryPrimitives.ReadUInt16BigEndian(tcp)),
                Endpoint(destination, BinaryPrimitives.ReadUInt16BigEndian(tcp[2..])),
                BinaryPrimitives.ReadUInt32BigEndian(tcp[4..]),
                (flags & 0x02) != 0,
                (flags & 0x10) != 0,
                tcp[dataOffset..].ToArray());
            return true;
        }

        private static string Endpoint(IPAddress address, int port) =>
            address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]:{port}" : $"{address}:{port}";
    }

    private readonly record struct Segment(string Source, string Destination, uint Sequence, bool IsSyn, bool IsAck, byte[] Payload);

    /// <summary>Both directions of one TCP connection.</summary>
    private sealed class TcpConnection(int generation)
    {
        private readonly Dictionary<string, HalfStream> _halves = new(StringComparer.Ordinal);

        public int Generation { get; } = generation;

        public bool HasData => _halves.Values.Any(h => h.Delivered > 0);

        public void Add(Segment segment, Frame frame)
        {
            if (!_halves.TryGetValue(segment.Source, out var half))
            {
                half = new HalfStream(segment.Source, segment.Destination);
                _halves[segment.Source] = half;
            }

            half.Add(segment, frame);
        }

        public IEnumerable<(int Frame, CaptureRecord Record)> Records(List<CaptureIssue> issues)
        {
            var jdwp = _halves.Values.Where(h => h.StartsWithHandshake).OrderBy(h => h.HandshakeFrame).ToList();
            if (jdwp.Count == 0)
            {
                var midStream = _halves.Values.FirstOrDefault(h => h.MidStream && h.Delivered > 0);
                if (midStream is not null)
                {
                    issues.Add(new(0, $"TCP {midStream.Source} -> {midStream.Destination}: the capture starts after the connection opened, so its JDWP handshake (if any) is missing; skipped", false));
                }

                return [];
            }

            // Both sides send "JDWP-Handshake"; the debugger sends it first.
            var debugger = jdwp[0];
            var vm = _halves.GetValueOrDefault(debugger.Destination);
            var name = $"{debugger.Source}->{debugger.Destination}" + (Generation > 1 ? $"#{Generation}" : string.Empty);
            var records = new List<(int, CaptureRecord)>();
            foreach (var (half, direction) in new[] { (debugger, CaptureDirection.ToVm), (vm, CaptureDirection.FromVm) })
            {
                if (half is null)
                {
                    continue;
                }

                half.ReportGaps(issues, name, direction);
                records.AddRange(half.Chunks.Select(c => (c.Frame, new CaptureRecord(c.Timestamp, direction, name, c.Bytes))));
            }

            return records;
        }
    }

    /// <summary>One direction of a TCP connection, reassembled in sequence order.</summary>
    private sealed class HalfStream(string source, string destination)
    {
        private readonly SortedDictionary<long, (byte[] Bytes, Frame Frame)> _early = [];
        private readonly List<byte> _head = [];
        private bool _started;
        private uint _base;

        public string Source { get; } = source;

        public string Destination { get; } = destination;

        public List<(int Frame, long Timestamp, byte[] Bytes)> Chunks { get; } = [];

        /// <summary>Bytes delivered in order so far (the next expected stream offset).</summary>
        public long Delivered { get; private set; }

        /// <summary>True when no SYN was seen: the capture began after the connection opened.</summary>
        public bool MidStream { get; private set; }

        public bool StartsWithHandshake => _head.Count >= 14 && _head.Take(14).SequenceEqual("JDWP-Handshake"u8.ToArray());

        /// <summary>The frame that delivered the 14th byte of the stream.</summary>
        public int HandshakeFrame { get; private set; } = int.MaxValue;

        public void Add(Segment segment, Frame frame)
        {
            if (segment.IsSyn)
            {
                if (!_started)
                {
                    _started = true;
                    _base = segment.Sequence + 1;
                }

                // Data on a SYN (TCP Fast Open) starts after the SYN's own sequence number.
                if (segment.Payload.Length > 0)
                {
                    Take(segment.Sequence + 1, segment.Payload, frame);
                }

                return;
            }

            if (!_started)
            {
                _started = true;
                MidStream = true;
                _base = segment.Sequence;
            }

            if (segment.Payload.Length > 0)
            {
                Take(segment.Sequence, segment.Payload, frame);
            }
        }

        public void ReportGaps(List<CaptureIssue> issues, string connection, CaptureDirection direction)
        {
            if (_early.Count > 0)
            {
                var missing = _early.Keys.First() - Delivered;
                var dropped = _early.Values.Sum(v => (long)v.Bytes.Length);
                issues.Add(new(_early.Values.First().Frame.FileOffset,
                    $"{connection} {direction}: {missing} bytes missing at stream offset {Delivered} (segments not captured); {dropped} bytes after the gap dropped", false));
            }
        }

        private void Take(uint sequence, byte[] payload, Frame frame)
        {
            // Sequence numbers wrap at 2^32: place the segment relative to the next expected byte.
            var next = unchecked(_base + (uint)Delivered);
            var offset = Delivered + unchecked((int)(sequence - next));
            if (offset > Delivered)
            {
                if (!_early.TryGetValue(offset, out var existing) || existing.Bytes.Length < payload.Length)
                {
                    _early[offset] = (payload, frame);
                }

                return;
            }

            Deliver(offset, payload, frame);
            while (_early.Count > 0)
            {
                var first = _early.First();
                if (first.Key > Delivered)
                {
                    break;
                }

                _early.Remove(first.Key);

                // A segment that waited is delivered by the frame that filled the gap before it.
                Deliver(first.Key, first.Value.Bytes, frame);
            }
        }

        private void Deliver(long offset, byte[] payload, Frame frame)
        {
            var skip = Delivered - offset;
            if (skip >= payload.Length)
            {
                return; // A retransmission or duplicate of bytes already delivered.
            }

            var fresh = payload.AsSpan((int)skip).ToArray();
            Chunks.Add((frame.Number, frame.TimestampMicros, fresh));
            if (_head.Count < 14)
            {
                _head.AddRange(fresh.Take(14 - _head.Count));
                if (_head.Count >= 14)
                {
                    HandshakeFrame = frame.Number;
                }
            }

            Delivered += fresh.Length;
        }
    }
}
