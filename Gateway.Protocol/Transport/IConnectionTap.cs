using System.Buffers;

namespace JdwpGateway.Protocol.Transport;

/// <summary>Which way bytes moved on a <see cref="JdwpConnection"/>, seen from the gateway's end of it.</summary>
public enum TapDirection : byte
{
    /// <summary>Bytes read from the peer.</summary>
    Received,

    /// <summary>Bytes written to the peer.</summary>
    Sent,
}

/// <summary>
/// Sees every byte a <see cref="JdwpConnection"/> reads or writes: the handshake, each whole packet, and the bytes of
/// malformed input before the connection gives up on it. Called on the connection's reader or writer path (sends under
/// the write lock, so in wire order), so it must be quick and must not throw.
/// </summary>
public interface IConnectionTap
{
    /// <summary>Bytes that crossed <paramref name="connection"/>; the sequence is only valid during the call.</summary>
    void OnBytes(JdwpConnection connection, TapDirection direction, in ReadOnlySequence<byte> bytes);
}
