using System.Diagnostics;
using JdwpGateway.EndToEnd.Tests.BadInput;
using JdwpGateway.EndToEnd.Tests.Gateway;
using JdwpGateway.Protocol;
using JdwpGateway.Protocol.Encoding;
using JdwpGateway.Protocol.Spec;
using Xunit;

namespace JdwpGateway.EndToEnd.Tests.Telemetry;

/// <summary>
/// The gateway's metrics and spans against real node JVMs and a raw JDWP debugger: every command the debugger sends
/// is counted once, under its name, outcome and route.
/// </summary>
public sealed class GatewayTelemetryTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Commands_packets_nodes_sessions_and_protocol_errors_are_counted_exactly()
    {
        await using var cluster = await GatewayCluster.StartAsync(nodes: 2);
        using var metrics = new MetricRecorder(cluster.Server.Metrics.Meter);
        long sentBytes = 0;
        await using (var debugger = await RawDebugger.AttachAsync(cluster.Server.LocalEndPoint, Wait))
        {
            async Task<JdwpPacket> CommandAsync(byte set, byte command, byte[] body)
            {
                sentBytes += JdwpPacket.HeaderLength + body.Length;
                return await debugger.CommandAsync(set, command, body, Wait);
            }

            Assert.Equal(0, (await CommandAsync(1, 1, [])).ErrorCode);
            Assert.Equal(0, (await CommandAsync(1, 1, [])).ErrorCode);
            var threads = await CommandAsync(1, 4, []);
            Assert.Equal(0, threads.ErrorCode);
            Assert.NotEmpty(RawDebugger.ParseIds(threads.Body));
            Assert.Equal(0, (await CommandAsync(1, 7, [])).ErrorCode);
            var bogus = await CommandAsync(11, 1, new JdwpWriter().Id(0x0A00_0000_0000_7777, 8).ToArray());
            Assert.Equal((short)ErrorCode.InvalidThread, bogus.ErrorCode);

            // While the session lives, its tables hold the threads' virtual IDs.
            Assert.True(metrics.Observe("jdwp.gateway.virtual_ids", ("table", "objects")) >= RawDebugger.ParseIds(threads.Body).Count);

            // A ThreadReference.Name whose body is too short for its thread ID breaks the framing contract.
            await debugger.SendCommandAsync(11, 1, [1, 2, 3]);
            sentBytes += JdwpPacket.HeaderLength + 3;
            Assert.True(await debugger.WaitForCloseAsync(Wait));
        }

        await cluster.WaitForNoSessionAsync();
        var log = metrics.Describe();

        Assert.True(2 == metrics.Sum("jdwp.gateway.commands", ("jdwp.command", "VirtualMachine.Version"), ("jdwp.error", "None"), ("gateway.route", "synthesized")), log);
        Assert.Equal(1, metrics.Sum("jdwp.gateway.commands", ("jdwp.command", "VirtualMachine.AllThreads"), ("jdwp.error", "None"), ("gateway.route", "fan-out")));
        Assert.Equal(1, metrics.Sum("jdwp.gateway.commands", ("jdwp.command", "VirtualMachine.IDSizes"), ("gateway.route", "synthesized")));
        Assert.Equal(1, metrics.Sum("jdwp.gateway.commands", ("jdwp.command", "ThreadReference.Name"), ("jdwp.error", "InvalidThread"), ("gateway.route", "by-id")));
        Assert.Equal(5, metrics.Sum("jdwp.gateway.commands"));
        Assert.Equal(5, metrics.Count("jdwp.gateway.command.duration"));
        Assert.All(metrics.Values("jdwp.gateway.command.duration"), d => Assert.InRange(d, 0, Wait.TotalSeconds));
        Assert.Equal([2.0], metrics.Values("jdwp.gateway.fan_out.width", ("jdwp.command", "VirtualMachine.AllThreads")));

        Assert.Equal(6, metrics.Sum("jdwp.gateway.packets", ("direction", "debugger_to_gateway")));
        Assert.Equal(sentBytes, metrics.Sum("jdwp.gateway.bytes", ("direction", "debugger_to_gateway")));
        Assert.True(metrics.Sum("jdwp.gateway.packets", ("direction", "gateway_to_debugger")) >= 5, log);

        // AllThreads went to both nodes; each node command got its reply.
        Assert.True(metrics.Sum("jdwp.gateway.packets", ("direction", "gateway_to_node")) >= 2, log);
        Assert.True(metrics.Sum("jdwp.gateway.packets", ("direction", "node_to_gateway")) >= metrics.Sum("jdwp.gateway.packets", ("direction", "gateway_to_node")), log);

        Assert.Equal(2, metrics.Sum("jdwp.gateway.node.changes", ("change", "joined")));
        Assert.Equal(0, metrics.Sum("jdwp.gateway.node.changes", ("change", "failed")));
        Assert.Equal(1, metrics.Sum("jdwp.gateway.protocol_errors", ("source", "debugger")));
        Assert.Equal(1, metrics.Sum("jdwp.gateway.sessions"));
        Assert.Equal(0, metrics.Sum("jdwp.gateway.sessions.active"));
        Assert.Equal(0, metrics.Observe("jdwp.gateway.virtual_ids", ("table", "objects")));
    }

    [Fact]
    public async Task A_traced_command_has_one_span_with_a_child_per_node_round_trip()
    {
        await using var cluster = await GatewayCluster.StartAsync(nodes: 2);
        var spans = new System.Collections.Concurrent.ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => ReferenceEquals(source, cluster.Server.Metrics.Source),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        await using (var debugger = await RawDebugger.AttachAsync(cluster.Server.LocalEndPoint, Wait))
        {
            Assert.Equal(0, (await debugger.CommandAsync(1, 4, [], Wait)).ErrorCode);
            Assert.Equal(0, (await debugger.CommandAsync(1, 1, [], Wait)).ErrorCode);
        }

        await cluster.WaitForNoSessionAsync();
        var command = Assert.Single(spans, s => s.OperationName == "jdwp VirtualMachine.AllThreads");
        Assert.Equal(ActivityKind.Server, command.Kind);
        Assert.Equal("fan-out", command.GetTagItem("gateway.route"));
        Assert.Equal("None", command.GetTagItem("jdwp.error"));
        var children = spans.Where(s => s.ParentSpanId == command.SpanId).ToList();
        Assert.Equal(["node-a", "node-b"], children.Select(c => (string)c.GetTagItem("jdwp.node")!).Order());
        Assert.All(children, c => Assert.Equal("jdwp.node VirtualMachine.AllThreads", c.OperationName));
        Assert.All(children, c => Assert.Equal(command.TraceId, c.TraceId));

        // A synthesized command asks no node: no child spans.
        var version = Assert.Single(spans, s => s.OperationName == "jdwp VirtualMachine.Version");
        Assert.DoesNotContain(spans, s => s.ParentSpanId == version.SpanId);
    }
}
