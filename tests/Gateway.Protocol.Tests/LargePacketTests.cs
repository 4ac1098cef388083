using System.Net;
using System.Net.Sockets;
using JdwpGateway.Protocol.Encoding;
using JdwpGateway.Protocol.Spec;
using JdwpGateway.Protocol.Transport;
using Xunit;

namespace JdwpGateway.Protocol.Tests;

/// <summary>Packets as large as real sessions produce: a 16 MB primitive array read, a large RedefineClasses.</summary>
public sealed class LargePacketTests
{
    private const int SixteenMegabytes = 16 * 1024 * 1024;

    /// <summary>ArrayReference.GetValues reply holding a byte[] region of <paramref name="length"/> elements.</summary>
    private static byte[] ByteArrayRegionReply(int length)
    {
        var writer = new JdwpWriter(length + 16).Byte((byte)'B').Int(length);
        var bytes = new byte[length];
        new Random(7).NextBytes(bytes);
        return writer.Bytes(bytes).ToArray();
    }

    [Fact]
    public async Task A_16_MB_reply_crosses_a_real_connection_intact()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var accept = listener.AcceptSocketAsync();
        var client = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        await using var vm = new JdwpConnection(await accept, "vm");
        await using var debugger = new JdwpConnection(client, "debugger");
        var body = ByteArrayRegionReply(SixteenMegabytes);

        var send = vm.SendAsync(JdwpPacket.NewReply(42, 0, body)).AsTask();
        var received = await debugger.ReadPacketAsync(CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(60));
        await send.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.NotNull(received);
        Assert.Equal(42, received.Id);
        Assert.Equal(body, received.Body);
    }

    [Fact]
    public async Task A_packet_over_the_configured_limit_is_refused_before_its_body_is_read()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var accept = listener.AcceptSocketAsync();
        var client = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        await using var vm = new JdwpConnection(await accept, "vm");
        await using var debugger = new JdwpConnection(client, "debugger", maxPacketLength: 1024 * 1024);

        // Only the header is sent: the limit must be enforced from it alone.
        var header = new byte[JdwpPacket.HeaderLength];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header, SixteenMegabytes);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), 9);
        header[8] = JdwpPacket.ReplyFlag;
        await (await accept).SendAsync(header);

        var ex = await Assert.ThrowsAsync<JdwpProtocolException>(() => debugger.ReadPacketAsync(CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(9, ex.PacketId);
        Assert.Contains("maxPacketLength", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_16_MB_array_region_and_a_large_RedefineClasses_are_rewritten_byte_exact()
    {
        var reply = ByteArrayRegionReply(SixteenMegabytes);
        var mapper = new IdentityMapper();
        Assert.Equal(reply, PacketRewriter.Rewrite(reply, JdwpSpec.Find(13, 2)!.Reply, IdSizes.Eight, IdSizes.Eight, mapper));

        var classFile = new byte[2 * 1024 * 1024];
        new Random(3).NextBytes(classFile);
        var redefine = new JdwpWriter().Int(1).Id(0x1234, 8).Int(classFile.Length).Bytes(classFile).ToArray();
        Assert.Equal(redefine, PacketRewriter.Rewrite(redefine, JdwpSpec.Find(1, 18)!.Out, IdSizes.Eight, IdSizes.Eight, mapper));
    }

    private sealed class IdentityMapper : IIdMapper
    {
        public ulong Map(IdKind kind, ulong id, ulong contextType) => id;

        public int MapRequest(int requestId) => requestId;

        public byte UntaggedTag(UntaggedSource source, ulong subject, ulong contextType) => (byte)'V';
    }
}
