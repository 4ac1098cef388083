using JdwpGateway.Demo;
using JdwpGateway.EndToEnd.Tests.Support;
using JdwpGateway.Routing;
using JdwpGateway.Routing.Config;
using Microsoft.Extensions.Logging;

namespace JdwpGateway.EndToEnd.Tests.Gateway;

/// <summary>Real node JVMs of the demo app with an in-process gateway in front of them.</summary>
public sealed class GatewayCluster : IAsyncDisposable
{
    private readonly ILoggerFactory _loggerFactory;
    private readonly Dictionary<string, PendingNode> _pending = new(StringComparer.Ordinal);
    private readonly List<NodeProcess> _joined = [];
    private string _classes = "";

    private GatewayCluster(JavaToolchain java, DemoCluster cluster, GatewayServer server, ILoggerFactory loggerFactory, RecordingLoggerProvider log)
    {
        Java = java;
        Cluster = cluster;
        Server = server;
        _loggerFactory = loggerFactory;
        Log = log;
    }

    /// <summary>The JDK the nodes and jdb run on.</summary>
    public JavaToolchain Java { get; }

    /// <summary>The node JVMs started with the cluster (see <see cref="Node"/> for nodes started later).</summary>
    public DemoCluster Cluster { get; }

    /// <summary>Every node JVM started so far: those of <see cref="Cluster"/> and those started later.</summary>
    public IEnumerable<NodeProcess> AllNodes => Cluster.Nodes.Concat(_joined);

    /// <summary>The gateway.</summary>
    public GatewayServer Server { get; }

    /// <summary>The gateway's log.</summary>
    public RecordingLoggerProvider Log { get; }

    /// <summary>The factory of the gateway's loggers, recorded into <see cref="Log"/>.</summary>
    public ILoggerFactory Loggers => _loggerFactory;

    /// <summary>The port debuggers attach to.</summary>
    public int Port => Server.LocalEndPoint.Port;

