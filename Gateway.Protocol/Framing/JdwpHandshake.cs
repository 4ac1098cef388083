using System.Buffers;

namespace JdwpGateway.Protocol.Framing;

/// <summary>The 14 ASCII bytes <c>JDWP-Handshake</c> that each side sends once before any packet.</summary>
public static class JdwpHandshake
{
    /// <summary>The handshake bytes.</summary>
    public static ReadOnlySpan<byte> Bytes => "JDWP-Handshake"u8;

    /// <summary>Length of the handshake.</summary>
    public const int Length = 14;

    /// <summary>
    /// Checks the handshake at the front of <paramref name="buffer"/>: false when more bytes are needed,
    /// throws when the bytes received so far already differ.
    /// </summary>
    public static bool TryConsume(ref ReadOnlySequence<byte> buffer, string connection)
    {
        var available = (int)Math.Min(buffer.Length, Length);
        Span<byte> received = stackalloc byte[Length];
        buffer.Slice(0, available).CopyTo(received);
        for (var i = 0; i < available; i++)
        {
            if (received[i] != Bytes[i])
            {
                throw new JdwpProtocolException(connection, null, null, i,
                    $"expected the 'JDWP-Handshake' preface, got byte 0x{received[i]:x2}; is the peer a JDWP debugger or agent?");
            }
        }

        if (available < Length)
        {
            return false;
        }

        buffer = buffer.Slice(Length);
        return true;
    }
}
