using JdwpGateway.Demo;
using JdwpGateway.Routing.Config;
using Microsoft.Extensions.Logging;
using Xunit;

namespace JdwpGateway.EndToEnd.Tests.BadInput;

/// <summary>
/// A node that is down, or that speaks garbage, costs the virtual VM that node only: the debugger keeps working with
/// the real nodes, a log line names the node's connection, and a node that comes up later is joined.
/// </summary>
[Collection(BadInputCollection.Name)]
public sealed class NodeBadInputTests : BadInputTestBase
{
    [Fact]
    public async Task A_node_that_is_down_at_start_is_logged_the_others_are_served_and_it_joins_when_it_comes_up()
    {
        var java = JavaToolchain.Find();
        var classes = await new DemoAppBuilder(java).BuildAsync();
        await using var cluster = await DemoCluster.StartAsync(1, java, classes);
        var nodeA = cluster["node-a"];
        var deadPort = FreePort.Next();
        var deadAddress = $"127.0.0.1:{deadPort}";
        await using (var server = StartGateway(
        [
            new NodeOptions { Name = "node-a", Address = $"127.0.0.1:{nodeA.JdwpPort}" },
            new NodeOptions { Name = "node-b", Address = deadAddress },
        ]))
        {
            await using var debugger = await RawDebugger.AttachAsync(server.LocalEndPoint, Wait);
            var (code, description) = await debugger.VersionAsync(Wait);
            Assert.Equal(0, code);
            Assert.Contains("node-a", description, StringComparison.Ordinal);
            Assert.DoesNotContain("node-b", description, StringComparison.Ordinal);

            var before = await debugger.AllThreadNamesAsync(Wait);
            Assert.NotEmpty(before);
            Assert.All(before, n => Assert.StartsWith("[node-a] ", n, StringComparison.Ordinal));

            var down = await Log.WaitForAsync(e => e.EventName == "NodeUnavailable" && e.Message.Contains("node-b", StringComparison.Ordinal), "about node-b being down", Wait);
            Assert.Equal(LogLevel.Warning, down.Level);
            Assert.Contains(deadAddress, down.Message, StringComparison.Ordinal);

            // node-b comes up on the configured port: the gateway's retry joins it to the running session.
            await using var nodeB = await NodeProcess.StartAsync(java, classes, "node-b", deadPort, FreePort.Next(), [$"127.0.0.1:{nodeA.AppPort}"]);
            var after = await EventuallyAsync(
                () => debugger.AllThreadNamesAsync(Wait),
                names => names.Any(n => n.StartsWith("[node-b] ", StringComparison.Ordinal)),
                "node-b's threads in AllThreads",
                TimeSpan.FromSeconds(15));
            Assert.True(after.Count > before.Count, $"AllThreads did not grow: {before.Count} -> {after.Count}");
            Assert.Contains(after, n => n.StartsWith("[node-a] ", StringComparison.Ordinal));
            Assert.Contains(Log.Entries, e => e.EventName == "NodeConnected" && e.Message.Contains("node node-b connected", StringComparison.Ordinal));
            var (joinedCode, joined) = await debugger.VersionAsync(Wait);
            Assert.Equal(0, joinedCode);
            Assert.Contains("node-b", joined, StringComparison.Ordinal);
        }

        AssertNothingUnhandled();
    }

    [Fact]
    public async Task A_node_that_never_handshakes_costs_one_connect_timeout_and_only_that_node()
    {
        var connectTimeout = TimeSpan.FromSeconds(2);
        await using var cluster = await DemoCluster.BuildAndStartAsync(2);
        await using var silent = new FakeNode(FakeNodeBehavior.NeverHandshakes);
        await using (var server = StartGateway([.. NodesOf(cluster), new NodeOptions { Name = "silent-node", Address = $"127.0.0.1:{silent.Port}" }], nodeConnectTimeout: connectTimeout))
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            await using var debugger = await RawDebugger.AttachAsync(server.LocalEndPoint, Wait);
            var (code, description) = await debugger.VersionAsync(Wait);
            var firstReply = clock.Elapsed;
            Assert.Equal(0, code);
            Assert.Contains("node-a", description, StringComparison.Ordinal);
            Assert.Contains("node-b", description, StringComparison.Ordinal);
            Assert.DoesNotContain("silent-node", description, StringComparison.Ordinal);

            var line = await Log.WaitForAsync(e => e.EventName == "NodeUnavailable" && e.Message.Contains("silent-node", StringComparison.Ordinal), "about silent-node", Wait);
            Assert.Equal(LogLevel.Warning, line.Level);
            Assert.Contains($"127.0.0.1:{silent.Port}", line.Message, StringComparison.Ordinal);
            Assert.Contains("timed out", line.Message, StringComparison.Ordinal);

            // The debugger waits while the gateway connects the nodes; a node that never answers should cost one
            // nodeConnectTimeout, not one per quick retry (those are meant for an agent that refuses while it re-listens).
            var budget = connectTimeout + TimeSpan.FromSeconds(2.5);
            Assert.True(firstReply <= budget, $"the first reply took {firstReply.TotalSeconds:0.0} s with nodeConnectTimeout {connectTimeout.TotalSeconds:0} s (budget {budget.TotalSeconds:0.0} s); silent-node was connected {silent.Accepted} time(s) before the session started serving\nLog:\n{Log.Dump()}");

            var names = await debugger.AllThreadNamesAsync(Wait);
            Assert.Contains(names, n => n.StartsWith("[node-a] ", StringComparison.Ordinal));
            Assert.Contains(names, n => n.StartsWith("[node-b] ", StringComparison.Ordinal));
        }

