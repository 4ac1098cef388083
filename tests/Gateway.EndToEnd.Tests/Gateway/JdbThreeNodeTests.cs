using JdwpGateway.EndToEnd.Tests.Support;
using Xunit;

namespace JdwpGateway.EndToEnd.Tests.Gateway;

/// <summary>
/// Real jdb through the gateway in front of three real nodes: what jdb can express of the scenario list (per-node locals
/// and statics, invocations with a string literal, watchpoints, exception breakpoints, method entry and exit traces,
/// one thread suspended alone,
/// detach and reattach with nothing of the first session left).
/// </summary>
[Collection(JdbThreeNodeCollection.Name)]
public sealed class JdbThreeNodeTests(ThreeNodeGatewayClusterFixture fixture)
{
    /// <summary>jdb's prompt: "> ", or "thread[frame] " once a thread is current.</summary>
    private const string Prompt = @"(> |\[\d+\] )";

    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(45);
    private static readonly int ProcessEntry = SourceMarkers.Line("OrderService.java", SourceMarkers.ProcessEntry);
    private static readonly int ProcessCompute = SourceMarkers.Line("OrderService.java", SourceMarkers.ProcessCompute);
    private static readonly string[] AllNodes = ["node-a", "node-b", "node-c"];

    private GatewayCluster Gw => fixture.Cluster;

    [Fact]
    public Task Each_nodes_hit_shows_its_own_locals_statics_and_invocation_results() => WithJdbAsync(async jdb =>
    {
        await jdb.ExpectAsync($"stop at fabric.demo.OrderService:{ProcessCompute}", "Set breakpoint", Wait);
        var seen = new HashSet<string>();
        for (var hit = 0; hit < 18 && seen.Count < 3; hit++)
        {
            var m = await jdb.WaitForAsync($@"(?:Breakpoint hit: [^""]{{0,200}})?""thread=\[(node-[abc])\] worker"", fabric\.demo\.OrderService\.process\(\), line={ProcessCompute}", Wait);
            var node = m.Groups[1].Value;
            seen.Add(node);
            await jdb.ExpectAsync("print label", $@"label = ""{node}:{node}-\d+""", Wait);

            // A static of the one shared type, read while stopped on a node, is that node's.
            await jdb.ExpectAsync("print fabric.demo.OrderService.homeNode", $@"fabric\.demo\.OrderService\.homeNode = ""{node}""", Wait);
            await jdb.ExpectAsync("print order.toString()", $@"order\.toString\(\) = ""Order\[{node}-\d+ x\d+ for \w+\]""", Wait);

            // The literal "x" is a string jdb creates in the VM (VirtualMachine.CreateString), passed to a static method.
            await jdb.ExpectAsync("print fabric.demo.OrderService.tag(\"x\")", $@"fabric\.demo\.OrderService\.tag\(""x""\) = ""x@{node}""", Wait);
            await jdb.ExpectAsync("cont", "> ", Wait);
        }

        Assert.True(seen.SetEquals(AllNodes), $"hits only from {string.Join(",", seen)}");
        await jdb.ExpectAsync($"clear fabric.demo.OrderService:{ProcessCompute}", "Removed: breakpoint", Wait);
    });

    [Theory]
    [InlineData("watch", "modification")]
    [InlineData("watch access", "accesses")]
    public Task Watchpoints_hit_on_every_node(string command, string kind) => WithJdbAsync(async jdb =>
    {
        await jdb.ExpectAsync($"{command} fabric.demo.OrderService.processed", $@"Set watch {kind} of fabric\.demo\.OrderService\.processed", Wait);
        var seen = new HashSet<string>();
        for (var hit = 0; hit < 18 && seen.Count < 3; hit++)
        {
            var m = await jdb.WaitForAsync(@"Field \(fabric\.demo\.OrderService\.processed\)[^\n]*?""thread=\[(node-[abc])\] worker"", fabric\.demo\.OrderService\.process", Wait);
            var node = m.Groups[1].Value;
            seen.Add(node);
            await jdb.ExpectAsync("print this.nodeName", $@"this\.nodeName = ""{node}""", Wait);
            await jdb.ExpectAsync("cont", "> ", Wait);
        }

        Assert.True(seen.SetEquals(AllNodes), $"{kind} watchpoint hits only from {string.Join(",", seen)}");
        await jdb.ExpectAsync($"un{command} fabric.demo.OrderService.processed", "Removed", Wait);
    });

