using JdwpGateway.EndToEnd.Tests.Gateway;
using Xunit;

namespace JdwpGateway.EndToEnd.Tests.Jdi;

/// <summary>
/// The JDI client's "inspect" scenario (modules, statics, field and array assignments, instances, class objects,
/// visible classes, thread group parents, bytecodes, monitors, a static interface method, force early return, stop,
/// interrupt, and vm.exit last) through the gateway in front of three nodes, on both JDI implementations. Each test
/// starts its own cluster: the scenario ends with vm.exit, which the gateway sends to every node.
/// </summary>
public sealed class JdiInspectTests
{
    private const int Nodes = 3;

    /// <summary>Both JDI implementations.</summary>
    public static TheoryData<string> Jdis => new(JdiClient.OpenJdk, JdiClient.Eclipse);

    [Theory]
    [MemberData(nameof(Jdis))]
    public async Task Inspect_reads_and_assigns_across_the_virtual_vm_then_exit_ends_every_node(string jdi)
    {
        await using var gw = await GatewayCluster.StartAsync(nodes: Nodes);
        var client = await JdiClient.BuildAsync(gw.Java);
        var run = await client.RunAsync(jdi, gw.Port, "inspect", Nodes, new JdiRunOptions { TimeoutSeconds = 120 });
        if (!run.Succeeded)
        {
            throw new Xunit.Sdk.XunitException(JdiDiagnostics.Describe(gw, [run]));
        }

        // vm.exit(0) is the debugger asking the whole virtual VM to exit: every node does, with that code.
        foreach (var node in gw.Cluster.Nodes)
        {
            await node.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.True(node.ExitCode == 0, $"{node.Name} exited with {node.ExitCode}:\n{node.RecentOutputText}");
        }

        // The stopped worker caught the debugger's exception and went on (Worker.run prints what it catches).
        Assert.Contains(gw.Cluster.Nodes, n => n.RecentOutput.Contains("worker: stopped by the debugger"));
    }
}