        AssertNothingUnhandled();
    }

    [Theory]
    [InlineData(FakeNodeBehavior.GarbageAfterHandshake)]
    [InlineData(FakeNodeBehavior.GarbageAfterVersion)]
    [InlineData(FakeNodeBehavior.MalformedEventAfterVersion)]
    [InlineData(FakeNodeBehavior.MalformedAllThreadsReply)]
    public async Task A_node_that_sends_garbage_costs_only_that_node(FakeNodeBehavior behavior)
    {
        // Checks after the first are collected, so one run shows every consequence of a failure.
        var problems = new List<string>();
        await using var cluster = await DemoCluster.BuildAndStartAsync(2);
        await using var fake = new FakeNode(behavior);
        await using (var server = StartGateway([.. NodesOf(cluster), new NodeOptions { Name = "fake-node", Address = $"127.0.0.1:{fake.Port}" }]))
        {
            await using (var debugger = await RawDebugger.AttachAsync(server.LocalEndPoint, Wait))
            {
                // The debugger works with the real nodes.
                var (code, description) = await debugger.VersionAsync(Wait);
                Assert.Equal(0, code);
                Assert.Contains("node-a", description, StringComparison.Ordinal);
                Assert.Contains("node-b", description, StringComparison.Ordinal);
                var names = await debugger.AllThreadNamesAsync(Wait);
                Assert.Contains(names, n => n.StartsWith("[node-a] ", StringComparison.Ordinal));
                Assert.Contains(names, n => n.StartsWith("[node-b] ", StringComparison.Ordinal));
                Assert.All(names, n => Assert.False(n.StartsWith("[fake-node]", StringComparison.Ordinal), n));

                // A log line names the fake node's connection, the packet id and the offset.
                var line = behavior == FakeNodeBehavior.GarbageAfterHandshake
                    ? await Log.WaitForAsync(e => e.EventName is "NodeUnavailable" or "MalformedInput" && e.Message.Contains("fake-node@session#1", StringComparison.Ordinal), "about fake-node's garbage", Wait)
                    : await Log.WaitForAsync(e => e.EventName == "MalformedInput" && e.Message.Contains("fake-node@session#1", StringComparison.Ordinal), "about fake-node's garbage", Wait);
                Assert.Equal(LogLevel.Warning, line.Level);
                switch (behavior)
                {
                    case FakeNodeBehavior.MalformedEventAfterVersion:
                        Assert.Contains($"packet id {FakeNode.BadEventPacketId}", line.Message, StringComparison.Ordinal);
                        Assert.Contains("Event.Composite", line.Message, StringComparison.Ordinal);
                        Assert.Contains("byte offset 16", line.Message, StringComparison.Ordinal);
                        break;
                    case FakeNodeBehavior.MalformedAllThreadsReply:
                        Assert.Contains($"packet id {fake.BadReplyId}", line.Message, StringComparison.Ordinal);
                        Assert.Contains("VirtualMachine.AllThreads", line.Message, StringComparison.Ordinal);
                        Assert.Matches(@"byte offset (11|15)\b", line.Message);
                        break;
                    default:
                        Assert.Contains($"packet id {FakeNode.GarbagePacketId}", line.Message, StringComparison.Ordinal);
                        Assert.Contains($"byte offset {fake.GarbageOffset}", line.Message, StringComparison.Ordinal);
                        Assert.Contains("exceeds the limit", line.Message, StringComparison.Ordinal);
                        break;
                }

                // The gateway keeps retrying the bad node, and keeps surviving it.
                var clock = System.Diagnostics.Stopwatch.StartNew();
                while (fake.Accepted < 3 && clock.Elapsed < TimeSpan.FromSeconds(15))
                {
                    if (behavior == FakeNodeBehavior.MalformedAllThreadsReply)
                    {
                        await debugger.AllThreadNamesAsync(Wait);
                    }

                    await Task.Delay(200);
                }

                if (fake.Accepted < 3)
                {
                    problems.Add($"the gateway stopped retrying fake-node after it misbehaved: {fake.Accepted} connection(s) in 15 s with a 500 ms retry interval");
                }

                var (stillCode, _) = await debugger.VersionAsync(Wait);
                Assert.Equal(0, stillCode);
                var stillNames = await debugger.AllThreadNamesAsync(Wait);
                Assert.Contains(stillNames, n => n.StartsWith("[node-a] ", StringComparison.Ordinal));
                Assert.Contains(stillNames, n => n.StartsWith("[node-b] ", StringComparison.Ordinal));
            }

            // The session ends and the next debugger is served.
            var ended = System.Diagnostics.Stopwatch.StartNew();
            while (server.ActiveSession is not null && ended.Elapsed < Wait)
            {
                await Task.Delay(50);
            }

            if (server.ActiveSession is { } stuck)
            {
                problems.Add($"{stuck.Name} is still the active session {Wait.TotalSeconds:0} s after its debugger closed, so every later debugger is refused");
            }
            else
            {
                await using var next = await RawDebugger.AttachAsync(server.LocalEndPoint, Wait);
                var (nextCode, nextDescription) = await next.VersionAsync(Wait);
                Assert.Equal(0, nextCode);
                Assert.Contains("node-a", nextDescription, StringComparison.Ordinal);
            }
        }

        Assert.All(cluster.Nodes, n => Assert.False(n.HasExited, $"{n} exited:\n{n.RecentOutputText}"));
        Assert.True(problems.Count == 0, string.Join("\n", problems) + "\nLog:\n" + Log.Dump());
        AssertNothingUnhandled();
    }
}
