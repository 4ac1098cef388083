using System.Net;
using JdwpGateway.Protocol.Encoding;
using JdwpGateway.Protocol.Transport;

namespace Fabric.Runtime.Tests.Support;

/// <summary>A raw JDWP debugger of a gateway under test, and the waits the gateway tests share.</summary>
internal static class GatewayClient
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    /// <summary>Connects to the gateway and handshakes as a debugger.</summary>
    public static async Task<JdwpCommandChannel> AttachAsync(IPEndPoint gateway)
    {
        var connection = await JdwpConnection.ConnectAsync(gateway.Address.ToString(), gateway.Port, "test-debugger", 1 << 24, CancellationToken.None);
        await connection.HandshakeAsDebuggerAsync(new CancellationTokenSource(Wait).Token);
        var channel = new JdwpCommandChannel(connection);
        channel.Start(_ => ValueTask.CompletedTask);
        return channel;
    }

    /// <summary>VirtualMachine.Version's description (it names the nodes behind the gateway).</summary>
    public static async Task<string> VersionAsync(JdwpCommandChannel debugger)
    {
        var reply = await debugger.SendCommandAsync(1, 1, []).WaitAsync(Wait);
        Assert.Equal(0, reply.ErrorCode);
        return new JdwpReader(reply.Body).ReadString();
    }

    /// <summary>The virtual type IDs VirtualMachine.ClassesBySignature answers (the gateway's IDs are 8 bytes).</summary>
    public static async Task<List<ulong>> ClassesBySignatureAsync(JdwpCommandChannel debugger, string signature)
    {
        var reply = await debugger.SendCommandAsync(1, 2, new JdwpWriter().String(signature).ToArray()).WaitAsync(Wait);
        Assert.Equal(0, reply.ErrorCode);
        var reader = new JdwpReader(reply.Body);
        var count = reader.ReadInt32();
        var ids = new List<ulong>(count);
        for (var i = 0; i < count; i++)
        {
            reader.ReadByte();
            ids.Add(reader.ReadId(8));
            reader.ReadInt32();
        }

        return ids;
    }

    /// <summary>Polls <paramref name="condition"/> every 200 ms until it holds, for at most 30 s.</summary>
    public static async Task Until(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{what}: not within {Wait.TotalSeconds:0} s");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>A loopback port free now.</summary>
    public static int FreePort()
    {
        using var l = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
