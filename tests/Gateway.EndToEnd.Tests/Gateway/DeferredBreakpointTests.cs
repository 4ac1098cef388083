using System.Text.RegularExpressions;
using JdwpGateway.EndToEnd.Tests.Support;
using Xunit;

namespace JdwpGateway.EndToEnd.Tests.Gateway;

/// <summary>
/// A breakpoint in a class no node has loaded yet: it must hit on the first node that loads the class, and again on a
/// node that loads the same class later, while the debugger sees the class prepared only once. Each node can load
/// <c>LateTask</c> only once, so this class starts its own cluster.
/// </summary>
public sealed class DeferredBreakpointTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(45);
    private static readonly int Late = SourceMarkers.Line("LateTask.java", SourceMarkers.Late);
    private GatewayCluster? _gw;

    public async Task InitializeAsync() => _gw = await GatewayCluster.StartAsync();

    public async Task DisposeAsync()
    {
        if (_gw is not null)
        {
            await _gw.DisposeAsync();
        }
    }

    [Fact]
    public async Task Deferred_breakpoint_hits_on_each_node_as_it_loads_the_class()
    {
        var gw = _gw!;
        await using var jdb = await gw.AttachJdbAsync();
        try
        {
            await jdb.ExpectAsync($"stop at fabric.demo.LateTask:{Late}", $@"Deferring breakpoint fabric\.demo\.LateTask:{Late}", Wait);

            await gw.Cluster["node-b"].SendControlAsync("late");
            await jdb.WaitForAsync($@"Set deferred breakpoint fabric\.demo\.LateTask:{Late}", Wait);
            await jdb.WaitForAsync($@"(?:Breakpoint hit: [^""]{{0,200}})?""thread=\[node-b\] control"", fabric\.demo\.LateTask\.run\(\), line={Late} bci=0", Wait);
            await jdb.ExpectAsync("print nodeName", @"nodeName = ""node-b""", Wait);
            await jdb.ExpectAsync("where", @"\[1\] fabric\.demo\.LateTask\.run \(LateTask\.java:\d+\)", Wait);
            await jdb.ExpectAsync("cont", "> ", Wait);

            // node-a loads the same class (same bytes: one symbol) only now; the breakpoint must follow it there.
            await gw.Cluster["node-a"].SendControlAsync("late");
            await jdb.WaitForAsync($@"(?:Breakpoint hit: [^""]{{0,200}})?""thread=\[node-a\] control"", fabric\.demo\.LateTask\.run\(\), line={Late} bci=0", Wait);
            await jdb.ExpectAsync("print nodeName", @"nodeName = ""node-a""", Wait);
            await jdb.ExpectAsync("cont", "> ", Wait);
            await jdb.ExpectAsync("classes", @"\*\* classes list \*\*[\s\S]*?\n> ", Wait);

            var transcript = jdb.Transcript;
            Assert.Single(Regex.Matches(transcript, "Set deferred breakpoint"));
            Assert.Single(Regex.Matches(transcript, @"^fabric\.demo\.LateTask\s*$", RegexOptions.Multiline));
        }
        catch (Exception e) when (e is TimeoutException or Xunit.Sdk.XunitException)
        {
            throw new Xunit.Sdk.XunitException(gw.Describe(jdb, e.Message));
        }
    }
}
