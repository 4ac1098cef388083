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

    /// <summary>The node JVMs.</summary>
    public DemoCluster Cluster { get; }

    /// <summary>The gateway.</summary>
    public GatewayServer Server { get; }

    /// <summary>The gateway's log.</summary>
    public RecordingLoggerProvider Log { get; }

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
        _loggerFactory.Dispose();
    }
}

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
