using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using JdwpGateway.Protocol;
using JdwpGateway.Protocol.Encoding;

namespace JdwpGateway.EndToEnd.Tests.BadInput;

/// <summary>How a <see cref="FakeNode"/> misbehaves after the handshake.</summary>
public enum FakeNodeBehavior
{
    /// <summary>Right after the handshake, writes a header whose length field is 0x7fffffff.</summary>
    GarbageAfterHandshake,

    /// <summary>Answers IDSizes and Version like an agent, then writes a header whose length field is 0x7fffffff.</summary>
    GarbageAfterVersion,

    /// <summary>Answers IDSizes and Version, then sends a well-framed Event.Composite whose event kind does not exist.</summary>
    MalformedEventAfterVersion,

    /// <summary>Answers IDSizes and Version, then answers VirtualMachine.AllThreads with a count of 3 but only 5 bytes of IDs.</summary>
    MalformedAllThreadsReply,

    /// <summary>Accepts the connection and never answers the handshake.</summary>
    NeverHandshakes,

    /// <summary>
    /// A well-behaved agent with a vendor command set (<see cref="FakeNode.VendorSet"/>), standing in for a VM this
    /// machine cannot run (Android's DDM): it answers each vendor command with its body reversed, and after the first
    /// one sends a vendor command of its own and records the debugger's reply.
    /// </summary>
    VendorCommands,
}

/// <summary>
/// A TCP listener pretending to be a JDWP agent: it handshakes, then misbehaves. It accepts every connection
/// (the gateway retries) until disposed.
/// </summary>
public sealed class FakeNode : IAsyncDisposable
{
    /// <summary>Packet id of the garbage header the fake node sends.</summary>
    public const int GarbagePacketId = 0x0BADF00D;

    /// <summary>Packet id of the malformed event the fake node sends.</summary>
    public const int BadEventPacketId = 0x0EE0EE;

    /// <summary>The vendor command set of <see cref="FakeNodeBehavior.VendorCommands"/> (Android's DDM set).</summary>
    public const byte VendorSet = 0xC7;

    /// <summary>Packet id of the vendor command the fake node sends.</summary>
    public const int VendorCommandId = 0x00C7C7;

    /// <summary>Body of the vendor command the fake node sends: bytes no layout could explain, NUL and 0xFF included.</summary>
    public static readonly byte[] VendorCommandBody = [0x48, 0x45, 0x4C, 0x4F, 0x00, 0xFF, 0x01, 0x02];

    private static readonly byte[] Handshake = "JDWP-Handshake"u8.ToArray();

    private readonly Socket _listener;
    private readonly FakeNodeBehavior _behavior;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _connections = [];
    private readonly List<Socket> _sockets = [];
    private readonly Task _acceptLoop;
    private int _accepted;
    private long _garbageOffset = -1;
    private int _badReplyId = -1;
    private readonly TaskCompletionSource<JdwpPacket> _vendorReply = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Listens on a free loopback port.</summary>
    public FakeNode(FakeNodeBehavior behavior)
    {
        _behavior = behavior;
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(16);
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        _acceptLoop = AcceptLoopAsync();
    }

    /// <summary>The port the fake node listens on.</summary>
    public int Port { get; }

    /// <summary>Stream offset of the last garbage header sent (bytes written before it, the handshake included); -1 before any.</summary>
    public long GarbageOffset => Interlocked.Read(ref _garbageOffset);

    /// <summary>Packet id of the last malformed AllThreads reply sent; -1 before any.</summary>
    public int BadReplyId => Volatile.Read(ref _badReplyId);

    /// <summary>The reply the fake node received to its vendor command (<see cref="FakeNodeBehavior.VendorCommands"/>).</summary>
    public Task<JdwpPacket> VendorReply => _vendorReply.Task;

    /// <summary>How many connections the gateway opened so far.</summary>
    public int Accepted => Volatile.Read(ref _accepted);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Dispose();
        lock (_sockets)
        {
            foreach (var socket in _sockets)
            {
                socket.Dispose();
            }
        }

        Task[] pending;
        lock (_connections)
        {
            pending = [.. _connections, _acceptLoop];
        }

