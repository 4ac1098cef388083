using System.Net;
using System.Net.Sockets;
using JdwpGateway.Protocol.Capture;
using JdwpGateway.Protocol.Decoding;
using JdwpGateway.Protocol.Transport;
using Xunit;

namespace JdwpGateway.Protocol.Tests.Capture;

/// <summary>
/// <see cref="CaptureTap"/> on real <see cref="JdwpConnection"/>s over loopback: both ends of one connection record
/// into one capture, each from its own side, and what they record is exactly what crossed, in the right direction.
/// </summary>
public sealed class CaptureTapTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Both_ends_record_the_handshake_and_every_packet_with_the_right_direction()
    {
        using var stream = new MemoryStream();
        using var writer = new CaptureWriter(stream, leaveOpen: true);
        var (client, server) = await SocketPairAsync();

        // The gateway plays the debugger to a node and the VM to a debugger: one tap of each kind.
        await using (var debuggerSide = new JdwpConnection(client, "node-a@session#1", tap: CaptureTap.ForNodeConnection(writer)))
        await using (var vmSide = new JdwpConnection(server, "debugger#1", tap: CaptureTap.ForDebuggerConnection(writer)))
        {
            await Task.WhenAll(debuggerSide.HandshakeAsDebuggerAsync(CancellationToken.None), vmSide.HandshakeAsVmAsync(CancellationToken.None)).WaitAsync(Timeout);
            await debuggerSide.SendAsync(JdwpPacket.NewCommand(1, 1, 1, []));
            Assert.NotNull(await vmSide.ReadPacketAsync(CancellationToken.None).AsTask().WaitAsync(Timeout));
            await vmSide.SendAsync(JdwpPacket.NewReply(1, 0, new Bytes().Str("v").I32(17).I32(0).Str("17").Str("vm").ToArray()));
            Assert.NotNull(await debuggerSide.ReadPacketAsync(CancellationToken.None).AsTask().WaitAsync(Timeout));
        }

        var records = CaptureReader.Read(stream.ToArray()).Records;

        // Each side recorded every byte: handshake twice (sent, received) and each packet twice.
        foreach (var connection in new[] { "node-a@session#1", "debugger#1" })
        {
            var mine = records.Where(r => r.Connection == connection).ToList();
            Assert.Equal(4, mine.Count);
            Assert.Equal("JDWP-Handshake"u8.ToArray(), Concat(mine.Where(r => r.Direction == CaptureDirection.ToVm)).Take(14));
            Assert.Equal("JDWP-Handshake"u8.ToArray(), Concat(mine.Where(r => r.Direction == CaptureDirection.FromVm)).Take(14));
            Assert.Equal(Bytes.Command(1, 1, 1, []), Concat(mine.Where(r => r.Direction == CaptureDirection.ToVm)).Skip(14));
        }

        var items = CaptureDecoder.DecodeAll(records).ToList();
        Assert.DoesNotContain(items, i => i.Kind == CaptureItemKind.Problem);
        Assert.Equal(4, items.Count(i => i.Kind == CaptureItemKind.Packet));
        Assert.All(items.Where(i => i.Packet?.IsReply == true), i => Assert.Equal("VirtualMachine.Version", i.Packet!.Name));
    }

    [Fact]
    public async Task Bytes_that_break_the_framing_are_recorded_before_the_connection_gives_up()
    {
        using var stream = new MemoryStream();
        using var writer = new CaptureWriter(stream, leaveOpen: true);
        var (client, server) = await SocketPairAsync();
        using (client)
        await using (var vm = new JdwpConnection(server, "debugger#2", tap: CaptureTap.ForDebuggerConnection(writer)))
        {
            var handshake = vm.HandshakeAsVmAsync(CancellationToken.None);
            await client.SendAsync("JDWP-Handshake"u8.ToArray());
            await handshake.WaitAsync(Timeout);
            await client.SendAsync(new Bytes().I32(5).I32(77).U8(0).U8(1).U8(1).ToArray()); // length 5 < 11
            await Assert.ThrowsAsync<JdwpProtocolException>(() => vm.ReadPacketAsync(CancellationToken.None).AsTask().WaitAsync(Timeout));
        }

        var records = CaptureReader.Read(stream.ToArray()).Records;
        Assert.Equal(new Bytes().I32(5).I32(77).U8(0).U8(1).U8(1).ToArray(), records[^1].Data.ToArray());

        // The decoder finds the same problem in the capture, naming connection, packet id and offset.
        var problem = Assert.Single(CaptureDecoder.DecodeAll(records), i => i.Kind == CaptureItemKind.Problem);
        Assert.True(problem.IsError);
        Assert.Contains("debugger#2 ToVm, packet id 77, at byte offset 14", problem.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_writer_stops_the_tap_but_not_the_connection()
    {
        using var writer = new CaptureWriter(new FailingStream(), leaveOpen: true);
        var tap = CaptureTap.ForDebuggerConnection(writer);
        var (client, server) = await SocketPairAsync();
        await using var debugger = new JdwpConnection(client, "debugger-side");
        await using var vm = new JdwpConnection(server, "debugger#9", tap: tap);

        await Task.WhenAll(debugger.HandshakeAsDebuggerAsync(CancellationToken.None), vm.HandshakeAsVmAsync(CancellationToken.None)).WaitAsync(Timeout);
        await debugger.SendAsync(JdwpPacket.NewCommand(1, 1, 1, []));
        Assert.NotNull(await vm.ReadPacketAsync(CancellationToken.None).AsTask().WaitAsync(Timeout));
        await vm.SendAsync(JdwpPacket.NewReply(1, 0, []));
        Assert.NotNull(await debugger.ReadPacketAsync(CancellationToken.None).AsTask().WaitAsync(Timeout));

        Assert.IsType<IOException>(tap.Failure);
    }

    private static byte[] Concat(IEnumerable<CaptureRecord> records) => [.. records.SelectMany(r => r.Data.ToArray())];

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

    /// <summary>Accepts the file header, then fails every write as a full disk would.</summary>
    private sealed class FailingStream : MemoryStream
    {
        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (Length > 0)
            {
                throw new IOException("No space left on device");
            }

            base.Write(buffer);
        }
    }
}
