using System.Buffers;

namespace JdwpGateway.Protocol.Framing;

/// <summary>
/// Cuts JDWP packets out of a byte stream. The length is validated from the header before any body is
/// buffered, so a hostile length cannot make the gateway allocate.
/// </summary>
public static class JdwpFrameReader
{
    /// <summary>Default largest packet accepted: enough for a 16 MB array region or a large RedefineClasses.</summary>
    public const int DefaultMaxPacketLength = 64 * 1024 * 1024;

    /// <summary>
    /// Tries to read one packet from the front of <paramref name="buffer"/>. On success the buffer is advanced past it.
    /// </summary>
    /// <param name="buffer">Unconsumed bytes.</param>
    /// <param name="maxPacketLength">Largest length accepted (configurable as <c>maxPacketLength</c>).</param>
    /// <param name="connection">Name of the connection, for errors.</param>
    /// <param name="streamOffset">Offset of <paramref name="buffer"/>'s first byte within the connection's stream.</param>
    /// <param name="packet">The packet read.</param>
    public static bool TryReadPacket(ref ReadOnlySequence<byte> buffer, int maxPacketLength, string connection, long streamOffset, out JdwpPacket? packet)
    {
        packet = null;
        if (buffer.Length < JdwpPacket.HeaderLength)
        {
            return false;
        }

        Span<byte> header = stackalloc byte[JdwpPacket.HeaderLength];
        buffer.Slice(0, JdwpPacket.HeaderLength).CopyTo(header);
        var length = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(header);
        var id = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(header[4..]);
        var flags = header[8];
        if (length < JdwpPacket.HeaderLength)
        {
            throw new JdwpProtocolException(connection, id, null, streamOffset, $"packet length {length} is smaller than the 11-byte header");
        }

        if (length > maxPacketLength)
        {
            throw new JdwpProtocolException(connection, id, null, streamOffset,
                $"packet length {length} exceeds the limit of {maxPacketLength} bytes (raise 'maxPacketLength' in the gateway configuration if this is legitimate)");
        }

        if ((flags & ~JdwpPacket.ReplyFlag) != 0)
        {
            throw new JdwpProtocolException(connection, id, null, streamOffset + 8, $"unknown flag bits 0x{flags:x2}");
        }

        if (buffer.Length < length)
        {
            return false;
        }

        var body = buffer.Slice(JdwpPacket.HeaderLength, length - JdwpPacket.HeaderLength).ToArray();
        packet = JdwpPacket.FromHeader(id, flags, header[9], header[10], body);
        buffer = buffer.Slice(length);
        return true;
    }
}
