using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using JdwpGateway.Protocol;
using JdwpGateway.Protocol.Encoding;

namespace JdwpGateway.EndToEnd.Tests.BadInput;

/// <summary>
/// A minimal debugger speaking raw JDWP over a socket, able to misbehave on purpose. Every read has a timeout so a
/// test never hangs; IDs from the gateway are always 8 bytes.
/// </summary>
public sealed class RawDebugger : IAsyncDisposable
{
    /// <summary>Default wait for a reply or a close.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(20);

    private static readonly byte[] Handshake = "JDWP-Handshake"u8.ToArray();

    private readonly Socket _socket;
    private int _nextId = 1000;

    private RawDebugger(Socket socket) => _socket = socket;

    /// <summary>The socket (for tests that need to misbehave at the socket level).</summary>
    public Socket Socket => _socket;

    /// <summary>Opens a TCP connection without sending anything.</summary>
    public static async Task<RawDebugger> ConnectAsync(IPEndPoint endPoint, TimeSpan? timeout = null)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
            await socket.ConnectAsync(endPoint, cts.Token).ConfigureAwait(false);
            return new RawDebugger(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Connects and performs the JDWP handshake.</summary>
    public static async Task<RawDebugger> AttachAsync(IPEndPoint endPoint, TimeSpan? timeout = null)
    {
        var debugger = await ConnectAsync(endPoint, timeout).ConfigureAwait(false);
        try
        {
            await debugger.HandshakeAsync(timeout).ConfigureAwait(false);
            return debugger;
        }
        catch
        {
            await debugger.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Writes "JDWP-Handshake" and expects it back.</summary>
    public async Task HandshakeAsync(TimeSpan? timeout = null)
    {
        await SendRawAsync(Handshake).ConfigureAwait(false);
        var answer = await ReceiveExactlyAsync(Handshake.Length, timeout ?? DefaultTimeout).ConfigureAwait(false);
        if (!answer.AsSpan().SequenceEqual(Handshake))
        {
            throw new InvalidOperationException($"Unexpected handshake answer: {Convert.ToHexString(answer)}");
        }
    }

    /// <summary>Writes arbitrary bytes.</summary>
    public async Task SendRawAsync(ReadOnlyMemory<byte> bytes)
    {
        using var cts = new CancellationTokenSource(DefaultTimeout);
        var sent = 0;
        while (sent < bytes.Length)
        {
            sent += await _socket.SendAsync(bytes[sent..], SocketFlags.None, cts.Token).ConfigureAwait(false);
        }
    }

    /// <summary>Sends a command packet with the given id (or the next id) and returns the id used.</summary>
    public async Task<int> SendCommandAsync(byte commandSet, byte command, byte[] body, int? id = null)
    {
        var packetId = id ?? Interlocked.Increment(ref _nextId);
        var packet = JdwpPacket.NewCommand(packetId, commandSet, command, body);
        var bytes = new byte[packet.Length];
        packet.CopyTo(bytes);
        await SendRawAsync(bytes).ConfigureAwait(false);
        return packetId;
    }

    /// <summary>Reads one packet (11-byte header, then the body).</summary>
    public async Task<JdwpPacket> ReadPacketAsync(TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultTimeout;
        var header = await ReceiveExactlyAsync(JdwpPacket.HeaderLength, limit).ConfigureAwait(false);
        var length = BinaryPrimitives.ReadInt32BigEndian(header);
        if (length < JdwpPacket.HeaderLength || length > 64 * 1024 * 1024)
        {
            throw new InvalidOperationException($"The gateway sent a packet with length {length}: {Convert.ToHexString(header)}");
        }

        var body = await ReceiveExactlyAsync(length - JdwpPacket.HeaderLength, limit).ConfigureAwait(false);
        return JdwpPacket.FromHeader(BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4)), header[8], header[9], header[10], body);
    }

    /// <summary>Sends a command and returns its reply, skipping events the gateway sends meanwhile.</summary>
    public async Task<JdwpPacket> CommandAsync(byte commandSet, byte command, byte[]? body = null, TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultTimeout;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var id = await SendCommandAsync(commandSet, command, body ?? []).ConfigureAwait(false);
        while (true)
        {
            var remaining = limit - clock.Elapsed;
            if (remaining <= TimeSpan.Zero)
            {
                throw new TimeoutException($"No reply to {commandSet}/{command} (id {id}) within {limit.TotalSeconds:0} s");
            }

            var packet = await ReadPacketAsync(remaining).ConfigureAwait(false);
            if (packet.IsReply && packet.Id == id)
            {
                return packet;
            }
        }
    }

    /// <summary>VirtualMachine.Version: the reply's description, or an exception when the reply carries an error.</summary>
    public async Task<(short Error, string Description)> VersionAsync(TimeSpan? timeout = null)
    {
        var reply = await CommandAsync(1, 1, [], timeout).ConfigureAwait(false);
        return reply.ErrorCode != 0 ? (reply.ErrorCode, string.Empty) : (reply.ErrorCode, ParseVersionDescription(reply.Body));
    }

    /// <summary>VirtualMachine.AllThreads, then ThreadReference.Name of each: the names the gateway presents.</summary>
    public async Task<IReadOnlyList<string>> AllThreadNamesAsync(TimeSpan? timeout = null)
    {
        var reply = await CommandAsync(1, 4, [], timeout).ConfigureAwait(false);
        if (reply.ErrorCode != 0)
        {
            throw new InvalidOperationException($"AllThreads answered with JDWP error {reply.ErrorCode}");
        }

        var names = new List<string>();
        foreach (var thread in ParseIds(reply.Body))
        {
            var name = await CommandAsync(11, 1, new JdwpWriter().Id(thread, 8).ToArray(), timeout).ConfigureAwait(false);
            names.Add(name.ErrorCode == 0 ? ParseString(name.Body) : $"<error {name.ErrorCode}>");
        }

        return names;
    }

    /// <summary>
    /// Waits until the gateway closes the connection (a read returns 0 or the connection is reset), discarding any
    /// bytes that arrive first. Returns false when it is still open after <paramref name="timeout"/>.
    /// </summary>
    public async Task<bool> WaitForCloseAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        var scratch = new byte[4096];
        try
        {
            while (true)
            {
                var read = await _socket.ReceiveAsync(scratch, SocketFlags.None, cts.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    return true;
                }
            }
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Half-closes the connection (the gateway sees end of stream).</summary>
    public void ShutdownSend() => _socket.Shutdown(SocketShutdown.Send);

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }

        _socket.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Parses the description string of a VirtualMachine.Version reply.</summary>
    public static string ParseVersionDescription(byte[] body) => ParseString(body);

    /// <summary>Parses a reply that starts with a JDWP string.</summary>
    public static string ParseString(byte[] body) => new JdwpReader(body).ReadString();

    /// <summary>Parses a reply of the form int count, then count 8-byte IDs.</summary>
    public static IReadOnlyList<ulong> ParseIds(byte[] body)
    {
        var reader = new JdwpReader(body);
        var count = reader.ReadCount(8);
        var ids = new List<ulong>(count);
        for (var i = 0; i < count; i++)
        {
            ids.Add(reader.ReadId(8));
        }

        if (reader.Remaining != 0)
        {
            throw new InvalidOperationException($"{reader.Remaining} bytes left after {count} 8-byte IDs: IDs are not 8 bytes?");
        }

        return ids;
    }

    private async Task<byte[]> ReceiveExactlyAsync(int count, TimeSpan timeout)
    {
        var buffer = new byte[count];
        using var cts = new CancellationTokenSource(timeout);
        var received = 0;
        try
        {
            while (received < count)
            {
                var read = await _socket.ReceiveAsync(buffer.AsMemory(received), SocketFlags.None, cts.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new EndOfStreamException($"The gateway closed the connection after {received} of {count} bytes");
                }

                received += read;
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"Received {received} of {count} bytes within {timeout.TotalSeconds:0} s");
        }

        return buffer;
    }
}
