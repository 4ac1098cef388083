using System.Text.RegularExpressions;
using JdwpGateway.EndToEnd.Tests.Support;
using Xunit;

namespace JdwpGateway.EndToEnd.Tests.Gateway;

/// <summary>
/// Real jdb attached to the gateway in front of two real node JVMs. Every assertion is on what jdb prints, so these
/// tests fail if any command jdb depends on is routed, virtualized or merged wrongly.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class JdbThroughGatewayTests(GatewayClusterFixture fixture)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(45);
    private static readonly int ProcessEntry = SourceMarkers.Line("OrderService.java", SourceMarkers.ProcessEntry);
    private static readonly int ProcessCompute = SourceMarkers.Line("OrderService.java", SourceMarkers.ProcessCompute);
    private static readonly int ComputeBody = SourceMarkers.Line("OrderService.java", SourceMarkers.ComputeBody);

    private GatewayCluster Gw => fixture.Cluster;

    [Fact]
    public Task Threads_of_every_node_are_listed_under_one_group_per_node() => WithJdbAsync(async jdb =>
    {
        // jdb prints a group's name before the first thread of that group, so the per-node groups (which hold
        // only the node's own groups) show through their children's names.
        var listing = await jdb.ExpectAsync("threads", @"Group fabric:[\s\S]*\[node-b\] Common-Cleaner[^\n]*\n", Wait);
        var text = listing.Value;
        Assert.Contains("Group [node-a] system:", text);
        Assert.Contains("Group [node-b] main:", text);
        foreach (var node in new[] { "node-a", "node-b" })
        {
            foreach (var thread in new[] { "worker", "peer-server", "control", "Reference Handler" })
            {
                Assert.Contains($"[{node}] {thread}", text);
            }
        }

        // Each node's threads are listed under that node's groups.
        Assert.Matches(@"Group \[node-a\] main:\s*\n(\s+\([^\n]*\[node-a\][^\n]*\n)+", text);
        Assert.Matches(@"Group \[node-b\] main:\s*\n(\s+\([^\n]*\[node-b\][^\n]*\n)+", text);

        // The virtual VM has one top-level group ("fabric", as jdb lists only the first), one group per node under it.
        var groups = await jdb.ExpectAsync("threadgroups", @"\d+\. \(java\.lang\.ThreadGroup\)\d+ fabric[\s\S]*?> ", Wait);
        Assert.Matches(@"\(java\.lang\.ThreadGroup\)\d+ node-a\s", groups.Value);
        Assert.Matches(@"\(java\.lang\.ThreadGroup\)\d+ node-b\s", groups.Value);
        Assert.Matches(@"\(java\.lang\.ThreadGroup\)\d+ \[node-b\] system\s", groups.Value);
    });

    [Fact]
    public Task One_breakpoint_hits_on_both_nodes_with_each_nodes_own_frames_and_locals() => WithJdbAsync(async jdb =>
    {
        await jdb.ExpectAsync($"stop at fabric.demo.OrderService:{ProcessEntry}", $@"Set breakpoint fabric\.demo\.OrderService:{ProcessEntry}", Wait);
        var seen = new HashSet<string>();
        for (var hit = 0; hit < 12 && seen.Count < 2; hit++)
        {
            var m = await jdb.WaitForAsync($@"(?:Breakpoint hit: [^""]{{0,200}})?""thread=\[(node-[ab])\] worker"", fabric\.demo\.OrderService\.process\(\), line={ProcessEntry} bci=\d+", Wait);
            var node = m.Groups[1].Value;
            seen.Add(node);

            var where = await jdb.ExpectAsync("where", @"\[1\] fabric\.demo\.OrderService\.process \(OrderService\.java:(\d+)\)[\s\S]*?\[3\] java\.lang\.Thread\.run[^\n]*\n", Wait);
            Assert.Equal(ProcessEntry.ToString(System.Globalization.CultureInfo.InvariantCulture), where.Groups[1].Value);
            Assert.Contains("fabric.demo.Worker.run (Worker.java:", where.Value);

            await jdb.ExpectAsync("locals", @"Method arguments:\s+order = instance of fabric\.demo\.Order\(id=\d+\)", Wait);

            // The order's id starts with the name of the node that created it: the value must come from the node that hit.
            var printed = await jdb.ExpectAsync("print order.id", @"order\.id = ""(node-[ab])-\d+""", Wait);
            Assert.Equal(node, printed.Groups[1].Value);
            await jdb.ExpectAsync("cont", "> ", Wait);
        }

        Assert.True(seen.SetEquals(["node-a", "node-b"]), $"hits came only from {string.Join(",", seen)}");
        await jdb.ExpectAsync($"clear fabric.demo.OrderService:{ProcessEntry}", @"Removed: breakpoint", Wait);
    });

    [Fact]
    public Task Step_into_step_up_and_next_on_one_nodes_thread() => WithJdbAsync(async jdb =>
    {
        var worker = await ThreadIdAsync(jdb, "node-b", "worker");
        await jdb.ExpectAsync($"stop {worker} at fabric.demo.OrderService:{ProcessCompute}", @"Set breakpoint", Wait);
        await jdb.WaitForAsync($@"(?:Breakpoint hit: [^""]{{0,200}})?""thread=\[node-b\] worker"", fabric\.demo\.OrderService\.process\(\), line={ProcessCompute} bci=\d+", Wait);

        var locals = await jdb.ExpectAsync("locals", @"Local variables:\s+total = (\d+)\s+label = ""(node-b:node-b-\d+)""\s+parts = instance of int\[3\] \(id=\d+\)", Wait);
        var label = locals.Groups[2].Value;
        await jdb.ExpectAsync("print label", $@"label = ""{Regex.Escape(label)}""", Wait);
        await jdb.ExpectAsync("dump parts", $@"parts = \{{\s*{locals.Groups[1].Value}, \d+, {label.Length}\s*\}}", Wait);
        await jdb.ExpectAsync("print order.customer.name", @"order\.customer\.name = ""\w+""", Wait);
        await jdb.ExpectAsync("dump order", @"order = \{\s+id: ""node-b-\d+""\s+quantity: \d+\s+history: instance of long\[3\][\s\S]*?customer: instance of fabric\.demo\.Customer", Wait);
        await jdb.ExpectAsync("print order", @"order = ""Order\[node-b-\d+ x\d+ for \w+\]""", Wait);

        await jdb.ExpectAsync("step", $@"Step completed: [^""]{{0,200}}""thread=\[node-b\] worker"", fabric\.demo\.OrderService\.compute\(\), line={ComputeBody} bci=\d+", Wait);
        var where = await jdb.ExpectAsync("where", @"\[1\] fabric\.demo\.OrderService\.compute \(OrderService\.java:\d+\)\s+\[2\] fabric\.demo\.OrderService\.process \(OrderService\.java:(\d+)\)", Wait);
        Assert.Equal(ProcessCompute.ToString(System.Globalization.CultureInfo.InvariantCulture), where.Groups[1].Value);
        await jdb.ExpectAsync("step up", $@"Step completed: [^""]{{0,200}}""thread=\[node-b\] worker"", fabric\.demo\.OrderService\.process\(\), line={ProcessCompute} bci=\d+", Wait);
        await jdb.ExpectAsync("next", $@"Step completed: [^""]{{0,200}}""thread=\[node-b\] worker"", fabric\.demo\.OrderService\.process\(\), line={ProcessCompute + 1} bci=\d+", Wait);
        await jdb.ExpectAsync("cont", "> ", Wait);
    });

    [Fact]
    public Task Exception_breakpoint_stops_where_the_exception_is_thrown() => WithJdbAsync(async jdb =>
    {
        await jdb.ExpectAsync("catch java.lang.IllegalStateException", @"(Set|Deferring) all java\.lang\.IllegalStateException", Wait);
        var m = await jdb.WaitForAsync(@"Exception occurred: java\.lang\.IllegalStateException \(to be caught at: fabric\.demo\.Worker\.run\(\), line=\d+ bci=\d+\)[^""\n]*""thread=\[(node-[ab])\] worker"", fabric\.demo\.OrderService\.process\(\)", Wait);
        await jdb.ExpectAsync("where", @"\[1\] fabric\.demo\.OrderService\.process", Wait);
        await jdb.ExpectAsync("print order.id", $@"order\.id = ""{m.Groups[1].Value}-\d+""", Wait);
        await jdb.ExpectAsync("ignore java.lang.IllegalStateException", @"Removed: all java\.lang\.IllegalStateException", Wait);
        await jdb.ExpectAsync("cont", "> ", Wait);
    });

    [Fact]
    public Task The_same_class_on_both_nodes_is_one_type() => WithJdbAsync(async jdb =>
    {
        var classes = await jdb.ExpectAsync("classes", @"\*\* classes list \*\*[\s\S]*?\n> ", Wait);
        Assert.Single(Regex.Matches(classes.Value, @"^fabric\.demo\.OrderService\s*$", RegexOptions.Multiline));
        Assert.Single(Regex.Matches(classes.Value, @"^java\.lang\.String\s*$", RegexOptions.Multiline));

        var methods = await jdb.ExpectAsync("methods fabric.demo.OrderService", @"fabric\.demo\.OrderService <init>[\s\S]*?fabric\.demo\.OrderService receivedCount\(\)", Wait);
        Assert.Contains("fabric.demo.OrderService process(fabric.demo.Order)", methods.Value);

        // One breakpoint on that one type hits on both nodes (checked in detail elsewhere): here, that it is one request.
        await jdb.ExpectAsync($"stop in fabric.demo.OrderService.compute", "Set breakpoint fabric\\.demo\\.OrderService\\.compute", Wait);
        await jdb.WaitForAsync(@"(?:Breakpoint hit: [^""]{0,200})?""thread=\[node-[ab]\] (worker|peer-server)"", fabric\.demo\.OrderService\.compute\(\)", Wait);
        var list = await jdb.ExpectAsync("clear", @"Breakpoints set:[\s\S]*?\n(?=\S)", Wait);
        Assert.Single(Regex.Matches(list.Value, @"breakpoint fabric\.demo\.OrderService\.compute"));
        await jdb.ExpectAsync("clear fabric.demo.OrderService.compute", "Removed: breakpoint", Wait);
        await jdb.ExpectAsync("cont", "> ", Wait);
    });

    [Fact]
    public Task Suspend_stops_every_node_so_any_threads_frames_can_be_read() => WithJdbAsync(async jdb =>
    {
        var workerA = await ThreadIdAsync(jdb, "node-a", "worker");
        var workerB = await ThreadIdAsync(jdb, "node-b", "worker");
        await jdb.ExpectAsync("suspend", "All threads suspended", Wait);
        foreach (var thread in new[] { workerA, workerB })
        {
            // Frames can only be read from a suspended thread: this fails if a node was not suspended.
            await jdb.ExpectAsync($"where {thread}", @"\[\d+\] fabric\.demo\.Worker\.run \(Worker\.java:\d+\)", Wait);
        }

        await jdb.ExpectAsync("resume", "All threads resumed", Wait);
    });

    [Fact]
    public async Task Detach_leaves_nodes_running_and_a_new_debugger_can_attach()
    {
        await WithJdbAsync(async jdb =>
        {
            await jdb.ExpectAsync($"stop at fabric.demo.OrderService:{ProcessEntry}", "Set breakpoint", Wait);
            await jdb.WaitForAsync(@"(?:Breakpoint hit: [^""]{0,200})?""thread=\[node-[ab]\] worker""", Wait);

            // Detach while suspended at a breakpoint: the nodes must be resumed and their requests cleared.
        });

        var before = Gw.Cluster.Nodes.Select(n => n.RecentOutput.Count(l => l.Contains("sent", StringComparison.Ordinal) || l.Length > 0)).ToList();
        foreach (var node in Gw.Cluster.Nodes)
        {
            Assert.False(node.HasExited, node.RecentOutputText);
        }

        await WithJdbAsync(async jdb =>
        {
            await jdb.ExpectAsync("threads", @"\[node-b\] worker", Wait);
            await jdb.ExpectAsync($"stop at fabric.demo.OrderService:{ComputeBody}", "Set breakpoint", Wait);
            await jdb.WaitForAsync($@"(?:Breakpoint hit: [^""]{{0,200}})?""thread=\[node-[ab]\] (worker|peer-server)"", fabric\.demo\.OrderService\.compute\(\), line={ComputeBody}", Wait);
            await jdb.ExpectAsync($"clear fabric.demo.OrderService:{ComputeBody}", "Removed: breakpoint", Wait);
        });
        Assert.NotNull(before);
    }

    /// <summary>The virtual thread ID jdb shows for a node's thread.</summary>
    private static async Task<string> ThreadIdAsync(JdbDriver jdb, string node, string thread)
    {
        var m = await jdb.ExpectAsync("threads", $@"\(java\.lang\.Thread\)(\d+)\s+\[{node}\] {thread}\s", Wait);
        await jdb.WaitForAsync(@"\n> ", Wait);
        return m.Groups[1].Value;
    }

    private async Task WithJdbAsync(Func<JdbDriver, Task> body)
    {
        await Gw.WaitForNoSessionAsync();
        var jdb = await Gw.AttachJdbAsync();
        try
        {
            await body(jdb);
            await jdb.SendAsync("exit");
            await jdb.WaitForExitAsync(Wait);
        }
        catch (Exception e) when (e is TimeoutException or Xunit.Sdk.XunitException)
        {
            throw new Xunit.Sdk.XunitException(Gw.Describe(jdb, e.Message));
        }
        finally
        {
            await jdb.DisposeAsync();
        }

        foreach (var node in Gw.Cluster.Nodes)
        {
            Assert.False(node.HasExited, $"{node.Name} died:\n{node.RecentOutputText}");
        }
    }
}

/// <summary>Tests sharing one gateway cluster run one at a time: a JDWP agent serves one debugger.</summary>
[CollectionDefinition(Name)]
public sealed class GatewayCollection : ICollectionFixture<GatewayClusterFixture>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "gateway cluster";
}
