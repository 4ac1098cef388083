using System.Globalization;
using JdwpGateway.Demo;

namespace JdwpGateway.EndToEnd.Benchmarks;

/// <summary>
/// The Java half of the benchmarks (<c>bench/Gateway.EndToEnd.Benchmarks/java</c>): the node program the gateway debugs
/// and the JDI workload that debugs it, compiled with the JDK's javac on first use.
/// </summary>
public sealed class BenchJava
{
    /// <summary>JVM options that let 32 nodes share a 2-core, 24 GiB machine: small heap, C1 only, serial GC, small stacks.</summary>
    public static readonly IReadOnlyList<string> SmallNodeOptions =
        ["-Xmx64m", "-Xms8m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xss256k", "-XX:ReservedCodeCacheSize=16m", "-XX:MaxMetaspaceSize=64m"];

    private BenchJava(JavaToolchain java, string classes)
    {
        Java = java;
        Classes = classes;
    }

    /// <summary>The JDK.</summary>
    public JavaToolchain Java { get; }

    /// <summary>The compiled classes directory.</summary>
    public string Classes { get; }

    /// <summary>Finds the JDK and compiles the sources (skipped while they are unchanged).</summary>
    public static async Task<BenchJava> BuildAsync()
    {
        var java = JavaToolchain.Find();
        var repo = DemoAppBuilder.FindRepoRoot();
        var sources = Path.Combine(repo, "bench", "Gateway.EndToEnd.Benchmarks", "java");
        var classes = await new DemoAppBuilder(java, sources, Path.Combine(repo, "artifacts", "e2e-bench-java")).BuildAsync().ConfigureAwait(false);
        return new BenchJava(java, classes);
    }

    /// <summary>Starts one node with its JDWP agent on a free loopback port and waits until it is ready.</summary>
    /// <param name="name">Node name.</param>
    /// <param name="threads">Idle threads to start.</param>
    /// <param name="pool">Objects in <c>BenchNode.pool</c>.</param>
    /// <param name="pollMillis">How often the unarmed hot thread wakes: 1 where breakpoints are hit, more where nodes only idle.</param>
    /// <param name="jvmOptions">JVM options.</param>
    public async Task<BenchNode> StartNodeAsync(string name, int threads, int pool, int pollMillis, IReadOnlyList<string> jvmOptions)
    {
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort.Next();
            var arguments = new List<string> { $"-agentlib:jdwp=transport=dt_socket,server=y,suspend=n,address=127.0.0.1:{port}" };
            arguments.AddRange(jvmOptions);
            arguments.AddRange(["-cp", Classes, "fabric.bench.BenchNode", "--name", name,
                "--threads", threads.ToString(CultureInfo.InvariantCulture), "--pool", pool.ToString(CultureInfo.InvariantCulture),
                "--poll-ms", pollMillis.ToString(CultureInfo.InvariantCulture)]);
            var process = ChildProcess.Start(name, Java.JavaPath, arguments);
            try
            {
                await process.WaitForLineAsync(l => l == $"bench node {name} ready", TimeSpan.FromSeconds(60), "its ready line").ConfigureAwait(false);
                return new BenchNode(name, port, process);
            }
            catch (InvalidOperationException) when (attempt < 3 && process.RecentOutput.Contains("transport error 202", StringComparison.Ordinal))
            {
                // Another process took the port between FreePort.Next() and the JVM's bind.
                await process.DisposeAsync().ConfigureAwait(false);
            }
            catch
            {
                await process.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
    }

    /// <summary>Starts <paramref name="count"/> nodes, a few at a time (two cores: all at once would only slow each start).</summary>
    public async Task<IReadOnlyList<BenchNode>> StartNodesAsync(int count, int threads, IReadOnlyList<string> jvmOptions)
    {
        var nodes = new BenchNode[count];
        using var gate = new SemaphoreSlim(4);
        await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
        {
            await gate.WaitAsync().ConfigureAwait(false);
            try
            {
                nodes[i] = await StartNodeAsync($"node-{i + 1:00}", threads, 0, pollMillis: 500, jvmOptions).ConfigureAwait(false);
            }
            finally
            {
                gate.Release();
            }
        })).ConfigureAwait(false);
        return nodes;
    }

    /// <summary>Runs the JDI workload; <paramref name="onLine"/> sees each output line. Fails with its output unless it prints DONE.</summary>
    public ChildProcess StartWorkload(IEnumerable<string> arguments, Action<string> onLine) =>
        ChildProcess.Start("workload", Java.JavaPath, ["-cp", Classes, "fabric.bench.Workload", .. arguments], onLine);
}

/// <summary>A node JVM the benchmark started.</summary>
public sealed record BenchNode(string Name, int JdwpPort, ChildProcess Process) : IAsyncDisposable
{
    /// <summary>The node's JDWP address.</summary>
    public string Address => $"127.0.0.1:{JdwpPort}";

    /// <inheritdoc />
    public ValueTask DisposeAsync() => Process.DisposeAsync();
}
