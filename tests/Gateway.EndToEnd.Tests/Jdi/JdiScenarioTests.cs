using System.Globalization;
using System.Text;
using JdwpGateway.Demo;
using JdwpGateway.EndToEnd.Tests.Gateway;
using Xunit;

namespace JdwpGateway.EndToEnd.Tests.Jdi;

/// <summary>The scenarios of the JDI client and the two JDI implementations each runs on.</summary>
public static class JdiScenarios
{
    /// <summary>
    /// Run by the C# side: a first client disposes with a breakpoint set and the VM suspended at it; a second attaches
    /// right after (an IDE's "restart debugging") and must find nothing of the first session left.
    /// </summary>
    public const string DisposeReattach = "dispose-reattach";

    /// <summary>The scenario names (the client's, plus <see cref="DisposeReattach"/>).</summary>
    public static readonly IReadOnlyList<string> Names =
    [
        "attach-walk", "breakpoint-every-node", "step", "invoke", "exceptions", "watchpoints", "method-entry-exit",
        "thread-start-death", "suspend-all", "interleaved-hits", "uncaught-exception", "thread-suspend-resume", DisposeReattach,
    ];

    /// <summary>Every (jdi, scenario) pair.</summary>
    public static TheoryData<string, string> Cases
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var jdi in new[] { JdiClient.OpenJdk, JdiClient.Eclipse })
            {
                foreach (var scenario in Names)
                {
                    data.Add(jdi, scenario);
                }
            }

            return data;
        }
    }

    /// <summary>
    /// Runs <paramref name="scenario"/> (or, for <see cref="DisposeReattach"/>, dispose-leaving-breakpoint then
    /// reattach-clean) and returns the runs.
    /// </summary>
    public static async Task<IReadOnlyList<JdiRun>> RunAsync(JavaToolchain java, string jdi, string scenario, int port, int expectNodes)
    {
        var client = await JdiClient.BuildAsync(java);
        if (scenario != DisposeReattach)
        {
            return [await client.RunAsync(jdi, port, scenario, expectNodes)];
        }

        // An IDE's "restart debugging": the second debugger attaches as soon as the first has disposed and exited.
        var first = await client.RunAsync(jdi, port, "dispose-leaving-breakpoint", expectNodes);
        var second = await client.RunAsync(jdi, port, "reattach-clean", expectNodes);
        return [first, second];
    }
}

/// <summary>Demo node JVMs without a gateway, for running the JDI client directly against one node.</summary>
public sealed class DemoNodesFixture : IAsyncLifetime
{
    private DemoCluster? _cluster;

    /// <summary>The JDK of the nodes and the client.</summary>
    public JavaToolchain Java { get; private set; } = null!;

    /// <summary>The nodes.</summary>
    public DemoCluster Cluster => _cluster ?? throw new InvalidOperationException("Fixture not initialized.");

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        Java = JavaToolchain.Find();
        _cluster = await DemoCluster.StartAsync(2, Java, await new DemoAppBuilder(Java).BuildAsync());
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}

/// <summary>
/// The JDI client attached directly to node-a (no gateway), on both JDI implementations: proves the client and its
/// scenarios right, so a failure of the same scenario through the gateway is the gateway's.
/// </summary>
[Collection(JdiDirectCollection.Name)]
public sealed class JdiClientDirectTests(DemoNodesFixture fixture)
{
    [Theory]
    [MemberData(nameof(JdiScenarios.Cases), MemberType = typeof(JdiScenarios))]
    public async Task Scenario_passes_attached_directly_to_one_node(string jdi, string scenario)
    {
        var node = fixture.Cluster["node-a"];
        var runs = await JdiScenarios.RunAsync(fixture.Java, jdi, scenario, node.JdwpPort, expectNodes: 1);
        if (!runs.All(r => r.Succeeded))
        {
            throw new Xunit.Sdk.XunitException(
                string.Join("\n", runs.Select(r => r.Describe())) + "\n--- nodes ---\n" + fixture.Cluster.DescribeOutput());
        }

        Assert.False(node.HasExited, $"{node.Name} died:\n{node.RecentOutputText}");
    }
}

