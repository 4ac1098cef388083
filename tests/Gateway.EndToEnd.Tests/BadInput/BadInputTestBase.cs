using System.Collections.Concurrent;
using System.Diagnostics;
using JdwpGateway.Demo;
using JdwpGateway.Routing;
using JdwpGateway.Routing.Config;
using Xunit;

namespace JdwpGateway.EndToEnd.Tests.BadInput;

/// <summary>
/// The bad-input tests run alone (not in parallel with other test collections), so an unobserved or unhandled
/// exception seen while they run is theirs.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BadInputCollection
{
    /// <summary>The collection name.</summary>
    public const string Name = "BadInput";
}

/// <summary>
/// Shared plumbing: captures the gateway's log, hosts the gateway in-process and fails the test when any exception
/// went unobserved (<see cref="TaskScheduler.UnobservedTaskException"/>) or unhandled
/// (<see cref="AppDomain.UnhandledException"/>), or when the gateway logged an error ("unexpected failure").
/// </summary>
public abstract class BadInputTestBase : IAsyncLifetime
{
    /// <summary>Longest wait for anything in these tests.</summary>
    protected static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private readonly ConcurrentQueue<string> _unhandled = new();

    /// <summary>Subscribes to the process-wide exception events.</summary>
    protected BadInputTestBase()
    {
        // Leftovers of earlier tests surface now, before this test listens.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        TaskScheduler.UnobservedTaskException += OnUnobservedTaskException;
        AppDomain.CurrentDomain.UnhandledException += OnUnhandledException;
    }

    /// <summary>The gateway's log.</summary>
    protected CapturingLoggerProvider Log { get; } = new();

    /// <summary>Node options for the nodes of a demo cluster.</summary>
    protected static IReadOnlyList<NodeOptions> NodesOf(DemoCluster cluster) =>
        [.. cluster.Nodes.Select(n => new NodeOptions { Name = n.Name, Address = $"127.0.0.1:{n.JdwpPort}" })];

    /// <summary>Starts a gateway on a free loopback port.</summary>
    protected GatewayServer StartGateway(IReadOnlyList<NodeOptions> nodes, TimeSpan? handshakeTimeout = null, TimeSpan? nodeConnectTimeout = null)
    {
        var options = new GatewayOptions
        {
            Listen = "127.0.0.1:0",
            Nodes = nodes,
            NodeRetryInterval = TimeSpan.FromMilliseconds(500),
            DebuggerHandshakeTimeout = handshakeTimeout ?? TimeSpan.FromSeconds(10),
            NodeConnectTimeout = nodeConnectTimeout ?? TimeSpan.FromSeconds(5),
        };
        var server = new GatewayServer(options, Log);
        server.Start();
        return server;
    }

    /// <summary>Waits until no debugger session is active (the previous one was torn down).</summary>
    protected async Task WaitUntilNoSessionAsync(GatewayServer server)
    {
        var clock = Stopwatch.StartNew();
        while (server.ActiveSession is not null)
        {
            if (clock.Elapsed > Wait)
            {
                throw new TimeoutException($"{server.ActiveSession?.Name} is still active {Wait.TotalSeconds:0} s after its debugger was closed. Log:\n{Log.Dump()}");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>Polls <paramref name="probe"/> until it returns a value <paramref name="accept"/> likes.</summary>
    protected async Task<T> EventuallyAsync<T>(Func<Task<T>> probe, Func<T, bool> accept, string what, TimeSpan? timeout = null)
    {
        var limit = timeout ?? Wait;
        var clock = Stopwatch.StartNew();
        T last;
        while (true)
        {
            last = await probe();
            if (accept(last))
            {
                return last;
            }

            if (clock.Elapsed > limit)
            {
                throw new Xunit.Sdk.XunitException($"{what} not reached within {limit.TotalSeconds:0} s; last value: {Describe(last)}\nLog:\n{Log.Dump()}");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>
    /// Forces finalizers to run (surfacing unobserved task exceptions) and fails if anything went unhandled or the
    /// gateway logged an error. Call it at the end of each test, after the gateway is disposed.
    /// </summary>
    protected void AssertNothingUnhandled()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Assert.True(_unhandled.IsEmpty, "Unhandled or unobserved exceptions:\n" + string.Join("\n---\n", _unhandled) + "\nLog:\n" + Log.Dump());
        var errors = Log.Errors;
        Assert.True(errors.Count == 0, "The gateway logged errors (an exception escaped its handling):\n" + string.Join("\n", errors.Select(e => e + "\n" + e.Exception)) + "\nLog:\n" + Log.Dump());
    }

    /// <inheritdoc />
    public Task InitializeAsync() => Task.CompletedTask;

    /// <inheritdoc />
    public Task DisposeAsync()
    {
        try
        {
            // Also when the test failed before its own check, so its leftovers are reported here and not by the next test.
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            GC.WaitForPendingFinalizers();
            Assert.True(_unhandled.IsEmpty, "Unhandled or unobserved exceptions during or after the test:\n" + string.Join("\n---\n", _unhandled));
        }
        finally
        {
            TaskScheduler.UnobservedTaskException -= OnUnobservedTaskException;
            AppDomain.CurrentDomain.UnhandledException -= OnUnhandledException;
        }

        return Task.CompletedTask;
    }

    private static string Describe<T>(T value) => value switch
    {
        System.Collections.IEnumerable list and not string => "[" + string.Join(", ", list.Cast<object>()) + "]",
        _ => value?.ToString() ?? "null",
    };

    private void OnUnobservedTaskException(object? sender, UnobservedTaskExceptionEventArgs e) =>
        _unhandled.Enqueue("UnobservedTaskException: " + e.Exception);

    private void OnUnhandledException(object sender, UnhandledExceptionEventArgs e) =>
        _unhandled.Enqueue("UnhandledException: " + e.ExceptionObject);
}
