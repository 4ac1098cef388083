using JdwpGateway.EndToEnd.Tests.Gateway;
using Xunit;

namespace JdwpGateway.EndToEnd.Tests.Jdi;

/// <summary>
/// JDI scenarios that change the cluster while the debugger is attached (a class loaded on one node, a node killed, a
/// node joining, a class redefined), on both JDI implementations, through the gateway in front of three nodes. Each
/// test starts its own cluster, since what it does to the nodes cannot be undone.
/// </summary>
public sealed class JdiClusterChangeTests
{
    private const int Nodes = 3;

    /// <summary>Both JDI implementations.</summary>
    public static TheoryData<string> Jdis => new(JdiClient.OpenJdk, JdiClient.Eclipse);

    [Theory]
    [MemberData(nameof(Jdis))]
    public async Task A_class_loaded_late_on_one_node_is_prepared_once_and_its_breakpoint_hits_there(string jdi)
    {
        await using var gw = await GatewayCluster.StartAsync(nodes: Nodes);
        const string target = "node-c";
        await RunAsync(gw, jdi, "late-class-one-node", Nodes, new JdiRunOptions
        {
            TargetNode = target,
            OnSignal = signal => signal == "late" ? gw.Node(target).SendControlAsync("late") : Unknown(signal),
        });
    }

    [Theory]
    [MemberData(nameof(Jdis))]
    public async Task A_node_killed_mid_session_ends_its_threads_and_the_session_carries_on(string jdi)
    {
        await using var gw = await GatewayCluster.StartAsync(nodes: Nodes);
        const string target = "node-b";
        await RunAsync(gw, jdi, "node-killed", Nodes, new JdiRunOptions
        {
            TargetNode = target,
            OnSignal = async signal =>
            {
                if (signal != "kill")
                {
                    await Unknown(signal);
                    return;
                }

                // kill -9: the JVM gets no chance to say goodbye over JDWP.
                var node = gw.Node(target);
                node.Kill();
                await node.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            },
        });
        Assert.True(gw.Node(target).HasExited, "the killed node is still running");
    }

    [Theory]
    [MemberData(nameof(Jdis))]
    public async Task A_node_joining_mid_session_gets_the_sessions_requests_and_its_events_arrive(string jdi)
    {
        // node-c is configured but not started: it joins when the client asks, while attached.
        await using var gw = await GatewayCluster.StartAsync(nodes: Nodes, started: Nodes - 1);
        const string target = "node-c";
        await RunAsync(gw, jdi, "node-joins", Nodes, new JdiRunOptions
        {
            TargetNode = target,
            OnSignal = signal => signal switch
            {
                "join" => gw.StartConfiguredNodeAsync(target),
                "late" => gw.Node(target).SendControlAsync("late"),
                _ => Unknown(signal),
            },
        });
    }

    [Theory]
    [MemberData(nameof(Jdis))]
    public async Task RedefineClasses_through_JDI_changes_the_code_on_every_node(string jdi)
    {
        await using var gw = await GatewayCluster.StartAsync(nodes: Nodes);
        var patched = await HotSwapTests.CompilePatchedOrderServiceAsync(gw.Java);
        await RunAsync(gw, jdi, "redefine", Nodes, new JdiRunOptions { ClassFile = patched });
    }

    private static async Task RunAsync(GatewayCluster gw, string jdi, string scenario, int expectNodes, JdiRunOptions options)
    {
        var client = await JdiClient.BuildAsync(gw.Java);
        var run = await client.RunAsync(jdi, gw.Port, scenario, expectNodes, options with { TimeoutSeconds = 120 });
        if (!run.Succeeded)
        {
            throw new Xunit.Sdk.XunitException(JdiDiagnostics.Describe(gw, [run]));
        }
    }

    private static Task Unknown(string signal) => throw new InvalidOperationException($"the test has no answer to the signal '{signal}'");
}
