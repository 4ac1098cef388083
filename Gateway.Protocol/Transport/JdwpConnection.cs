using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using JdwpGateway.Protocol.Framing;

namespace JdwpGateway.Protocol.Transport;

/// <summary>
/// A socket speaking JDWP: the handshake as its own state, then packets. One reader loop calls
/// <see cref="ReadPacketAsync"/>; any number of tasks may call <see cref="SendAsync"/>, which serializes writes.
/// </summary>
public sealed class JdwpConnection : IAsyncDisposable
{
    private static readonly byte[] HandshakeBytes = JdwpHandshake.Bytes.ToArray();

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly PipeReader _reader;
    private readonly PipeWriter _writer;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly int _maxPacketLength;
    private readonly IConnectionTap? _tap;
    private long _streamOffset;
    private int _disposed;

    /// <summary>Wraps a connected socket; sets TCP_NODELAY because a reply followed by an event would otherwise wait for a delayed ACK.</summary>
    /// <param name="socket">The connected socket; the connection owns it.</param>
    /// <param name="name">Name used in logs and errors.</param>
    /// <param name="maxPacketLength">Largest packet accepted.</param>
    /// <param name="tap">Optional observer of every byte read and written (recording).</param>
    public JdwpConnection(Socket socket, string name, int maxPacketLength = JdwpFrameReader.DefaultMaxPacketLength, IConnectionTap? tap = null)
    {
        _tap = tap;
        _socket = socket ?? throw new ArgumentNullException(nameof(socket));
        Name = name ?? throw new ArgumentNullException(nameof(name));
        _maxPacketLength = maxPacketLength;
        _socket.NoDelay = true;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _reader = PipeReader.Create(_stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, leaveOpen: true));
        _writer = PipeWriter.Create(_stream, new StreamPipeWriterOptions(leaveOpen: true));
    }

    /// <summary>Name used in logs and errors, e.g. <c>debugger#3</c> or <c>node-a#3</c>.</summary>
    public string Name { get; }

    /// <summary>Opens a TCP connection to a JDWP peer.</summary>
    public static Task<JdwpConnection> ConnectAsync(string host, int port, string name, int maxPacketLength, CancellationToken cancellationToken) =>
        ConnectAsync(host, port, name, maxPacketLength, tap: null, cancellationToken);

    /// <summary>Opens a TCP connection to a JDWP peer, with an optional <paramref name="tap"/> on its bytes.</summary>
    public static async Task<JdwpConnection> ConnectAsync(string host, int port, string name, int maxPacketLength, IConnectionTap? tap, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(host, port, cancellationToken).ConfigureAwait(false);
            return new JdwpConnection(socket, name, maxPacketLength, tap);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The debugger side: send the handshake, then expect it back.</summary>
    public async Task HandshakeAsDebuggerAsync(CancellationToken cancellationToken)
    {
        await WriteHandshakeAsync(cancellationToken).ConfigureAwait(false);
        await ReadHandshakeAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The VM side: expect the handshake, then answer it.</summary>
    public async Task HandshakeAsVmAsync(CancellationToken cancellationToken)
    {
        await ReadHandshakeAsync(cancellationToken).ConfigureAwait(false);
        await WriteHandshakeAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The VM side's first half: expect the debugger's handshake (the answer may wait, see <see cref="AnswerHandshakeAsync"/>).</summary>
    public Task ExpectHandshakeAsync(CancellationToken cancellationToken) => ReadHandshakeAsync(cancellationToken);

    /// <summary>The VM side's second half: answer the handshake, which tells the debugger it is attached.</summary>
    public Task AnswerHandshakeAsync(CancellationToken cancellationToken) => WriteHandshakeAsync(cancellationToken);

    /// <summary>Reads the next packet; null when the peer closed the connection between packets.</summary>
    public async ValueTask<JdwpPacket?> ReadPacketAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await _reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            var before = buffer.Length;
            var complete = false;
            try
            {
                if (JdwpFrameReader.TryReadPacket(ref buffer, _maxPacketLength, Name, _streamOffset, out var packet))
                {
                    _tap?.OnBytes(this, TapDirection.Received, result.Buffer.Slice(0, before - buffer.Length));
                    _streamOffset += before - buffer.Length;
                    complete = true;
                    return packet;
                }

                if (result.IsCompleted || result.IsCanceled)
                {
                    if (buffer.Length == 0)
                    {
                        return null;
                    }

                    throw new JdwpProtocolException(Name, PeekId(buffer), null, _streamOffset + buffer.Length,
                        $"connection closed inside a packet ({buffer.Length} bytes of it received)");
                }
            }
            catch (JdwpProtocolException)
            {
                // A recording should show the bytes that broke the stream, not stop just before them.
                _tap?.OnBytes(this, TapDirection.Received, buffer);
                throw;
            }
            finally
            {
                // After a whole packet only its bytes are consumed: marking the rest as examined would make the next
                // ReadAsync wait for new bytes even though a complete packet may already be buffered.
                if (complete)
                {
                    _reader.AdvanceTo(buffer.Start);
                }
                else
                {
                    _reader.AdvanceTo(buffer.Start, buffer.End);
                }
            }
        }
    }

    /// <summary>Writes one packet; concurrent callers are serialized so packets never interleave.</summary>
    public ValueTask SendAsync(JdwpPacket packet, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(packet);
        return WriteAsync(packet, default, packet.Id, packet.IsReply, packet.CommandSet, packet.Command, packet.ErrorCode, cancellationToken);
    }

    /// <summary>
    /// Writes a command whose body is <paramref name="body"/>, copied into the connection's pipe before this returns
    /// (so the caller may reuse or return the buffer as soon as the returned task completes).
    /// </summary>
    public ValueTask SendCommandAsync(int id, byte commandSet, byte command, ReadOnlyMemory<byte> body, CancellationToken cancellationToken = default) =>
        WriteAsync(null, body, id, false, commandSet, command, 0, cancellationToken);

    /// <summary>Writes a reply whose body is <paramref name="body"/>; as <see cref="SendCommandAsync"/>, the body is copied before this returns.</summary>
    public ValueTask SendReplyAsync(int id, short errorCode, ReadOnlyMemory<byte> body, CancellationToken cancellationToken = default) =>
        WriteAsync(null, body, id, true, 0, 0, errorCode, cancellationToken);

    private async ValueTask WriteAsync(JdwpPacket? packet, ReadOnlyMemory<byte> body, int id, bool reply, byte commandSet, byte command, short errorCode, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var length = packet?.Length ?? JdwpPacket.HeaderLength + body.Length;
            var memory = _writer.GetMemory(length);
            if (packet is not null)
            {
                packet.CopyTo(memory.Span);
            }
            else
            {
                if (reply)
                {
                    JdwpPacket.WriteReplyHeader(memory.Span, id, errorCode, body.Length);
                }
                else
                {
                    JdwpPacket.WriteCommandHeader(memory.Span, id, commandSet, command, body.Length);
                }

                body.Span.CopyTo(memory.Span[JdwpPacket.HeaderLength..]);
            }

            _tap?.OnBytes(this, TapDirection.Sent, new ReadOnlySequence<byte>(memory[..length]));
            _writer.Advance(length);
            var flush = await _writer.FlushAsync(cancellationToken).ConfigureAwait(false);
            if (flush.IsCompleted)
            {
                throw new IOException($"{Name}: the peer stopped reading");
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Closes the socket; pending reads end.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // Already reset by the peer: nothing left to shut down.
        }
        catch (ObjectDisposedException)
        {
        }

        await _reader.CompleteAsync().ConfigureAwait(false);
        try
        {
            await _writer.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException)
        {
            // Completing flushes what a concurrent send left in the pipe; with the peer gone that fails, and nothing is lost.
        }

        await _stream.DisposeAsync().ConfigureAwait(false);
        _writeLock.Dispose();
    }

    private async Task WriteHandshakeAsync(CancellationToken cancellationToken)
    {
        JdwpHandshake.Bytes.CopyTo(_writer.GetSpan(JdwpHandshake.Length));
        _tap?.OnBytes(this, TapDirection.Sent, new ReadOnlySequence<byte>(HandshakeBytes));
        _writer.Advance(JdwpHandshake.Length);
        await _writer.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task ReadHandshakeAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await _reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;

            // A mismatch throws before AdvanceTo; the connection is closed after that, so the reader state no longer matters.
            bool consumed;
            try
            {
                consumed = JdwpHandshake.TryConsume(ref buffer, Name);
            }
            catch (JdwpProtocolException)
            {
                _tap?.OnBytes(this, TapDirection.Received, buffer);
                throw;
            }

            if (consumed)
            {
                _tap?.OnBytes(this, TapDirection.Received, result.Buffer.Slice(0, JdwpHandshake.Length));
                _streamOffset += JdwpHandshake.Length;
                _reader.AdvanceTo(buffer.Start);
                return;
            }

            if (result.IsCompleted)
            {
                _tap?.OnBytes(this, TapDirection.Received, buffer);
            }

            _reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                throw new JdwpProtocolException(Name, null, null, buffer.Length,
                    $"connection closed during the handshake ({buffer.Length} of 14 bytes received)");
            }
        }
    }

    private static int? PeekId(ReadOnlySequence<byte> buffer)
    {
        if (buffer.Length < 8)
        {
            return null;
        }

        Span<byte> head = stackalloc byte[8];
        buffer.Slice(0, 8).CopyTo(head);
        return System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(head[4..]);
    }
}
