using JdwpGateway.Demo;
using JdwpGateway.EndToEnd.Tests.Support;
using Xunit;

namespace JdwpGateway.EndToEnd.Tests.Gateway;

/// <summary>
/// A node dies while a debugger is attached, then comes back on the same address: the session survives, serves the
/// remaining node meanwhile, and the returning node receives the session's breakpoints.
/// </summary>
public sealed class NodeLifecycleTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(45);
    private static readonly int ProcessEntry = SourceMarkers.Line("OrderService.java", SourceMarkers.ProcessEntry);
    private GatewayCluster? _gw;
    private NodeProcess? _revived;

    public async Task InitializeAsync() => _gw = await GatewayCluster.StartAsync();

    public async Task DisposeAsync()
    {
        if (_revived is not null)
        {
            await _revived.DisposeAsync();
        }

        if (_gw is not null)
        {
            await _gw.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_node_that_dies_and_returns_rejoins_the_session_with_its_breakpoints()
    {
        var gw = _gw!;
        var nodeB = gw.Cluster["node-b"];
        await using var jdb = await gw.AttachJdbAsync();
        try
        {
            await jdb.ExpectAsync("threads", @"\[node-b\] worker", Wait);
            await jdb.WaitForAsync(@"\n> ", Wait);

            nodeB.Kill();
            await nodeB.WaitForExitAsync();
            await WaitForLogAsync(gw, "node node-b left");

            var listing = await jdb.ExpectAsync("threads", @"Group fabric:[\s\S]*?\n> ", Wait);
            Assert.Contains("[node-a] worker", listing.Value);
            Assert.DoesNotContain("[node-b]", listing.Value);

            await jdb.ExpectAsync($"stop at fabric.demo.OrderService:{ProcessEntry}", "Set breakpoint", Wait);
            await jdb.WaitForAsync(@"(?:Breakpoint hit: [^""]{0,200})?""thread=\[node-a\] worker""", Wait);
            await jdb.ExpectAsync("cont", "> ", Wait);

            // The same node comes back on the same JDWP port; the gateway's retry finds it and sets the breakpoint there.
            var classes = await new DemoAppBuilder(gw.Java).BuildAsync();
            _revived = await NodeProcess.StartAsync(gw.Java, classes, "node-b", nodeB.JdwpPort, FreePort.Next(), [$"127.0.0.1:{gw.Cluster["node-a"].AppPort}"]);
            await WaitForLogAsync(gw, "node node-b connected", occurrence: 2);
            for (var i = 0; i < 20; i++)
            {
                var hit = await jdb.WaitForAsync(@"(?:Breakpoint hit: [^""]{0,200})?""thread=\[(node-[ab])\] worker""", Wait);
                if (hit.Groups[1].Value == "node-b")
                {
                    await jdb.ExpectAsync("print order.id", @"order\.id = ""node-b-\d+""", Wait);
                    return;
                }

                await jdb.ExpectAsync("cont", "> ", Wait);
            }

            Assert.Fail("the returning node-b never hit the session's breakpoint");
        }
        catch (Exception e) when (e is TimeoutException or Xunit.Sdk.XunitException)
        {
            throw new Xunit.Sdk.XunitException(gw.Describe(jdb, e.Message));
        }
    }

    private static async Task WaitForLogAsync(GatewayCluster gw, string text, int occurrence = 1)
    {
        for (var i = 0; i < 300; i++)
        {
            if (gw.Log.Lines.Count(l => l.Contains(text, StringComparison.Ordinal)) >= occurrence)
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"the gateway did not log '{text}' (x{occurrence}) within 30 s");
    }
}
