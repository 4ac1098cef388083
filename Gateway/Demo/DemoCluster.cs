namespace JdwpGateway.Demo;

/// <summary>
/// Several demo nodes (node-a, node-b, ...) on free loopback ports, each configured with all the
/// others as peers. Disposing stops them all.
/// </summary>
public sealed class DemoCluster : IAsyncDisposable
{
    private const int MaxAttemptsPerNode = 3;

    private DemoCluster(IReadOnlyList<NodeProcess> nodes)
    {
        Nodes = nodes;
    }

    /// <summary>The nodes, in name order (node-a first).</summary>
    public IReadOnlyList<NodeProcess> Nodes { get; }

    /// <summary>The node with the given name.</summary>
    public NodeProcess this[string name] =>
        Nodes.FirstOrDefault(n => n.Name == name) ?? throw new KeyNotFoundException($"No node named {name}.");

    /// <summary>The name of the node at <paramref name="index"/>: 0 → node-a, 1 → node-b, ...</summary>
    public static string NodeName(int index) =>
        index is >= 0 and < 26 ? "node-" + (char)('a' + index) : throw new ArgumentOutOfRangeException(nameof(index));

    /// <summary>
    /// Starts <paramref name="nodeCount"/> nodes in parallel and waits until all are ready.
    /// If any fails, the others are stopped and a <see cref="NodeStartException"/> with every failed node's output is thrown.
    /// </summary>
    public static async Task<DemoCluster> StartAsync(
        int nodeCount,
        JavaToolchain java,
        string classesDir,
        NodeStartOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nodeCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(nodeCount, 26);

        var appPorts = Enumerable.Range(0, nodeCount).Select(_ => FreePort.Next()).ToArray();
        var starts = Enumerable.Range(0, nodeCount).Select(i =>
        {
            var peers = appPorts.Where((_, j) => j != i).Select(p => $"127.0.0.1:{p}").ToList();
            return StartNodeAsync(java, classesDir, NodeName(i), appPorts[i], peers, options, cancellationToken);
        }).ToArray();

        try
        {
            await Task.WhenAll(starts).ConfigureAwait(false);
        }
        catch
        {
            await Task.WhenAll(starts.Where(t => t.IsCompletedSuccessfully).Select(t => t.Result.DisposeAsync().AsTask()))
                .ConfigureAwait(false);
            var failures = starts.Where(t => t.IsFaulted).SelectMany(t => t.Exception!.InnerExceptions).ToList();
            if (failures.Count == 0)
            {
                throw; // Cancelled.
            }

            var message = string.Join("\n\n", failures.Select(f => f.Message));
            throw new NodeStartException(
                string.Join(",", failures.OfType<NodeStartException>().Select(f => f.NodeName)),
                $"Demo cluster of {nodeCount} node(s) failed to start:\n{message}",
                "");
        }

        return new DemoCluster(starts.Select(t => t.Result).ToList());
    }

    /// <summary>A cluster of nodes started one by one (e.g. on different JDKs); disposing it stops them.</summary>
    public static DemoCluster FromNodes(IReadOnlyList<NodeProcess> nodes) => new([.. nodes]);

    /// <summary>Convenience: finds the default JDK, builds the demo app and starts <paramref name="nodeCount"/> nodes.</summary>
    public static async Task<DemoCluster> BuildAndStartAsync(
        int nodeCount,
        JavaToolchain? java = null,
        NodeStartOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        java ??= JavaToolchain.Find();
        var classes = await new DemoAppBuilder(java).BuildAsync(cancellationToken).ConfigureAwait(false);
        return await StartAsync(nodeCount, java, classes, options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops every node (kills its process tree) and waits for them to exit.</summary>
    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(Nodes.Select(n => n.DisposeAsync().AsTask())).ConfigureAwait(false);
    }

    /// <summary>Every node's recent output, for test failure messages.</summary>
    public string DescribeOutput() =>
        string.Join("\n", Nodes.Select(n => $"=== {n} ===\n{n.RecentOutputText}"));

    private static async Task<NodeProcess> StartNodeAsync(
        JavaToolchain java,
        string classesDir,
        string name,
        int appPort,
        IReadOnlyList<string> peers,
        NodeStartOptions? options,
        CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await NodeProcess.StartAsync(java, classesDir, name, FreePort.Next(), appPort, peers, options, cancellationToken)
                    .ConfigureAwait(false);
            }
            catch (NodeStartException e) when (attempt < MaxAttemptsPerNode && IsJdwpBindFailure(e.Output))
            {
                // Another process grabbed the JDWP port between FreePort.Next() and the JVM's bind: try another one.
            }
        }
    }

    private static bool IsJdwpBindFailure(string output) =>
        output.Contains("transport error 202", StringComparison.Ordinal)
        || (output.Contains("bind failed", StringComparison.OrdinalIgnoreCase) && !output.Contains("ready", StringComparison.Ordinal));
}