    [Fact]
    public Task Method_entries_and_exits_are_traced_on_every_node() => WithJdbAsync(async jdb =>
    {
        // "trace go methods": MethodEntry and MethodExit(WithReturnValue) requests on every node, threads not suspended.
        await jdb.SendAsync("trace go methods");
        var entered = new HashSet<string>();
        var exited = new HashSet<string>();
        for (var i = 0; i < 400 && (entered.Count < 3 || exited.Count < 3); i++)
        {
            var m = await jdb.WaitForAsync(@"Method (entered|exited): (?:return value = (\d+), )?""thread=\[(node-[abc])\] worker"", fabric\.demo\.OrderService\.compute\(\)", Wait);
            var node = m.Groups[3].Value;
            if (m.Groups[1].Value == "entered")
            {
                entered.Add(node);
            }
            else
            {
                // compute returns (quantity % 7) * 3 + 1: the value comes from that node's frame, through the gateway.
                var value = int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
                Assert.True(value % 3 == 1 && value <= 19, $"compute() on {node} returned {value}");
                exited.Add(node);
            }
        }

        Assert.True(entered.SetEquals(AllNodes), $"method entries only from {string.Join(",", entered)}");
        Assert.True(exited.SetEquals(AllNodes), $"method exits only from {string.Join(",", exited)}");
        // untrace: EventRequest.Clear of both requests on every node; events in flight may still arrive for a moment.
        await jdb.SendAsync("untrace methods");
        await Task.Delay(TimeSpan.FromSeconds(2));
        var before = Traces(jdb.Transcript);
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.True(Traces(jdb.Transcript) == before, "method events still arrive 2 s after untrace");

        static int Traces(string transcript) => System.Text.RegularExpressions.Regex.Count(transcript, "Method (entered|exited):");
    });

    [Fact]
    public Task Caught_exception_breakpoint_hits_on_every_node() => WithJdbAsync(async jdb =>
    {
        await jdb.ExpectAsync("catch caught java.lang.IllegalStateException", @"(Set|Deferring) caught java\.lang\.IllegalStateException", Wait);
        var seen = new HashSet<string>();
        for (var hit = 0; hit < 18 && seen.Count < 3; hit++)
        {
            var m = await jdb.WaitForAsync(@"Exception occurred: java\.lang\.IllegalStateException \(to be caught at: fabric\.demo\.Worker\.run\(\)[^""\n]*""thread=\[(node-[abc])\] worker""", Wait);
            var node = m.Groups[1].Value;
            seen.Add(node);
            await jdb.ExpectAsync("print order.id", $@"order\.id = ""{node}-\d+""", Wait);
            await jdb.ExpectAsync("cont", "> ", Wait);
        }

        Assert.True(seen.SetEquals(AllNodes), $"exception events only from {string.Join(",", seen)}");
        await jdb.ExpectAsync("ignore caught java.lang.IllegalStateException", @"Removed: caught java\.lang\.IllegalStateException", Wait);
    });

    [Fact]
    public Task Uncaught_exception_stops_jdb_on_the_node_that_threw_it() => WithJdbAsync(async jdb =>
    {
        // jdb sets "catch uncaught java.lang.Throwable" when it attaches: an exception request on every node.
        Assert.Contains("Set uncaught java.lang.Throwable", jdb.Transcript, StringComparison.Ordinal);
        foreach (var node in new[] { "node-b", "node-c" })
        {
            await Gw.Cluster[node].SendControlAsync("uncaught");
            await jdb.WaitForAsync($@"Exception occurred: java\.lang\.IllegalArgumentException \(uncaught\)[^\n]*""thread=\[{node}\] uncaught""", Wait);
            await jdb.ExpectAsync("where", @"\[1\] fabric\.demo\.DemoNode\.lambda\$throwUncaught\$\d+ \(DemoNode\.java:\d+\)", Wait);
            await jdb.ExpectAsync("print nodeName", $@"nodeName = ""{node}""", Wait);
            await jdb.ExpectAsync("cont", "> ", Wait);
        }
    });

