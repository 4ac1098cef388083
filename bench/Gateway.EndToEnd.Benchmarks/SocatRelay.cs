using JdwpGateway.Demo;

namespace JdwpGateway.EndToEnd.Benchmarks;

/// <summary>
/// A plain TCP relay in front of a node: <c>socat TCP-LISTEN:p,nodelay,reuseaddr,fork TCP:127.0.0.1:q,nodelay</c>. The
/// baseline for the gateway: the same extra hop and copy, without any JDWP work.
/// </summary>
public sealed class SocatRelay : IAsyncDisposable
{
    private SocatRelay(ChildProcess process, int port)
    {
        Process = process;
        Port = port;
    }

    /// <summary>The process.</summary>
    public ChildProcess Process { get; }

    /// <summary>The port the relay listens on.</summary>
    public int Port { get; }

    /// <summary>Starts the relay and waits for its "listening" log line (connecting to test it would reach the node).</summary>
    public static async Task<SocatRelay> StartAsync(BenchNode target)
    {
        var socat = new[] { "/usr/bin/socat", "/usr/local/bin/socat" }.FirstOrDefault(File.Exists)
            ?? throw new FileNotFoundException("socat is not installed; bench/run-e2e-benchmarks.sh installs it with apt-get.");
        var port = FreePort.Next();
        var process = ChildProcess.Start("socat", socat,
            ["-d", "-d", $"TCP-LISTEN:{port},bind=127.0.0.1,nodelay,reuseaddr,fork", $"TCP:127.0.0.1:{target.JdwpPort},nodelay"]);
        await process.WaitForLineAsync(l => l.Contains("listening on", StringComparison.Ordinal), TimeSpan.FromSeconds(10), "its listening line")
            .ConfigureAwait(false);
        return new SocatRelay(process, port);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => Process.DisposeAsync();
}
