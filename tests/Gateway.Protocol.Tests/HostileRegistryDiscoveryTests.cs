using System.Net;
using System.Net.Sockets;
using System.Text;
using JdwpGateway.Routing.Config;
using JdwpGateway.Routing.Discovery;
using JdwpGateway.Routing.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace JdwpGateway.Protocol.Tests;

/// <summary>
/// A registry that answers <c>GET /v1/nodes</c> with hostile content: an endless body, lines of garbage, a node at the
/// gateway's own listen address. Discovery must keep its bounds and its last good node list.
/// </summary>
public sealed class HostileRegistryDiscoveryTests
{
    [Fact]
    public async Task An_endless_nodes_answer_is_refused_without_buffering_it_and_keeps_the_nodes_known()
    {
        var directory = new NodeDirectory([]);
        var good = "node-a\t127.0.0.1:7001\tshop:1\t2026-01-01T00:00:00Z\n";
        var sent = 0L;
        await using var registry = HostileRegistry.Start(async (stream, token) =>
        {
            if (Interlocked.Increment(ref sent) == 1)
            {
                await HostileRegistry.WriteAnswerAsync(stream, System.Text.Encoding.ASCII.GetBytes(good), token);
                return;
            }

            // Chunked, never ending: the gateway must stop reading at its limit, not at the end.
            var header = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"u8.ToArray();
            await stream.WriteAsync(header, token);
            var chunk = System.Text.Encoding.ASCII.GetBytes($"{1 << 20:x}\r\n" + new string('x', 1 << 20) + "\r\n");
            for (var i = 0; i < 4096 && !token.IsCancellationRequested; i++)
            {
                await stream.WriteAsync(chunk, token);
            }
        });
        await using var source = new RegistryNodeSource(new DiscoveryOptions { Registry = registry.Address }, directory, NullLogger.Instance);

        Assert.True(await source.PollOnceAsync());
        Assert.Equal(["node-a"], directory.Present.Select(n => n.Options.Name));

        var before = GC.GetTotalAllocatedBytes(precise: false);
        Assert.False(await source.PollOnceAsync());
        var allocated = GC.GetTotalAllocatedBytes(precise: false) - before;

        Assert.Equal(["node-a"], directory.Present.Select(n => n.Options.Name));
        Assert.True(allocated < 512L * 1024 * 1024, $"reading one refused answer allocated {allocated >> 20} MiB");
    }

    [Fact]
    public async Task Garbage_lines_and_a_node_at_the_gateways_own_address_are_skipped_and_the_good_lines_join()
    {
        var directory = new NodeDirectory([]);
        var self = new IPEndPoint(IPAddress.Loopback, 6006);
        var body = new StringBuilder()
            .Append("\0\0\0\n")
            .Append("loop\t127.0.0.1:6006\tshop:1\tt\n")
            .Append("loop-any\tlocalhost:6006\tshop:1\tt\n")
            .Append("bad name\t127.0.0.1:7002\tshop:1\tt\n")
            .Append("no-port\t127.0.0.1\tshop:1\tt\n")
            .Append("huge-port\t127.0.0.1:99999999999999999999\tshop:1\tt\n")
            .Append(new string('\t', 10_000)).Append('\n')
            .Append("node-a\t127.0.0.1:7001\tshop:1\tt\r\n")
            .Append("node-a\t127.0.0.1:7009\tshop:1\tt\n")
            .ToString();
        await using var registry = HostileRegistry.Start((stream, token) => HostileRegistry.WriteAnswerAsync(stream, System.Text.Encoding.UTF8.GetBytes(body), token));
        await using var source = new RegistryNodeSource(new DiscoveryOptions { Registry = registry.Address }, directory, NullLogger.Instance, self);

        Assert.True(await source.PollOnceAsync());

        Assert.Equal([new NodeOptions { Name = "node-a", Address = "127.0.0.1:7001" }], directory.Present.Select(n => n.Options));
    }

    /// <summary>An HTTP/1.1 server on a free loopback port that answers every request with <c>answer</c>.</summary>
    private sealed class HostileRegistry : IAsyncDisposable
    {
        private readonly TcpListener _listener;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;

        private HostileRegistry(Func<NetworkStream, CancellationToken, Task> answer)
        {
            _listener = new TcpListener(IPAddress.Loopback, 0);
            _listener.Start();
            _loop = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    TcpClient client;
                    try
                    {
                        client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }

                    _ = Task.Run(async () =>
                    {
                        using (client)
                        {
                            var stream = client.GetStream();
                            try
                            {
                                await ReadRequestAsync(stream, _stop.Token);
                                await answer(stream, _stop.Token);
                            }
                            catch (Exception ex) when (ex is IOException or OperationCanceledException or SocketException)
                            {
                                // The gateway hung up, as it should on an endless answer.
                            }
                        }
                    });
                }
            });
        }

        public string Address => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

        public static HostileRegistry Start(Func<NetworkStream, CancellationToken, Task> answer) => new(answer);

        public static async Task WriteAnswerAsync(NetworkStream stream, byte[] body, CancellationToken token)
        {
            var header = System.Text.Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n");
            await stream.WriteAsync(header, token);
            await stream.WriteAsync(body, token);
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            await _loop;
            _stop.Dispose();
        }

        private static async Task ReadRequestAsync(NetworkStream stream, CancellationToken token)
        {
            var seen = new List<byte>();
            var buffer = new byte[1];
            while (!(seen.Count >= 4 && seen[^4] == '\r' && seen[^3] == '\n' && seen[^2] == '\r' && seen[^1] == '\n'))
            {
                if (await stream.ReadAsync(buffer, token) == 0)
                {
                    throw new IOException("request ended early");
                }

                seen.Add(buffer[0]);
            }
        }
    }
}
