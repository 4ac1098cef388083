using JdwpGateway.Configuration;
using JdwpGateway.EndToEnd.Tests.Support;
using JdwpGateway.Routing.Config;
using Microsoft.Extensions.Logging;
using Xunit;

namespace JdwpGateway.EndToEnd.Tests.Gateway;

/// <summary>
/// The configuration file of a running gateway is edited while jdb is attached: a node added to it joins the session
/// with the session's breakpoint, a broken edit changes nothing, and a node removed from it leaves the session.
/// </summary>
public sealed class ConfigReloadTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(45);
    private static readonly int ProcessEntry = SourceMarkers.Line("OrderService.java", SourceMarkers.ProcessEntry);
    private readonly string _dir = Directory.CreateTempSubdirectory("jdwp-gateway-reload-").FullName;
    private GatewayCluster? _gw;

    public async Task InitializeAsync() =>
        _gw = await GatewayCluster.StartAsync(nodes: 2, configure: o => o with { Nodes = [o.Nodes[0]] });

    public async Task DisposeAsync()
    {
        if (_gw is not null)
        {
            await _gw.DisposeAsync();
        }

        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Nodes_added_to_and_removed_from_the_file_join_and_leave_the_attached_session()
    {
        var gw = _gw!;
        var path = Path.Combine(_dir, "gateway.yaml");
        var nodeA = new NodeOptions { Name = "node-a", Address = $"127.0.0.1:{gw.Cluster["node-a"].JdwpPort}" };
        var nodeB = new NodeOptions { Name = "node-b", Address = $"127.0.0.1:{gw.Cluster["node-b"].JdwpPort}" };
        await File.WriteAllTextAsync(path, Yaml("127.0.0.1:0", nodeA));
        var started = new GatewayOptions { Listen = "127.0.0.1:0", Nodes = [nodeA], NodeRetryInterval = TimeSpan.FromMilliseconds(500) };
        using var reloader = new ConfigFileReloader(path, started, o => o, gw.Server.Nodes, gw.Loggers.CreateLogger("reload"), TimeSpan.FromMilliseconds(200));
        reloader.Start();

        await using var jdb = await gw.AttachJdbAsync();
        try
        {
            var listing = await jdb.ExpectAsync("threads", @"Group fabric:[\s\S]*?\n> ", Wait);
            Assert.DoesNotContain("[node-b]", listing.Value);
            await jdb.ExpectAsync($"stop at fabric.demo.OrderService:{ProcessEntry}", "Set breakpoint", Wait);
            await jdb.WaitForAsync(@"(?:Breakpoint hit: [^""]{0,200})?""thread=\[node-a\] worker""", Wait);
            await jdb.ExpectAsync("cont", "> ", Wait);

            // node-b is added to the file: it joins the attached session and gets the session's breakpoint.
            await File.WriteAllTextAsync(path, Yaml("127.0.0.1:0", nodeA, nodeB));
            await WaitForLogAsync(gw, "reloaded: 1 node(s) joined, 0 left");
            await WaitForBreakpointOnAsync(jdb, "node-b");
            await jdb.ExpectAsync("print order.id", @"order\.id = ""node-b-\d+""", Wait);
            await jdb.ExpectAsync($"clear fabric.demo.OrderService:{ProcessEntry}", "Removed", Wait);
            await jdb.ExpectAsync("cont", "> ", Wait);

            // A broken edit is refused and changes nothing.
            await File.WriteAllTextAsync(path, "nodes: [\n");
            await WaitForLogAsync(gw, "was not applied");
            listing = await jdb.ExpectAsync("threads", @"Group fabric:[\s\S]*?\n> ", Wait);
            Assert.Contains("[node-a] worker", listing.Value);
            Assert.Contains("[node-b] worker", listing.Value);

            // node-a is removed (and listen changed, which needs a restart): node-a leaves, node-b stays.
            await File.WriteAllTextAsync(path, Yaml("127.0.0.1:1", nodeB));
            await WaitForLogAsync(gw, "reloaded: 0 node(s) joined, 1 left");
            await WaitForLogAsync(gw, "take effect when the gateway restarts");
            await WaitForLogAsync(gw, "node node-a (", "left the node directory");
            listing = await jdb.ExpectAsync("threads", @"Group fabric:[\s\S]*?\n> ", Wait);
            Assert.DoesNotContain("[node-a]", listing.Value);
            Assert.Contains("[node-b] worker", listing.Value);
            Assert.False(gw.Cluster["node-a"].HasExited, "a node removed from the file keeps running");
            Assert.NotNull(gw.Server.ActiveSession);
        }
        catch (Exception e) when (e is TimeoutException or Xunit.Sdk.XunitException)
        {
            throw new Xunit.Sdk.XunitException(gw.Describe(jdb, e.Message));
        }
    }

    private static string Yaml(string listen, params NodeOptions[] nodes) =>
        $"listen: {listen}\nnodeRetrySeconds: 0.5\nnodes:\n" + string.Concat(nodes.Select(n => $"  - name: {n.Name}\n    address: {n.Address}\n"));

    private static async Task WaitForBreakpointOnAsync(JdbDriver jdb, string node)
    {
        for (var i = 0; i < 30; i++)
        {
            var hit = await jdb.WaitForAsync(@"(?:Breakpoint hit: [^""]{0,200})?""thread=\[(node-[ab])\] worker""", Wait);
            if (hit.Groups[1].Value == node)
            {
                return;
            }

            await jdb.ExpectAsync("cont", "> ", Wait);
        }

        Assert.Fail($"{node} never hit the session's breakpoint");
    }

    private static async Task WaitForLogAsync(GatewayCluster gw, params string[] parts)
    {
        var text = string.Join(" … ", parts);
        for (var i = 0; i < 300; i++)
        {
            if (gw.Log.Lines.Any(l => parts.All(p => l.Contains(p, StringComparison.Ordinal))))
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"the gateway did not log '{text}' within 30 s");
    }
}
