using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Fabric.Runtime.Tests.Support;

namespace Fabric.Runtime.Tests;

/// <summary>
/// A node JVM against a registry that misbehaves mid-answer: it sends its headers and part of the body, then stalls
/// (a hung registry, a half-dead proxy), sends an endless body, or trickles its headers a byte at a time. The node
/// must give up within its <c>--timeout-ms</c> and attempts, and say which registry failed, rather than hang for ever
/// or exhaust its heap.
/// </summary>
public sealed class HostileRegistryNodeTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("stall")]
    [InlineData("endless")]
    [InlineData("trickle")]
    public async Task A_registry_that_stalls_or_never_ends_its_answer_fails_the_node_within_its_timeout(string mode)
    {
        using var key = new SigningKey(_dir.Path);
        await using var registry = StallingRegistry.Start(mode);
        using var node = NodeProcess.Start(new NodeLaunchOptions
        {
            Registry = registry.Url,
            Manifest = "hello:1.0",
            MainClass = "com.app.Main",
            Cache = _dir.Combine("cache"),
            Trust = [key.PublicPem],
            LauncherOptions = ["--attempts", "2", "--backoff-ms", "20", "--timeout-ms", "1500"],
            JvmOptions = ["-Xmx128m"],
        });

        var clock = Stopwatch.StartNew();
        var code = await node.WaitForExitAsync(TimeSpan.FromSeconds(90));

        Assert.True(code != 0, node.Output);
        Assert.True(registry.Requests > 0, "the node never asked the registry");
        Assert.Contains("127.0.0.1:" + registry.Port, node.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("OutOfMemoryError", node.Stderr, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"took {clock.Elapsed}\n{node.Output}");
    }

    /// <summary>Answers every request with 200, headers, and then nothing more (stall) or an endless body; or sends
    /// its status line and then a header byte every 200 ms, never ending the headers (trickle).</summary>
    private sealed class StallingRegistry : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly List<TcpClient> _clients = [];
        private Task _loop = Task.CompletedTask;
        private int _requests;

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public string Url => $"http://127.0.0.1:{Port}";

        public int Requests => Volatile.Read(ref _requests);

        public static StallingRegistry Start(string mode)
        {
            var registry = new StallingRegistry();
            registry._listener.Start();
            registry._loop = registry.AcceptAsync(mode);
            return registry;
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            await _loop;
            lock (_clients)
            {
                _clients.ForEach(c => c.Dispose());
            }

            _stop.Dispose();
        }

        private async Task AcceptAsync(string mode)
        {
            while (true)
            {
                TcpClient client;
                try
                {
                    client = await _listener.AcceptTcpClientAsync(_stop.Token);
                }
                catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
                {
                    return;
                }

                lock (_clients)
                {
                    _clients.Add(client);
                }

                _ = Task.Run(() => ServeAsync(client, mode));
            }
        }

        private async Task ServeAsync(TcpClient client, string mode)
        {
            try
            {
                var stream = client.GetStream();
                var buffer = new byte[8192];
                var seen = new StringBuilder();
                while (!seen.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    var n = await stream.ReadAsync(buffer, _stop.Token);
                    if (n == 0)
                    {
                        return;
                    }

                    seen.Append(Encoding.ASCII.GetString(buffer, 0, n));
                }

                Interlocked.Increment(ref _requests);
                if (mode == "trickle")
                {
                    // Each byte comes well within a read timeout; the headers never end.
                    await stream.WriteAsync("HTTP/1.1 200 OK\r\nX-Slow: "u8.ToArray(), _stop.Token);
                    while (true)
                    {
                        await Task.Delay(200, _stop.Token);
                        await stream.WriteAsync("a"u8.ToArray(), _stop.Token);
                    }
                }

                var endless = mode == "endless";
                var head = endless
                    ? "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nX-Fabric-Signature: AAAA\r\nTransfer-Encoding: chunked\r\n\r\n"
                    : "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Fabric-Signature: AAAA\r\nContent-Length: 100000\r\n\r\nformat fabric-manifest/1\n";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(head), _stop.Token);
                if (!endless)
                {
                    await Task.Delay(Timeout.Infinite, _stop.Token);
                }

                var chunk = Encoding.ASCII.GetBytes($"{1 << 16:x}\r\n" + new string('a', 1 << 16) + "\r\n");
                while (true)
                {
                    await stream.WriteAsync(chunk, _stop.Token);
                }
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // The node hung up, or the test ended.
            }
        }
    }
}