    /// <summary>Builds the demo app (no JDK is a failure, not a skip), starts the nodes and the gateway.</summary>
    /// <param name="nodes">How many node JVMs.</param>
    /// <param name="configure">Changes to the gateway's options (e.g. recording), applied last.</param>
    public static async Task<GatewayCluster> StartAsync(int nodes = 2, Func<GatewayOptions, GatewayOptions>? configure = null)
    {
        var java = JavaToolchain.Find();
        var classes = await new DemoAppBuilder(java).BuildAsync();
        var cluster = await DemoCluster.StartAsync(nodes, java, classes);
        var log = new RecordingLoggerProvider();
        var loggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Debug).AddProvider(log));
        var options = new GatewayOptions
        {
            Listen = "127.0.0.1:0",
            Nodes = [.. cluster.Nodes.Select(n => new NodeOptions { Name = n.Name, Address = $"127.0.0.1:{n.JdwpPort}" })],
            NodeRetryInterval = TimeSpan.FromMilliseconds(500),
        };
        options = configure?.Invoke(options) ?? options;
        var server = new GatewayServer(options, loggerFactory);
        server.Start();
        return new GatewayCluster(java, cluster, server, loggerFactory, log);
    }

    /// <summary>
    /// A cluster of <paramref name="nodes"/> configured nodes (node-a, node-b, ...) of which only the first
    /// <paramref name="started"/> are started now; the others are started by <see cref="StartConfiguredNodeAsync"/>.
    /// <paramref name="nodeJava"/> runs chosen nodes on another JDK (the demo app is built by the default one, the oldest).
    /// </summary>
    public static async Task<GatewayCluster> StartAsync(int nodes, int started, IReadOnlyDictionary<string, JavaToolchain>? nodeJava = null, Func<GatewayOptions, GatewayOptions>? configure = null)
    {
        var java = JavaToolchain.Find();
        var classes = await new DemoAppBuilder(java).BuildAsync();
        var names = Enumerable.Range(0, nodes).Select(DemoCluster.NodeName).ToList();
        var appPorts = names.Select(_ => FreePort.Next()).ToList();
        var jdwpPorts = names.Select(_ => FreePort.Next()).ToList();
        List<string> Peers(int i) => [.. appPorts.Where((_, j) => j != i).Select(p => $"127.0.0.1:{p}")];
        var starts = Enumerable.Range(0, started).Select(i =>
            NodeProcess.StartAsync(nodeJava?.GetValueOrDefault(names[i]) ?? java, classes, names[i], jdwpPorts[i], appPorts[i], Peers(i))).ToList();
        try
        {
            await Task.WhenAll(starts);
        }
        catch
        {
            await Task.WhenAll(starts.Where(t => t.IsCompletedSuccessfully).Select(t => t.Result.DisposeAsync().AsTask()));
            throw;
        }

        var cluster = DemoCluster.FromNodes([.. starts.Select(t => t.Result)]);
        var log = new RecordingLoggerProvider();
        var loggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Debug).AddProvider(log));
        var options = new GatewayOptions
        {
            Listen = "127.0.0.1:0",
            Nodes = [.. names.Select((n, i) => new NodeOptions { Name = n, Address = $"127.0.0.1:{jdwpPorts[i]}" })],
            NodeRetryInterval = TimeSpan.FromMilliseconds(500),
        };
        options = configure?.Invoke(options) ?? options;
        var server = new GatewayServer(options, loggerFactory);
        server.Start();
        var gw = new GatewayCluster(java, cluster, server, loggerFactory, log) { _classes = classes };
        for (var i = started; i < nodes; i++)
        {
            gw._pending[names[i]] = new PendingNode(jdwpPorts[i], appPorts[i], Peers(i));
        }

        return gw;
    }

    /// <summary>Starts a node that was configured but not started with the cluster, on its configured JDWP port.</summary>
    public async Task<NodeProcess> StartConfiguredNodeAsync(string name)
    {
        if (!_pending.Remove(name, out var pending))
        {
            throw new InvalidOperationException($"{name} is not a configured node waiting to start.");
        }

        var node = await NodeProcess.StartAsync(Java, _classes, name, pending.JdwpPort, pending.AppPort, pending.Peers);
        _joined.Add(node);
        return node;
    }

    /// <summary>A started node by name, whether it started with the cluster or later.</summary>
    public NodeProcess Node(string name) =>
        AllNodes.FirstOrDefault(n => n.Name == name) ?? throw new KeyNotFoundException($"No started node named {name}.");

    /// <summary>Every started node's recent output.</summary>
    public string DescribeNodes() => string.Join("\n", AllNodes.Select(n => $"=== {n} ===\n{n.RecentOutputText}"));

    /// <summary>Attaches a real jdb to the gateway.</summary>
    public Task<JdbDriver> AttachJdbAsync() => JdbDriver.AttachAsync(Port, Java);

    /// <summary>Everything a failing test should show: jdb's transcript, the gateway's log, the nodes' output.</summary>
    public string Describe(JdbDriver jdb, string problem) =>
        jdb.Describe(problem) + "\n--- gateway log ---\n" + Log.Tail() + "\n--- nodes ---\n" + Cluster.DescribeOutput();

    /// <summary>Waits until the gateway has no session (the previous debugger's detach is complete).</summary>
    public async Task WaitForNoSessionAsync()
    {
        for (var i = 0; i < 100 && Server.ActiveSession is not null; i++)
        {
            await Task.Delay(100);
        }

        if (Server.ActiveSession is not null)
        {
            throw new TimeoutException("The gateway still has a session 10 s after the debugger detached.\n" + Log.Tail());
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        await Cluster.DisposeAsync();
        foreach (var node in _joined)
        {
            await node.DisposeAsync();
        }

        _loggerFactory.Dispose();
    }
}

/// <summary>A configured node not started yet: its reserved ports and peers.</summary>
internal sealed record PendingNode(int JdwpPort, int AppPort, IReadOnlyList<string> Peers);

/// <summary>One cluster shared by the tests of a class; each test attaches its own jdb and detaches at the end.</summary>
public sealed class GatewayClusterFixture : Xunit.IAsyncLifetime
{
    private GatewayCluster? _cluster;

    /// <summary>The cluster.</summary>
    public GatewayCluster Cluster => _cluster ?? throw new InvalidOperationException("Fixture not initialized.");

    /// <inheritdoc />
    public async Task InitializeAsync() => _cluster = await GatewayCluster.StartAsync();

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}

/// <summary>A cluster of three nodes shared by the tests of a class (the JDI scenarios run against at least three).</summary>
public sealed class ThreeNodeGatewayClusterFixture : Xunit.IAsyncLifetime
{
    private GatewayCluster? _cluster;

    /// <summary>The cluster.</summary>
    public GatewayCluster Cluster => _cluster ?? throw new InvalidOperationException("Fixture not initialized.");

    /// <inheritdoc />
    public async Task InitializeAsync() => _cluster = await GatewayCluster.StartAsync(nodes: 3);

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}
