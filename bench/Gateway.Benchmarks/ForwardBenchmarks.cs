using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using JdwpGateway.Protocol;
using JdwpGateway.Protocol.Encoding;
using JdwpGateway.Protocol.Transport;

namespace JdwpGateway.Benchmarks;

/// <summary>
/// What the gateway does to forward one reply to the debugger: translate its IDs and write it to the debugger's
/// <see cref="JdwpConnection"/> (a real loopback socket, drained by a thread on the other end). Before: the rewrite
/// overload that returns a new array, wrapped in a <see cref="JdwpPacket"/> (what DebugSession did). After: a writer
/// rented from the array pool, sent as a slice and returned (what it does now). "Allocated" is bytes per forwarded reply.
/// </summary>
[MemoryDiagnoser]
public class ForwardBenchmarks
{
    private SamplePacket _sample = null!;
    private DictionaryMapper _translate = null!;
    private Socket _listener = null!;
    private Socket _peer = null!;
    private JdwpConnection _connection = null!;
    private Thread _drain = null!;
    private volatile bool _stopping;
    private int _id;

    /// <summary>The reply forwarded.</summary>
    [Params("Frames50", "AllClasses5000")]
    public string Packet { get; set; } = "Frames50";

    [GlobalSetup]
    public void Setup()
    {
        _sample = SamplePackets.Get(Packet);
        _translate = new DictionaryMapper(_sample.Ids, _sample.RequestIds);
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(1);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.Connect(_listener.LocalEndPoint!);
        _peer = _listener.Accept();
        _connection = new JdwpConnection(client, "debugger#bench");
        _drain = new Thread(Drain) { IsBackground = true, Name = "drain" };
        _drain.Start();
        for (var i = 0; i < 200; i++)
        {
            ForwardToArray().GetAwaiter().GetResult();
            ForwardRented().GetAwaiter().GetResult();
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _stopping = true;
        _connection.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _peer.Dispose();
        _listener.Dispose();
        _drain.Join(5000);
    }

    /// <summary>Before: a new array from the rewrite, a packet around it, copied into the connection's pipe.</summary>
    [Benchmark(Baseline = true)]
    public async Task ForwardToArray()
    {
        var body = PacketRewriter.Rewrite(_sample.Body, _sample.Layout, IdSizes.Eight, IdSizes.Eight, _translate);
        await _connection.SendAsync(JdwpPacket.NewReply(++_id, 0, body)).ConfigureAwait(false);
    }

    /// <summary>After: rewritten into a rented writer, its bytes copied into the connection's pipe, the writer returned.</summary>
    [Benchmark]
    public async Task ForwardRented()
    {
        var body = JdwpWriter.Rent(_sample.Body.Length);
        try
        {
            PacketRewriter.Rewrite(_sample.Body, _sample.Layout, IdSizes.Eight, IdSizes.Eight, _translate, body);
            await _connection.SendReplyAsync(++_id, 0, body.WrittenMemory).ConfigureAwait(false);
        }
        finally
        {
            body.Return();
        }
    }

    private void Drain()
    {
        var buffer = new byte[1 << 20];
        try
        {
            while (!_stopping && _peer.Receive(buffer) > 0)
            {
            }
        }
        catch (SocketException)
        {
            // The connection closed at cleanup.
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