/// <summary>
/// The JDI client through the gateway in front of three real nodes, on OpenJDK's JDI (IntelliJ, jdb) and Eclipse's JDI
/// (Eclipse, VS Code). Each scenario disposes at its end; the tests of this class run one at a time, as the gateway
/// serves one debugger session at a time.
/// </summary>
[Collection(JdiGatewayCollection.Name)]
public sealed class JdiThroughGatewayTests(ThreeNodeGatewayClusterFixture fixture)
{
    private GatewayCluster Gw => fixture.Cluster;

    [Theory]
    [MemberData(nameof(JdiScenarios.Cases), MemberType = typeof(JdiScenarios))]
    public async Task Scenario_passes_through_the_gateway(string jdi, string scenario)
    {
        await Gw.WaitForNoSessionAsync();
        var runs = await JdiScenarios.RunAsync(Gw.Java, jdi, scenario, Gw.Port, expectNodes: Gw.Cluster.Nodes.Count);
        if (!runs.All(r => r.Succeeded))
        {
            throw new Xunit.Sdk.XunitException(JdiDiagnostics.Describe(Gw, runs));
        }

        foreach (var node in Gw.Cluster.Nodes)
        {
            Assert.False(node.HasExited, $"{node.Name} died:\n{node.RecentOutputText}");
        }
    }
}

/// <summary>The demo nodes the direct JDI client tests attach to; tests run one at a time (one debugger per agent).</summary>
[CollectionDefinition(Name)]
public sealed class JdiDirectCollection : ICollectionFixture<DemoNodesFixture>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "jdi client direct";
}

/// <summary>A gateway cluster of three nodes for the JDI client tests; tests run one at a time (one session per gateway).</summary>
[CollectionDefinition(Name)]
public sealed class JdiGatewayCollection : ICollectionFixture<ThreeNodeGatewayClusterFixture>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "jdi gateway cluster";
}

/// <summary>What a failed run through the gateway should show.</summary>
public static class JdiDiagnostics
{
    /// <summary>The runs, the gateway's log lines from the first run's start on, and the nodes' output.</summary>
    public static string Describe(GatewayCluster gw, IReadOnlyList<JdiRun> runs)
    {
        var b = new StringBuilder();
        foreach (var run in runs)
        {
            b.Append(run.Describe());
        }

        var since = runs[0].Started.AddSeconds(-1).TimeOfDay;
        var window = gw.Log.Lines.Where(l => LineTime(l) is not { } t || t >= since).ToList();
        if (window.Count == 0)
        {
            window = [.. gw.Log.Lines.TakeLast(150)];
        }

        b.Append(CultureInfo.InvariantCulture, $"--- gateway log since {runs[0].Started:HH:mm:ss.fff} ({window.Count} lines) ---\n");
        if (window.Count > 200)
        {
            var notable = window.Where(l => l.Contains(" Warning ", StringComparison.Ordinal) || l.Contains(" Error ", StringComparison.Ordinal)
                || l.Contains("mixes", StringComparison.Ordinal)).Take(60).ToList();
            b.Append(CultureInfo.InvariantCulture, $"(warnings and errors, {notable.Count} shown)\n");
            foreach (var line in notable)
            {
                b.Append(line).Append('\n');
            }

            b.Append("(last 150 lines)\n");
            window = window.TakeLast(150).ToList();
        }

        foreach (var line in window)
        {
            b.Append(line).Append('\n');
        }

        b.Append("--- nodes ---\n").Append(gw.DescribeNodes());
        return b.ToString();
    }

    private static TimeSpan? LineTime(string line) =>
        line.Length >= 12 && TimeSpan.TryParseExact(line[..12], @"hh\:mm\:ss\.fff", CultureInfo.InvariantCulture, out var t) ? t : null;
}
