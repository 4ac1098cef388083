using JdwpGateway.Demo;

namespace JdwpGateway.EndToEnd.Benchmarks;

/// <summary>
/// The <c>jdwp-gateway serve</c> executable in a process of its own, as it is deployed, so its resident memory is its
/// own. The benchmark's build puts <c>jdwp-gateway.dll</c> beside this program.
/// </summary>
public sealed class GatewayProcess : IAsyncDisposable
{
    private GatewayProcess(ChildProcess process, int port, int nodeCount)
    {
        Process = process;
        Port = port;
        NodeCount = nodeCount;
    }

    /// <summary>The process.</summary>
    public ChildProcess Process { get; }

    /// <summary>The port debuggers attach to.</summary>
    public int Port { get; }

    /// <summary>How many nodes it serves.</summary>
    public int NodeCount { get; }

    /// <summary>
    /// The gateway executable to run: <c>--gateway DLL</c>, else the one the benchmark's build put beside it. Another
    /// build (e.g. of an earlier commit) is measured by pointing this at its <c>jdwp-gateway.dll</c>.
    /// </summary>
    public static string DefaultDll { get; set; } = Path.Combine(AppContext.BaseDirectory, "jdwp-gateway.dll");

    /// <summary>Starts the gateway (<paramref name="dll"/>, else <see cref="DefaultDll"/>) over <paramref name="nodes"/> and waits until it listens.</summary>
    public static async Task<GatewayProcess> StartAsync(IReadOnlyList<BenchNode> nodes, string? dll = null)
    {
        dll ??= DefaultDll;
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"The gateway executable is not beside the benchmark: {dll}");
        }

        var port = FreePort.Next();
        var arguments = new List<string> { dll, "serve", "--listen", $"127.0.0.1:{port}", "--log-level", "Warning" };
        foreach (var node in nodes)
        {
            arguments.AddRange(["--node", $"{node.Name}={node.Address}"]);
        }

        var process = ChildProcess.Start($"gateway over {nodes.Count} node(s)", "dotnet", arguments);
        await WaitForPortAsync(port, process).ConfigureAwait(false);
        return new GatewayProcess(process, port, nodes.Count);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => Process.DisposeAsync();

    // The gateway logs its "listening" line at Information; at Warning it stays quiet, so poll the port instead. A bare TCP
    // connection that never sends the handshake costs the gateway nothing but a timed-out handshake wait.
    private static async Task WaitForPortAsync(int port, ChildProcess process)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{process.Name} exited during start-up. Output:\n{process.RecentOutput}");
            }

            try
            {
                using var probe = new System.Net.Sockets.TcpClient();
                await probe.ConnectAsync(System.Net.IPAddress.Loopback, port).ConfigureAwait(false);
                return;
            }
            catch (System.Net.Sockets.SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100).ConfigureAwait(false);
            }
        }
    }
}
