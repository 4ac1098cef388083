using System.Buffers.Binary;
using System.Net;

namespace JdwpGateway.Protocol.Tests.Capture;

/// <summary>Link types the builder can write (numbers from the tcpdump.org link-type registry).</summary>
#pragma warning disable CA1008, CA1027 // Values are the registry's numbers.
public enum LinkType
{
    Null = 0,
    Ethernet = 1,
    Raw = 101,
    Loop = 108,
    LinuxSll = 113,
    LinuxSll2 = 276,
}

/// <summary>
/// Writes pcap and pcapng files of TCP segments from scratch, independently of the reader under test: every header
/// (link layer, IPv4/IPv6, TCP, file and block framing) is laid out here by hand from the published formats.
/// </summary>
internal sealed class PcapBuilder(LinkType linkType, bool bigEndian = false, bool nanoseconds = false, bool ipv6HopByHop = false)
{
    private readonly List<(long Micros, byte[] Frame, int OriginalLength)> _frames = [];

    public int Count => _frames.Count;

    /// <summary>Adds one TCP segment as a frame.</summary>
    public void Add(IPEndPoint source, IPEndPoint destination, uint sequence, byte flags, ReadOnlySpan<byte> payload, long micros, int snap = int.MaxValue)
    {
        var tcp = new byte[20 + payload.Length];
        BinaryPrimitives.WriteUInt16BigEndian(tcp, (ushort)source.Port);
        BinaryPrimitives.WriteUInt16BigEndian(tcp.AsSpan(2), (ushort)destination.Port);
        BinaryPrimitives.WriteUInt32BigEndian(tcp.AsSpan(4), sequence);
        tcp[12] = 5 << 4;
        tcp[13] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(tcp.AsSpan(14), 65535);
        payload.CopyTo(tcp.AsSpan(20));

        byte[] ip;
        if (source.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
        {
            ip = new byte[20 + tcp.Length];
            ip[0] = 0x45;
            BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(2), (ushort)ip.Length);
            BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(6), 0x4000); // don't fragment
            ip[8] = 64;
            ip[9] = 6;
            source.Address.GetAddressBytes().CopyTo(ip, 12);
            destination.Address.GetAddressBytes().CopyTo(ip, 16);
            tcp.CopyTo(ip, 20);
        }
        else
        {
            var extension = ipv6HopByHop ? 8 : 0;
            ip = new byte[40 + extension + tcp.Length];
            ip[0] = 0x60;
            BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(4), (ushort)(extension + tcp.Length));
            ip[6] = (byte)(ipv6HopByHop ? 0 : 6);
            ip[7] = 64;
            source.Address.GetAddressBytes().CopyTo(ip, 8);
            destination.Address.GetAddressBytes().CopyTo(ip, 24);
            if (ipv6HopByHop)
            {
                ip[40] = 6; // next header TCP, length 0 (8 bytes), padding
                ip[42] = 1;
                ip[43] = 4;
            }

            tcp.CopyTo(ip, 40 + extension);
        }

        var frame = Frame(ip, source.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6);
        _frames.Add((micros, frame.Length > snap ? frame[..snap] : frame, frame.Length));
    }

    /// <summary>A classic pcap file.</summary>
    public byte[] ToPcap()
    {
        var file = new List<byte>();
        file.AddRange(U32(nanoseconds ? 0xA1B23C4D : 0xA1B2C3D4));
        file.AddRange(U16(2));
        file.AddRange(U16(4));
        file.AddRange(U32(0));
        file.AddRange(U32(0));
        file.AddRange(U32(262144));
        file.AddRange(U32((uint)linkType));
        foreach (var (micros, frame, original) in _frames)
        {
            file.AddRange(U32((uint)(micros / 1_000_000)));
            file.AddRange(U32((uint)(nanoseconds ? micros % 1_000_000 * 1000 : micros % 1_000_000)));
            file.AddRange(U32((uint)frame.Length));
            file.AddRange(U32((uint)original));
            file.AddRange(frame);
        }

        return [.. file];
    }

    /// <summary>A pcapng file: section header, one interface (with if_tsresol when in nanoseconds), enhanced packet blocks.</summary>
    public byte[] ToPcapNg()
    {
        var file = new List<byte>();
        Block(file, 0x0A0D0D0A, [.. U32(0x1A2B3C4D), .. U16(1), .. U16(0), .. U64(ulong.MaxValue)]);
        List<byte> idb = [.. U16((ushort)linkType), .. U16(0), .. U32(262144)];
        if (nanoseconds)
        {
            idb.AddRange([.. U16(9), .. U16(1), 9, 0, 0, 0, .. U16(0), .. U16(0)]);
        }

        Block(file, 1, [.. idb]);

        // A block of a type the reader does not use (name resolution) must simply be skipped.
        Block(file, 4, [.. U16(0), .. U16(0)]);
        foreach (var (micros, frame, original) in _frames)
        {
            var ticks = nanoseconds ? (ulong)micros * 1000 : (ulong)micros;
            var padded = (frame.Length + 3) & ~3;
            List<byte> body = [.. U32(0), .. U32((uint)(ticks >> 32)), .. U32((uint)ticks), .. U32((uint)frame.Length), .. U32((uint)original), .. frame];
            body.AddRange(new byte[padded - frame.Length]);
            Block(file, 6, [.. body]);
        }

        return [.. file];
    }

    private byte[] Frame(byte[] ip, bool v6)
    {
        var etherType = (ushort)(v6 ? 0x86DD : 0x0800);
        byte[] head = linkType switch
        {
            LinkType.Ethernet => [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte)(etherType >> 8), (byte)etherType],
            LinkType.LinuxSll => [0, 0, 3, 4, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0, (byte)(etherType >> 8), (byte)etherType],
            LinkType.LinuxSll2 => [(byte)(etherType >> 8), (byte)etherType, 0, 0, 0, 0, 0, 1, 3, 4, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0],
            LinkType.Null => BitConverter.GetBytes(v6 ? 30u : 2u), // host (little-endian) order, as BSD writes it
            LinkType.Loop => [0, 0, 0, (byte)(v6 ? 24 : 2)],
            _ => [],
        };
        return [.. head, .. ip];
    }

    private void Block(List<byte> file, uint type, byte[] body)
    {
        var length = (uint)(12 + body.Length);
        file.AddRange(type == 0x0A0D0D0A ? [0x0A, 0x0D, 0x0D, 0x0A] : U32(type));
        file.AddRange(U32(length));
        file.AddRange(body);
        file.AddRange(U32(length));
    }

    private byte[] U16(ushort value)
    {
        var bytes = new byte[2];
        if (bigEndian)
        {
            BinaryPrimitives.WriteUInt16BigEndian(bytes, value);
        }
        else
        {
            BinaryPrimitives.WriteUInt16LittleEndian(bytes, value);
        }

        return bytes;
    }

    private byte[] U32(uint value)
    {
        var bytes = new byte[4];
        if (bigEndian)
        {
            BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        }

        return bytes;
    }

    private byte[] U64(ulong value)
    {
        var bytes = new byte[8];
        if (bigEndian)
        {
            BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        }
        else
        {
            BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        }

        return bytes;
    }
}

