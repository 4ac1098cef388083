using JdwpGateway.Demo;
using JdwpGateway.Protocol.Encoding;
using JdwpGateway.Protocol.Spec;
using JdwpGateway.Routing.Config;
using Xunit;

namespace JdwpGateway.EndToEnd.Tests.BadInput;

/// <summary>
/// The node directory (what discovery keeps up to date) changes the virtual VM of a running session: a node that is
/// added joins with its threads announced, a node that is withdrawn leaves with ThreadDeath for its threads, and the
/// debugger stays attached throughout.
/// </summary>
[Collection(BadInputCollection.Name)]
public sealed class NodeDirectoryTests : BadInputTestBase
{
    [Fact]
    public async Task Nodes_added_to_and_withdrawn_from_the_directory_join_and_leave_the_running_session()
    {
        await using var cluster = await DemoCluster.BuildAndStartAsync(2);
        var nodes = NodesOf(cluster);
        await using (var server = StartGateway([nodes[0]]))
        {
            await using var debugger = await RawDebugger.AttachAsync(server.LocalEndPoint, Wait);
            var before = await debugger.AllThreadNamesAsync(Wait);
            Assert.All(before, n => Assert.StartsWith("[node-a] ", n, StringComparison.Ordinal));

            // ThreadStart and ThreadDeath requests, as IDEs set on attach: a joining node's threads "start", a leaving
            // node's threads "die".
            var start = await SetRequestAsync(debugger, EventKind.ThreadStart);
            var death = await SetRequestAsync(debugger, EventKind.ThreadDeath);

            server.Nodes.Replace([nodes[0], nodes[1]]);
            var started = await ReadThreadEventsAsync(debugger, EventKind.ThreadStart, start);
            var after = await EventuallyAsync(
                () => debugger.AllThreadNamesAsync(Wait),
                names => names.Any(n => n.StartsWith("[node-b] ", StringComparison.Ordinal)),
                "node-b's threads in AllThreads");
            Assert.Equal(after.Count(n => n.StartsWith("[node-b] ", StringComparison.Ordinal)), started.Count);

            server.Nodes.Replace([nodes[0]]);
            var died = await ReadThreadEventsAsync(debugger, EventKind.ThreadDeath, death);
            Assert.Equal(started.Count, died.Count);
            Assert.Equal(started.Order(), died.Order());
            await Log.WaitForAsync(e => e.EventName == "NodeWithdrawn" && e.Message.Contains("node-b", StringComparison.Ordinal), "node-b withdrawn", Wait);
            var last = await debugger.AllThreadNamesAsync(Wait);
            Assert.DoesNotContain(last, n => n.StartsWith("[node-b] ", StringComparison.Ordinal));
            Assert.Contains(last, n => n.StartsWith("[node-a] ", StringComparison.Ordinal));

            // A withdrawn node is not retried: it stays out until the directory lists it again.
            await Task.Delay(TimeSpan.FromSeconds(2));
            Assert.DoesNotContain(await debugger.AllThreadNamesAsync(Wait), n => n.StartsWith("[node-b] ", StringComparison.Ordinal));
            Assert.False(cluster["node-b"].HasExited, "node-b must keep running: leaving the directory only closes the gateway's connection");
            Assert.True(server.ActiveSession is not null, "the session ended\n" + Log.Dump());
        }

        AssertNothingUnhandled();
    }

    private static async Task<int> SetRequestAsync(RawDebugger debugger, EventKind kind)
    {
        var reply = await debugger.CommandAsync(15, 1, new JdwpWriter().Byte((byte)kind).Byte((byte)SuspendPolicy.None).Int(0).ToArray(), Wait);
        Assert.Equal(0, reply.ErrorCode);
        return new JdwpReader(reply.Body).ReadInt32();
    }

    /// <summary>Reads Event.Composite packets until one holds events of <paramref name="kind"/>; returns their threads.</summary>
    private static async Task<List<ulong>> ReadThreadEventsAsync(RawDebugger debugger, EventKind kind, int request)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (DateTime.UtcNow < deadline)
        {
            var packet = await debugger.ReadPacketAsync(deadline - DateTime.UtcNow);
            if (packet.IsReply || (packet.CommandSet, packet.Command) != (64, 100))
            {
                continue;
            }

            var reader = new JdwpReader(packet.Body);
            reader.ReadByte();
            var count = reader.ReadInt32();
            var threads = new List<ulong>();
            for (var i = 0; i < count; i++)
            {
                var eventKind = reader.ReadByte();
                var requestId = reader.ReadInt32();
                var thread = reader.ReadId(8);
                if (eventKind == (byte)kind && requestId == request)
                {
                    threads.Add(thread);
                }
                else if (eventKind is not ((byte)EventKind.ThreadStart or (byte)EventKind.ThreadDeath))
                {
                    break;
                }
            }

            if (threads.Count > 0)
            {
                return threads;
            }
        }

        throw new TimeoutException($"no {kind} events within {Wait.TotalSeconds:0} s");
    }
}
