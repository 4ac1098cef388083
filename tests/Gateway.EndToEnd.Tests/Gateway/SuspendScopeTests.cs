using JdwpGateway.EndToEnd.Tests.Support;
using JdwpGateway.Routing.Config;
using Xunit;

namespace JdwpGateway.EndToEnd.Tests.Gateway;

/// <summary>
/// The <c>suspend</c> setting: what a breakpoint with SUSPEND_ALL on one node suspends in the rest of the virtual VM.
/// Frames can only be read from suspended threads, so <c>where</c> tells which threads are.
/// </summary>
public sealed class SuspendScopeTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(45);
    private static readonly int ProcessEntry = SourceMarkers.Line("OrderService.java", SourceMarkers.ProcessEntry);

    [Theory]
    [InlineData(SuspendScope.All, true, true)]
    [InlineData(SuspendScope.Node, false, true)]
    [InlineData(SuspendScope.Thread, false, false)]
    public async Task A_breakpoint_suspends_what_the_scope_says(SuspendScope scope, bool otherNodeSuspended, bool sameNodeSuspended)
    {
        await using var gw = await GatewayCluster.StartAsync(configure: o => o with { Suspend = scope });
        await using var jdb = await gw.AttachJdbAsync();
        try
        {
            var listing = await jdb.ExpectAsync("threads", @"Group fabric:[\s\S]*?\n> ", Wait);
            string Id(string name) => System.Text.RegularExpressions.Regex.Match(listing.Value, $@"\(java\.lang\.Thread\)(\d+)\s+\[{name}\s").Groups[1].Value;
            var workerB = Id("node-b\\] worker");
            var workerA = Id("node-a\\] worker");
            var peerServerB = Id("node-b\\] peer-server");

            // jdb's default breakpoint suspends all threads; only node-b's worker may hit it.
            await jdb.ExpectAsync($"stop {workerB} at fabric.demo.OrderService:{ProcessEntry}", "Set breakpoint", Wait);
            await jdb.WaitForAsync(@"""thread=\[node-b\] worker"", fabric\.demo\.OrderService\.process\(\)", Wait);

            await jdb.ExpectAsync($"where {workerB}", @"\[1\] fabric\.demo\.OrderService\.process[\s\S]*?java\.lang\.Thread\.run[^\n]*\n", Wait);
            await ExpectSuspendedAsync(jdb, workerA, otherNodeSuspended);
            await ExpectSuspendedAsync(jdb, peerServerB, sameNodeSuspended);
            await jdb.ExpectAsync("cont", "> ", Wait);
        }
        catch (Exception e) when (e is TimeoutException or Xunit.Sdk.XunitException)
        {
            throw new Xunit.Sdk.XunitException(gw.Describe(jdb, $"scope {scope}: {e.Message}"));
        }
    }

    private static async Task ExpectSuspendedAsync(JdbDriver jdb, string thread, bool suspended)
    {
        // A frame is "[1] " followed by a name; jdb's prompt "worker[1] " is followed by a space or a line break. The
        // whole stack is consumed so that none of its frames is read as the answer to the next command.
        var m = await jdb.ExpectAsync($"where {thread}", @"(\[1\] \S[\s\S]*?java\.lang\.Thread\.run[^\n]*\n|[^\n]*isn't suspended[^\n]*\n)", Wait);
        Assert.True(suspended == m.Value.StartsWith("[1]", StringComparison.Ordinal), $"thread {thread} should {(suspended ? string.Empty : "not ")}be suspended; jdb said: {m.Value}");
    }
}