    [Fact]
    public Task One_suspended_thread_stays_still_while_the_other_nodes_run() => WithJdbAsync(async jdb =>
    {
        var listing = await jdb.ExpectAsync("threads", @"Group fabric:[\s\S]*?\n> ", Wait);
        string Id(string node) => System.Text.RegularExpressions.Regex.Match(listing.Value, $@"\(java\.lang\.Thread\)(\d+)\s+\[{node}\] worker\s").Groups[1].Value;
        var ids = AllNodes.ToDictionary(n => n, Id);
        Assert.All(ids.Values, id => Assert.False(string.IsNullOrEmpty(id), listing.Value));

        await jdb.ExpectAsync($"suspend {ids["node-c"]}", "> ", Wait);

        // "stop thread": only the event thread is suspended, so each hit is resumed by its own thread's resume.
        await jdb.ExpectAsync($"stop thread at fabric.demo.OrderService:{ProcessEntry}", "Set breakpoint", Wait);
        var seen = new HashSet<string>();
        for (var hit = 0; hit < 12 && seen.Count < 2; hit++)
        {
            var m = await jdb.WaitForAsync($@"(?:Breakpoint hit: [^""]{{0,200}})?""thread=\[(node-[abc])\] worker"", fabric\.demo\.OrderService\.process\(\), line={ProcessEntry}", Wait);
            var node = m.Groups[1].Value;
            Assert.True(node != "node-c", "the suspended node-c worker hit the breakpoint");
            seen.Add(node);
            await jdb.ExpectAsync($"resume {ids[node]}", "> ", Wait);
        }

        Assert.True(seen.SetEquals(["node-a", "node-b"]), $"while node-c's worker was suspended, hits only from {string.Join(",", seen)}");
        await jdb.ExpectAsync($"where {ids["node-c"]}", @"\[\d+\] fabric\.demo\.Worker\.run \(Worker\.java:\d+\)", Wait);
        await jdb.ExpectAsync($"clear fabric.demo.OrderService:{ProcessEntry}", "Removed: breakpoint", Wait);

        // Resumed, it runs again: a breakpoint on it alone hits.
        await jdb.ExpectAsync($"stop thread {ids["node-c"]} at fabric.demo.OrderService:{ProcessEntry}", "Set breakpoint", Wait);
        await jdb.ExpectAsync($"resume {ids["node-c"]}", Prompt, Wait);
        await jdb.WaitForAsync($@"(?:Breakpoint hit: [^""]{{0,200}})?""thread=\[node-c\] worker"", fabric\.demo\.OrderService\.process\(\), line={ProcessEntry}", Wait);
    });

    [Fact]
    public async Task After_detaching_at_a_breakpoint_a_new_jdb_finds_no_breakpoint_and_nothing_suspended()
    {
        await WithJdbAsync(async jdb =>
        {
            await jdb.ExpectAsync($"stop at fabric.demo.OrderService:{ProcessEntry}", "Set breakpoint", Wait);
            await jdb.WaitForAsync(@"(?:Breakpoint hit: [^""]{0,200})?""thread=\[node-[abc]\] worker""", Wait);
        });

        await WithJdbAsync(async jdb =>
        {
            // The first session's breakpoint would stop a worker within a second (each runs process every 300 ms).
            await jdb.ExpectAsync("threads", @"\[node-c\] worker", Wait);
            await Task.Delay(TimeSpan.FromSeconds(3));
            await jdb.ExpectAsync("clear", @"No breakpoints set\.", Wait);
            Assert.DoesNotContain("Breakpoint hit", jdb.Transcript, StringComparison.Ordinal);
            var listing = await jdb.ExpectAsync("threads", @"Group fabric:[\s\S]*?\n> ", Wait);
            var worker = System.Text.RegularExpressions.Regex.Match(listing.Value, @"\(java\.lang\.Thread\)(\d+)\s+\[node-a\] worker\s").Groups[1].Value;
            await jdb.ExpectAsync($"where {worker}", @"isn't suspended", Wait);
        });
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

/// <summary>A gateway cluster of three nodes for jdb; tests run one at a time (one session per gateway).</summary>
[CollectionDefinition(Name)]
public sealed class JdbThreeNodeCollection : ICollectionFixture<ThreeNodeGatewayClusterFixture>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "jdb three-node gateway cluster";
}