/// <summary>
/// Plays a TCP connection (SYN, SYN-ACK, data, FIN) into a <see cref="PcapBuilder"/>: the given chunks of each
/// direction are cut into segments of at most <see cref="SegmentSize"/> bytes, and the segments can be reordered,
/// duplicated and retransmitted overlapping, as a real capture may show them.
/// </summary>
internal sealed class TcpScript(IPEndPoint client, IPEndPoint server, uint clientIsn, uint serverIsn)
{
    private readonly List<(bool FromClient, byte[] Data)> _chunks = [];

    public int SegmentSize { get; init; } = 1000;

    /// <summary>Swap each pair of neighbouring data segments that go the same way.</summary>
    public bool Reorder { get; init; }

    /// <summary>Send each data segment twice.</summary>
    public bool Duplicate { get; init; }

    /// <summary>After each data segment, send one that overlaps its second half and carries the next bytes too.</summary>
    public bool OverlappingRetransmits { get; init; }

    /// <summary>Leave out the data segment at this index (counting all data segments of the connection).</summary>
    public int? Drop { get; init; }

    /// <summary>Leave out the connection set-up and the first data segment of each side.</summary>
    public bool StartMidStream { get; init; }

    public TcpScript Send(bool fromClient, byte[] data)
    {
        _chunks.Add((fromClient, data));
        return this;
    }

    public void WriteTo(PcapBuilder pcap, ref long micros)
    {
        const byte Syn = 0x02, Ack = 0x10, Psh = 0x08, Fin = 0x01;
        var segments = new List<(bool FromClient, uint Seq, byte Flags, byte[] Data)>();
        uint clientSeq = clientIsn + 1, serverSeq = serverIsn + 1;
        if (!StartMidStream)
        {
            segments.Add((true, clientIsn, Syn, []));
            segments.Add((false, serverIsn, Syn | Ack, []));
            segments.Add((true, clientSeq, Ack, []));
        }

        var data = new List<(bool FromClient, uint Seq, byte Flags, byte[] Data)>();
        foreach (var (fromClient, bytes) in _chunks)
        {
            for (var offset = 0; offset < bytes.Length; offset += SegmentSize)
            {
                var piece = bytes.AsSpan(offset, Math.Min(SegmentSize, bytes.Length - offset)).ToArray();
                var seq = fromClient ? clientSeq : serverSeq;
                data.Add((fromClient, seq, Psh | Ack, piece));
                var half = piece.Length / 2;
                if (OverlappingRetransmits && half > 0)
                {
                    var overlap = bytes.AsSpan(offset + half, Math.Min(SegmentSize, bytes.Length - offset - half)).ToArray();
                    data.Add((fromClient, seq + (uint)half, Psh | Ack, overlap));
                }

                if (fromClient)
                {
                    clientSeq += (uint)piece.Length;
                }
                else
                {
                    serverSeq += (uint)piece.Length;
                }
            }
        }

        if (Drop is { } drop)
        {
            data.RemoveAt(drop);
        }

        if (StartMidStream)
        {
            data.Remove(data.First(d => d.FromClient));
            data.Remove(data.First(d => !d.FromClient));
        }

        if (Reorder)
        {
            for (var i = 0; i + 1 < data.Count; i += 2)
            {
                if (data[i].FromClient == data[i + 1].FromClient)
                {
                    (data[i], data[i + 1]) = (data[i + 1], data[i]);
                }
            }
        }

        foreach (var segment in data)
        {
            segments.Add(segment);
            if (Duplicate)
            {
                segments.Add(segment);
            }

        }

        segments.Add((true, clientSeq, Fin | Ack, []));
        segments.Add((false, serverSeq, Fin | Ack, []));
        foreach (var (fromClient, seq, flags, bytes) in segments)
        {
            micros += 137;
            pcap.Add(fromClient ? client : server, fromClient ? server : client, seq, flags, bytes, micros);
        }
    }
}
