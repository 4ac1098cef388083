using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using JdwpGateway.Protocol.Framing;
using JdwpGateway.Protocol.Transport;
using Xunit;

namespace JdwpGateway.Protocol.Tests;

/// <summary>JdwpConnection and JdwpCommandChannel over real loopback sockets. Every wait is bounded, so a bug fails instead of hanging.</summary>
public class JdwpConnectionTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private static readonly byte[] Handshake = [.. "JDWP-Handshake".Select(c => (byte)c)];

    [Fact]
    public async Task Constructor_SetsTcpNoDelayOnTheSocket()
    {
        var (client, server) = await SocketPairAsync();
        client.NoDelay = false;
        server.NoDelay = false;

        await using var debugger = new JdwpConnection(client, "debugger");
        await using var vm = new JdwpConnection(server, "vm");

        Assert.True(client.NoDelay);
        Assert.True(server.NoDelay);
    }

    [Fact]
    public async Task ConnectAsync_ThenHandshakeAsDebugger_SendsAndExpectsPreface()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var accept = listener.AcceptSocketAsync();

        await using var debugger = await JdwpConnection.ConnectAsync("127.0.0.1", port, "debugger", JdwpFrameReader.DefaultMaxPacketLength, CancellationToken.None).WaitAsync(Timeout);
        using var raw = await accept.WaitAsync(Timeout);
        var handshake = debugger.HandshakeAsDebuggerAsync(CancellationToken.None);

        Assert.Equal(Handshake, await ReceiveExactlyAsync(raw, 14));
        await raw.SendAsync(Handshake);
        await handshake.WaitAsync(Timeout);
    }

    [Fact]
    public async Task SendCommandAsync_and_SendReplyAsync_write_a_slice_as_a_whole_packet()
    {
        var (debugger, vm) = await ConnectionPairAsync();
        await using (debugger)
        await using (vm)
        {
            await Task.WhenAll(
                debugger.HandshakeAsDebuggerAsync(CancellationToken.None),
                vm.HandshakeAsVmAsync(CancellationToken.None)).WaitAsync(Timeout);

            var buffer = new byte[] { 0xEE, 1, 2, 3, 0xEE };
            await debugger.SendCommandAsync(7, 11, 6, buffer.AsMemory(1, 3));
            buffer[2] = 0x55; // the bytes were copied when the send completed: changing the buffer changes nothing sent
            await vm.SendReplyAsync(7, 21, buffer.AsMemory(1, 2));
            var command = await vm.ReadPacketAsync(CancellationToken.None).AsTask().WaitAsync(Timeout);
            var reply = await debugger.ReadPacketAsync(CancellationToken.None).AsTask().WaitAsync(Timeout);

            Assert.Equal((7, false, (byte)11, (byte)6), (command!.Id, command.IsReply, command.CommandSet, command.Command));
            Assert.Equal([1, 2, 3], command.Body);
            Assert.Equal((7, true, (short)21), (reply!.Id, reply.IsReply, reply.ErrorCode));
            Assert.Equal([1, 0x55], reply.Body);
        }
    }

    [Fact]
    public async Task Handshake_DebuggerAndVm_BothComplete()
    {
        var (debugger, vm) = await ConnectionPairAsync();
        await using (debugger)
        await using (vm)
        {
            await Task.WhenAll(
                debugger.HandshakeAsDebuggerAsync(CancellationToken.None),
                vm.HandshakeAsVmAsync(CancellationToken.None)).WaitAsync(Timeout);

            await debugger.SendAsync(JdwpPacket.NewCommand(1, 1, 1, []));
            var packet = await vm.ReadPacketAsync(CancellationToken.None).AsTask().WaitAsync(Timeout);
            Assert.Equal(1, packet!.Id);
        }
    }

    [Fact]
    public async Task ReadPacketAsync_BurstOfPacketsInOneWrite_ReturnsAllWithoutFurtherBytes()
    {
        var (client, server) = await SocketPairAsync();
        using (client)
        await using (var vm = new JdwpConnection(server, "vm"))
        {
            var handshake = vm.HandshakeAsVmAsync(CancellationToken.None);
            await client.SendAsync(Handshake);
            await handshake.WaitAsync(Timeout);
            Assert.Equal(Handshake, await ReceiveExactlyAsync(client, 14));

            // 200 packets in a single send: they arrive together, and the sender then stays silent (but connected).
            var burst = Enumerable.Range(1, 200).SelectMany(i => Bytes.Command(i, 11, 6, new byte[i % 17])).ToArray();
            await client.SendAsync(burst);

            for (var i = 1; i <= 200; i++)
            {
                var packet = await vm.ReadPacketAsync(CancellationToken.None).AsTask().WaitAsync(Timeout);
                Assert.NotNull(packet);
                Assert.Equal(i, packet.Id);
                Assert.Equal(i % 17, packet.Body.Length);
            }
        }
    }

    [Fact]
    public async Task SendAsync_ConcurrentSenders_PacketsNeverInterleave()
    {
        var (debugger, vm) = await HandshakenPairAsync();
        await using (debugger)
        await using (vm)
        {
            var senders = Enumerable.Range(0, 4).Select(s => Task.Run(async () =>
            {
                for (var i = 0; i < 50; i++)
                {
                    var id = (s * 50) + i + 1;
                    await debugger.SendAsync(JdwpPacket.NewCommand(id, 9, 2, Enumerable.Repeat((byte)id, 100 + id).ToArray()));
                }
            })).ToArray();

            var seen = new HashSet<int>();
            for (var n = 0; n < 200; n++)
            {
                var packet = await vm.ReadPacketAsync(CancellationToken.None).AsTask().WaitAsync(Timeout);
                Assert.NotNull(packet);
                Assert.Equal(100 + packet.Id, packet.Body.Length);
                Assert.All(packet.Body, b => Assert.Equal((byte)packet.Id, b));
                Assert.True(seen.Add(packet.Id));
            }

            await Task.WhenAll(senders).WaitAsync(Timeout);
            Assert.Equal(200, seen.Count);
        }
    }

    [Theory]
    [InlineData(5)]
    [InlineData(9)]
    [InlineData(11)]
    [InlineData(20)]
    public async Task ReadPacketAsync_PeerClosesInsidePacket_ThrowsClosedInsideAPacket(int sent)
    {
        var (client, server) = await SocketPairAsync();
        using (client)
        await using (var vm = new JdwpConnection(server, "vm#1"))
        {
            var wire = Bytes.Command(0x1234, 1, 1, new byte[20]);
            await client.SendAsync(wire.AsMemory(0, sent));
            client.Shutdown(SocketShutdown.Send);

            var ex = await Assert.ThrowsAsync<JdwpProtocolException>(() => vm.ReadPacketAsync(CancellationToken.None).AsTask().WaitAsync(Timeout));

            Assert.Contains("closed inside a packet", ex.Message, StringComparison.Ordinal);
            Assert.Equal("vm#1", ex.Connection);
            Assert.Equal(sent >= 8 ? 0x1234 : null, ex.PacketId);
            Assert.Equal(sent, ex.Offset);
        }
    }

    [Fact]
    public async Task ReadPacketAsync_PeerClosesBetweenPackets_ReturnsNull()
    {
        var (client, server) = await SocketPairAsync();
        using (client)
        await using (var vm = new JdwpConnection(server, "vm"))
        {
            await client.SendAsync(Bytes.Command(1, 1, 1, [1]));
            client.Shutdown(SocketShutdown.Send);

            Assert.NotNull(await vm.ReadPacketAsync(CancellationToken.None).AsTask().WaitAsync(Timeout));
            Assert.Null(await vm.ReadPacketAsync(CancellationToken.None).AsTask().WaitAsync(Timeout));
        }
    }

    [Fact]
    public async Task ReadPacketAsync_HandshakeAndPacketInOneSegment_ReadsPacket()
    {
        var (client, server) = await SocketPairAsync();
        using (client)
        await using (var vm = new JdwpConnection(server, "vm"))
        {
            await client.SendAsync(Handshake.Concat(Bytes.Command(5, 1, 7, [])).ToArray());

            await vm.HandshakeAsVmAsync(CancellationToken.None).WaitAsync(Timeout);
            var packet = await vm.ReadPacketAsync(CancellationToken.None).AsTask().WaitAsync(Timeout);

            Assert.NotNull(packet);
            Assert.Equal(5, packet.Id);
            Assert.Equal(7, packet.Command);
        }
    }

    [Fact]
    public async Task ReadPacketAsync_VmAnswersHandshakeWithEventInSameSegment_DebuggerReadsEvent()
    {
        var (client, server) = await SocketPairAsync();
        using (server)
        await using (var debugger = new JdwpConnection(client, "debugger"))
        {
            var handshake = debugger.HandshakeAsDebuggerAsync(CancellationToken.None);
            Assert.Equal(Handshake, await ReceiveExactlyAsync(server, 14));
            var vmStart = new Bytes().U8(2).I32(1).U8(90).I32(0).Id(1).ToArray();
            await server.SendAsync(Handshake.Concat(Bytes.Command(1, 64, 100, vmStart)).ToArray());

            await handshake.WaitAsync(Timeout);
            var packet = await debugger.ReadPacketAsync(CancellationToken.None).AsTask().WaitAsync(Timeout);

            Assert.NotNull(packet);
            Assert.Equal(64, packet.CommandSet);
            Assert.Equal(vmStart, packet.Body);
        }
    }

    [Fact]
    public async Task ReadPacketAsync_HandshakeTrickledBytewise_ThenPacket()
    {
        var (client, server) = await SocketPairAsync();
        using (client)
        await using (var vm = new JdwpConnection(server, "vm"))
        {
            var handshake = vm.HandshakeAsVmAsync(CancellationToken.None);
            foreach (var b in Handshake)
            {
                await client.SendAsync(new[] { b });
                await Task.Delay(1);
            }

            await handshake.WaitAsync(Timeout);
            await client.SendAsync(Bytes.Command(3, 1, 1, []));
            Assert.Equal(3, (await vm.ReadPacketAsync(CancellationToken.None).AsTask().WaitAsync(Timeout))!.Id);
        }
    }

    [Fact]
    public async Task ReadHandshake_PeerSendsGarbage_ThrowsWithOffset()
    {
        var (client, server) = await SocketPairAsync();
        using (client)
        await using (var vm = new JdwpConnection(server, "vm"))
        {
            await client.SendAsync("JDWP-Hello!!!!"u8.ToArray());

            var ex = await Assert.ThrowsAsync<JdwpProtocolException>(() => vm.HandshakeAsVmAsync(CancellationToken.None).WaitAsync(Timeout));

            Assert.Equal(6, ex.Offset);
        }
    }

    [Fact]
    public async Task ReadHandshake_PeerClosesEarly_Throws()
    {
        var (client, server) = await SocketPairAsync();
        using (client)
        await using (var vm = new JdwpConnection(server, "vm"))
        {
            await client.SendAsync(Handshake.AsMemory(0, 4));
            client.Shutdown(SocketShutdown.Send);

            var ex = await Assert.ThrowsAsync<JdwpProtocolException>(() => vm.HandshakeAsVmAsync(CancellationToken.None).WaitAsync(Timeout));

            Assert.Contains("handshake", ex.Problem, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ReadPacketAsync_FramingErrorAfterHandshakeAndPacket_ReportsStreamOffset()
    {
        var (client, server) = await SocketPairAsync();
        using (client)
        await using (var vm = new JdwpConnection(server, "vm#9"))
        {
            // 14 handshake bytes, one 12-byte packet, then a packet with an unknown flag bit (flags at +8).
            await client.SendAsync(Handshake.Concat(Bytes.Command(1, 1, 1, [0])).Concat(Bytes.Packet(2, 0x02, 1, 1, [])).ToArray());

            await vm.HandshakeAsVmAsync(CancellationToken.None).WaitAsync(Timeout);
            Assert.NotNull(await vm.ReadPacketAsync(CancellationToken.None).AsTask().WaitAsync(Timeout));
            var ex = await Assert.ThrowsAsync<JdwpProtocolException>(() => vm.ReadPacketAsync(CancellationToken.None).AsTask().WaitAsync(Timeout));

            Assert.Equal("vm#9", ex.Connection);
            Assert.Equal(2, ex.PacketId);
            Assert.Equal(14 + 12 + 8, ex.Offset);
        }
    }

    [Fact]
    public async Task ReadPacketAsync_MaxPacketLengthFromConstructor_IsEnforced()
    {
        var (client, server) = await SocketPairAsync();
        using (client)
        await using (var vm = new JdwpConnection(server, "vm", maxPacketLength: 100))
        {
            await client.SendAsync(Bytes.Command(1, 1, 1, new byte[100]));

            var ex = await Assert.ThrowsAsync<JdwpProtocolException>(() => vm.ReadPacketAsync(CancellationToken.None).AsTask().WaitAsync(Timeout));

            Assert.Contains("maxPacketLength", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task CommandChannel_RepliesOutOfOrder_MatchedById()
    {
        var (debugger, vm) = await HandshakenPairAsync();
        await using var channel = new JdwpCommandChannel(debugger);
        await using (vm)
        {
            channel.Start(_ => ValueTask.CompletedTask);
            var calls = Enumerable.Range(0, 5).Select(i => channel.SendCommandAsync(1, (byte)(i + 1), [(byte)i])).ToArray();

            var commands = new List<JdwpPacket>();
            for (var i = 0; i < calls.Length; i++)
            {
                commands.Add((await vm.ReadPacketAsync(CancellationToken.None).AsTask().WaitAsync(Timeout))!);
            }

            // Answer in reverse arrival order; each reply's body echoes the command byte it answers.
            foreach (var command in Enumerable.Reverse(commands))
            {
                await vm.SendAsync(JdwpPacket.NewReply(command.Id, 0, [command.Command]));
            }

            var replies = await Task.WhenAll(calls).WaitAsync(Timeout);
            for (var i = 0; i < calls.Length; i++)
            {
                Assert.True(replies[i].IsReply);
                Assert.Equal(new[] { (byte)(i + 1) }, replies[i].Body);
            }

            Assert.Equal(commands.Count, commands.Select(c => c.Id).Distinct().Count());
        }
    }

    [Fact]
    public async Task CommandChannel_EventsFromVm_GoToCallbackInOrder()
    {
        var (debugger, vm) = await HandshakenPairAsync();
        await using var channel = new JdwpCommandChannel(debugger);
        await using (vm)
        {
            var events = new ConcurrentQueue<int>();
            var allSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            channel.Start(packet =>
            {
                Assert.False(packet.IsReply);
                events.Enqueue(packet.Id);
                if (events.Count == 50)
                {
                    allSeen.TrySetResult();
                }

                return ValueTask.CompletedTask;
            });

            var call = channel.SendCommandAsync(1, 1, []);
            var command = (await vm.ReadPacketAsync(CancellationToken.None).AsTask().WaitAsync(Timeout))!;
            for (var i = 1; i <= 50; i++)
            {
                await vm.SendAsync(JdwpPacket.NewCommand(1000 + i, 64, 100, [(byte)i]));
                if (i == 25)
                {
                    // A reply in the middle of the events must not disturb their order.
                    await vm.SendAsync(JdwpPacket.NewReply(command.Id, 0, [42]));
                }
            }

            await allSeen.Task.WaitAsync(Timeout);
            Assert.Equal(Enumerable.Range(1001, 50), events);
            Assert.Equal(new byte[] { 42 }, (await call.WaitAsync(Timeout)).Body);
        }
    }

    [Fact]
    public async Task CommandChannel_PeerDisconnects_PendingCommandsFailWithIOException()
    {
        var (debugger, vm) = await HandshakenPairAsync();
        await using var channel = new JdwpCommandChannel(debugger);
        channel.Start(_ => ValueTask.CompletedTask);

        var first = channel.SendCommandAsync(1, 1, []);
        var second = channel.SendCommandAsync(1, 7, []);
        await vm.ReadPacketAsync(CancellationToken.None).AsTask().WaitAsync(Timeout);
        await vm.ReadPacketAsync(CancellationToken.None).AsTask().WaitAsync(Timeout);
        await vm.DisposeAsync();

        await Assert.ThrowsAsync<IOException>(() => first.WaitAsync(Timeout));
        await Assert.ThrowsAsync<IOException>(() => second.WaitAsync(Timeout));
        Assert.Null(await channel.Completion.WaitAsync(Timeout));

        // Once closed, new commands fail at once instead of waiting forever.
        await Assert.ThrowsAsync<IOException>(() => channel.SendCommandAsync(1, 1, []).WaitAsync(Timeout));
    }

    [Fact]
    public async Task CommandChannel_VmSendsMalformedPacket_PendingFailAndCompletionCarriesReason()
    {
        var (client, server) = await SocketPairAsync();
        using (server)
        {
            var connection = new JdwpConnection(client, "node-a#1");
            var handshake = connection.HandshakeAsDebuggerAsync(CancellationToken.None);
            Assert.Equal(Handshake, await ReceiveExactlyAsync(server, 14));
            await server.SendAsync(Handshake);
            await handshake.WaitAsync(Timeout);

            await using var channel = new JdwpCommandChannel(connection);
            channel.Start(_ => ValueTask.CompletedTask);
            var call = channel.SendCommandAsync(1, 1, []);
            await ReceiveExactlyAsync(server, 11);
            await server.SendAsync(Bytes.Packet(1, 0x81, 0, 0, []));

            var ex = await Assert.ThrowsAsync<IOException>(() => call.WaitAsync(Timeout));
            var reason = await channel.Completion.WaitAsync(Timeout);
            Assert.IsType<JdwpProtocolException>(reason);
            Assert.Same(reason, ex.InnerException);
        }
    }

    [Fact]
    public async Task CommandChannel_Cancellation_CancelsOnlyThatCommand()
    {
        var (debugger, vm) = await HandshakenPairAsync();
        await using var channel = new JdwpCommandChannel(debugger);
        await using (vm)
        {
            channel.Start(_ => ValueTask.CompletedTask);
            using var cts = new CancellationTokenSource();
            var cancelled = channel.SendCommandAsync(1, 1, [], cts.Token);
            var kept = channel.SendCommandAsync(1, 2, []);
            var c1 = (await vm.ReadPacketAsync(CancellationToken.None).AsTask().WaitAsync(Timeout))!;
            var c2 = (await vm.ReadPacketAsync(CancellationToken.None).AsTask().WaitAsync(Timeout))!;

            await cts.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(Timeout));

            // A late reply to the cancelled command is dropped; the other still gets its own.
            await vm.SendAsync(JdwpPacket.NewReply(c1.Id, 0, [1]));
            await vm.SendAsync(JdwpPacket.NewReply(c2.Id, 0, [2]));
            Assert.Equal(new byte[] { 2 }, (await kept.WaitAsync(Timeout)).Body);
        }
    }

    private static async Task<(Socket Client, Socket Server)> SocketPairAsync()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var accept = listener.AcceptSocketAsync();
        await client.ConnectAsync(listener.LocalEndpoint).WaitAsync(Timeout);
        var server = await accept.WaitAsync(Timeout);
        listener.Stop();
        return (client, server);
    }

    private static async Task<(JdwpConnection Debugger, JdwpConnection Vm)> ConnectionPairAsync()
    {
        var (client, server) = await SocketPairAsync();
        return (new JdwpConnection(client, "debugger#1"), new JdwpConnection(server, "vm#1"));
    }

    private static async Task<(JdwpConnection Debugger, JdwpConnection Vm)> HandshakenPairAsync()
    {
        var (debugger, vm) = await ConnectionPairAsync();
        await Task.WhenAll(
            debugger.HandshakeAsDebuggerAsync(CancellationToken.None),
            vm.HandshakeAsVmAsync(CancellationToken.None)).WaitAsync(Timeout);
        return (debugger, vm);
    }

    private static async Task<byte[]> ReceiveExactlyAsync(Socket socket, int count)
    {
        var buffer = new byte[count];
        var received = 0;
        while (received < count)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(received)).AsTask().WaitAsync(Timeout);
            if (n == 0)
            {
                throw new IOException($"peer closed after {received} of {count} bytes");
            }

            received += n;
        }

        return buffer;
    }
}