        try
        {
            await Task.WhenAll(pending).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or IOException or ObjectDisposedException or TimeoutException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            Interlocked.Increment(ref _accepted);
            lock (_sockets)
            {
                _sockets.Add(socket);
            }

            lock (_connections)
            {
                _connections.Add(ServeAsync(socket, _stop.Token));
            }
        }
    }

    private async Task ServeAsync(Socket socket, CancellationToken token)
    {
        try
        {
            socket.NoDelay = true;
            if (_behavior == FakeNodeBehavior.NeverHandshakes)
            {
                var sink = new byte[256];
                while (await socket.ReceiveAsync(sink, SocketFlags.None, token).ConfigureAwait(false) > 0)
                {
                }

                return;
            }

            await ReceiveExactlyAsync(socket, Handshake.Length, token).ConfigureAwait(false);
            await socket.SendAsync(Handshake, SocketFlags.None, token).ConfigureAwait(false);
            long written = Handshake.Length;
            if (_behavior == FakeNodeBehavior.GarbageAfterHandshake)
            {
                Interlocked.Exchange(ref _garbageOffset, written);
                await SendGarbageAsync(socket, token).ConfigureAwait(false);
            }
            else
            {
                var answered = new HashSet<(byte, byte)>();
                while (!token.IsCancellationRequested)
                {
                    var header = await ReceiveExactlyAsync(socket, JdwpPacket.HeaderLength, token).ConfigureAwait(false);
                    var length = BinaryPrimitives.ReadInt32BigEndian(header);
                    var id = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4));
                    var received = await ReceiveExactlyAsync(socket, length - JdwpPacket.HeaderLength, token).ConfigureAwait(false);
                    if ((header[8] & JdwpPacket.ReplyFlag) != 0)
                    {
                        _vendorReply.TrySetResult(JdwpPacket.NewReply(id, BinaryPrimitives.ReadInt16BigEndian(header.AsSpan(9)), received));
                        continue;
                    }

                    var key = (header[9], header[10]);
                    var reply = key switch
                    {
                        (VendorSet, _) when _behavior == FakeNodeBehavior.VendorCommands => JdwpPacket.NewReply(id, 0, [.. received.Reverse()]),
                        (1, 7) => JdwpPacket.NewReply(id, 0, new JdwpWriter().Int(8).Int(8).Int(8).Int(8).Int(8).ToArray()),
                        (1, 1) => JdwpPacket.NewReply(id, 0, new JdwpWriter().String("fake agent").Int(17).Int(0).String("17.0.0-fake").String("Fake VM").ToArray()),
                        (1, 4) when _behavior == FakeNodeBehavior.MalformedAllThreadsReply => JdwpPacket.NewReply(id, 0, new JdwpWriter().Int(3).Bytes([1, 2, 3, 4, 5]).ToArray()),
                        _ => JdwpPacket.NewReply(id, 99, []),
                    };
                    await SendPacketAsync(socket, reply, token).ConfigureAwait(false);
                    written += reply.Length;
                    answered.Add(key);
                    if (key == (1, 4) && _behavior == FakeNodeBehavior.MalformedAllThreadsReply)
                    {
                        Volatile.Write(ref _badReplyId, id);
                    }

                    if (_behavior == FakeNodeBehavior.VendorCommands)
                    {
                        if (key.Item1 == VendorSet && !_vendorReply.Task.IsCompleted)
                        {
                            var vendor = JdwpPacket.NewCommand(VendorCommandId, VendorSet, 2, VendorCommandBody);
                            await SendPacketAsync(socket, vendor, token).ConfigureAwait(false);
                        }

                        continue;
                    }

                    if (_behavior != FakeNodeBehavior.MalformedAllThreadsReply && answered.Contains((1, 7)) && answered.Contains((1, 1)))
                    {
                        if (_behavior == FakeNodeBehavior.GarbageAfterVersion)
                        {
                            Interlocked.Exchange(ref _garbageOffset, written);
                            await SendGarbageAsync(socket, token).ConfigureAwait(false);
                            break;
                        }

                        // suspendPolicy NONE, one event, of kind 0xEE (no such kind).
                        var body = new JdwpWriter().Byte(0).Int(1).Byte(0xEE).Int(0).Long(0).ToArray();
                        var bad = JdwpPacket.NewCommand(BadEventPacketId, 64, 100, body);
                        await SendPacketAsync(socket, bad, token).ConfigureAwait(false);
                        written += bad.Length;
                        answered.Clear();
                    }
                }
            }

            // Keep the socket open until the gateway closes it.
            var scratch = new byte[4096];
            while (await socket.ReceiveAsync(scratch, SocketFlags.None, token).ConfigureAwait(false) > 0)
            {
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or IOException or ObjectDisposedException)
        {
        }
        finally
        {
            socket.Dispose();
        }
    }

    private static async Task SendGarbageAsync(Socket socket, CancellationToken token)
    {
        var garbage = new byte[JdwpPacket.HeaderLength + 5];
        BinaryPrimitives.WriteInt32BigEndian(garbage, 0x7fffffff);
        BinaryPrimitives.WriteInt32BigEndian(garbage.AsSpan(4), GarbagePacketId);
        garbage.AsSpan(8).Fill(0xAB);
        garbage[8] = 0;
        await socket.SendAsync(garbage, SocketFlags.None, token).ConfigureAwait(false);
    }

    private static async Task SendPacketAsync(Socket socket, JdwpPacket packet, CancellationToken token)
    {
        var bytes = new byte[packet.Length];
        packet.CopyTo(bytes);
        await socket.SendAsync(bytes, SocketFlags.None, token).ConfigureAwait(false);
    }

    private static async Task<byte[]> ReceiveExactlyAsync(Socket socket, int count, CancellationToken token)
    {
        var buffer = new byte[count];
        var received = 0;
        while (received < count)
        {
            var read = await socket.ReceiveAsync(buffer.AsMemory(received), SocketFlags.None, token).ConfigureAwait(false);
            if (read == 0)
            {
                throw new EndOfStreamException();
            }

            received += read;
        }

        return buffer;
    }
}
