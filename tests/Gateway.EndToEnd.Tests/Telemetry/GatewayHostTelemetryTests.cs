using JdwpGateway.Admin;
using JdwpGateway.Cli;
using JdwpGateway.Configuration;
using JdwpGateway.Demo;
using JdwpGateway.EndToEnd.Tests.BadInput;
using JdwpGateway.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TelemetryTesting;
using Xunit;

namespace JdwpGateway.EndToEnd.Tests.Telemetry;

/// <summary>
/// The gateway host as <c>jdwp-gateway serve --config</c> runs it, with <c>telemetry:</c> from YAML, exporting OTLP/HTTP
/// to a collector in the test while a raw debugger talks to a real node JVM.
/// </summary>
public sealed class GatewayHostTelemetryTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Otlp_carries_command_counts_and_sampled_spans_from_the_configured_gateway()
    {
        var java = JavaToolchain.Find();
        var classes = await new DemoAppBuilder(java).BuildAsync();
        await using var cluster = await DemoCluster.StartAsync(1, java, classes);
        using var collector = new OtlpHttpReceiver();
        var options = GatewayConfigFile.Parse($"""
            listen: 127.0.0.1:0
            nodes:
              - name: node-a
                address: 127.0.0.1:{cluster.Nodes[0].JdwpPort}
            telemetry:
              serviceName: gateway-under-test
              tracesSampleRatio: 1
              otlp:
                endpoint: {collector.Endpoint}
                protocol: http
                exportIntervalSeconds: 0.5
            """);
        var started = new TaskCompletionSource<GatewayServer>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var host = GatewayHost.Build(options, LogLevel.Warning, started.SetResult);
        await host.StartAsync();
        try
        {
            var server = await started.Task.WaitAsync(Wait);
            await using (var debugger = await RawDebugger.AttachAsync(server.LocalEndPoint, Wait))
            {
                for (var i = 0; i < 3; i++)
                {
                    Assert.Equal(0, (await debugger.VersionAsync(Wait)).Error);
                }

                Assert.Equal(0, (await debugger.CommandAsync(1, 4, [], Wait)).ErrorCode);
            }

            static double Commands(OtlpHttpReceiver c, string command) =>
                c.Metrics.LastOrDefault(m => m.Metric.Name == "jdwp.gateway.commands").Metric?.Sum.DataPoints
                    .Where(p => OtlpHttpReceiver.Attribute(p.Attributes, "jdwp.command") == command).Sum(p => p.AsInt) ?? 0;

            await collector.WaitForAsync(
                c => Commands(c, "VirtualMachine.Version") == 3 && Commands(c, "VirtualMachine.AllThreads") == 1
                    && c.Spans.Any(s => s.Name == "jdwp.node VirtualMachine.AllThreads"),
                "3 Version and 1 AllThreads commands and the AllThreads node span");
        }
        finally
        {
            await host.StopAsync();
        }

        Assert.Empty(collector.Problems);
        var commands = collector.Metrics.Last(m => m.Metric.Name == "jdwp.gateway.commands");
        Assert.Equal("gateway-under-test", commands.Service);
        Assert.Equal("{command}", commands.Metric.Unit);
        var version = commands.Metric.Sum.DataPoints.Single(p => OtlpHttpReceiver.Attribute(p.Attributes, "jdwp.command") == "VirtualMachine.Version");
        Assert.Equal("synthesized", OtlpHttpReceiver.Attribute(version.Attributes, "gateway.route"));
        Assert.Equal("None", OtlpHttpReceiver.Attribute(version.Attributes, "jdwp.error"));
        Assert.Contains(collector.Metrics, m => m.Metric.Name == "jdwp.gateway.command.duration" && m.Metric.Unit == "s");

        Assert.Equal(3, collector.Spans.Count(s => s.Name == "jdwp VirtualMachine.Version"));
        var allThreads = collector.Spans.Single(s => s.Name == "jdwp VirtualMachine.AllThreads");
        var node = collector.Spans.Single(s => s.Name == "jdwp.node VirtualMachine.AllThreads");
        Assert.Equal(allThreads.SpanId, node.ParentSpanId);
        Assert.Equal(allThreads.TraceId, node.TraceId);
        Assert.Equal("node-a", OtlpHttpReceiver.Attribute(node.Attributes, "jdwp.node"));
    }

    [Fact]
    public async Task Prometheus_endpoint_counts_the_commands_a_debugger_sent()
    {
        var java = JavaToolchain.Find();
        var classes = await new DemoAppBuilder(java).BuildAsync();
        await using var cluster = await DemoCluster.StartAsync(2, java, classes);
        var options = GatewayConfigFile.Parse($"""
            listen: 127.0.0.1:0
            nodes:
              - name: node-a
                address: 127.0.0.1:{cluster.Nodes[0].JdwpPort}
              - name: node-b
                address: 127.0.0.1:{cluster.Nodes[1].JdwpPort}
            admin:
              listen: 127.0.0.1:0
            """);
        var started = new TaskCompletionSource<GatewayServer>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var host = GatewayHost.Build(options, LogLevel.Warning, started.SetResult);
        await host.StartAsync();
        try
        {
            var server = await started.Task.WaitAsync(Wait);
            using var http = new HttpClient { BaseAddress = host.Services.GetRequiredService<AdminListener>().BaseAddress };
            var before = await PrometheusText.ScrapeAsync(http);
            await using (var debugger = await RawDebugger.AttachAsync(server.LocalEndPoint, Wait))
            {
                for (var i = 0; i < 4; i++)
                {
                    Assert.Equal(0, (await debugger.VersionAsync(Wait)).Error);
                }

                Assert.Equal(0, (await debugger.CommandAsync(1, 4, [], Wait)).ErrorCode);
                Assert.Equal(0, (await debugger.CommandAsync(1, 4, [], Wait)).ErrorCode);
            }

            var after = await PrometheusText.ScrapeAsync(http);
            double Delta(string name, params (string, string)[] labels) => after.Value(name, labels) - before.Value(name, labels);
            Assert.Equal(4, Delta("jdwp_gateway_commands_total", ("jdwp_command", "VirtualMachine.Version"), ("jdwp_error", "None"), ("gateway_route", "synthesized")));
            Assert.Equal(2, Delta("jdwp_gateway_commands_total", ("jdwp_command", "VirtualMachine.AllThreads"), ("gateway_route", "fan-out")));
            Assert.Equal(6, Delta("jdwp_gateway_commands_total"));
            Assert.Equal(6, Delta("jdwp_gateway_command_duration_seconds_count"));
            Assert.Equal(2, Delta("jdwp_gateway_fan_out_width_count"));
            Assert.Equal(4, Delta("jdwp_gateway_fan_out_width_sum"));
            Assert.Equal(6, Delta("jdwp_gateway_packets_total", ("direction", "debugger_to_gateway")));
            Assert.Equal(6 * 11, Delta("jdwp_gateway_bytes_total", ("direction", "debugger_to_gateway")));
            Assert.Equal(2, Delta("jdwp_gateway_node_changes_total", ("change", "joined")));
            Assert.Equal(1, Delta("jdwp_gateway_sessions_total"));
            Assert.Contains("otel_scope_name=\"JdwpGateway\"", after.Text);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task Prometheus_off_serves_no_metrics_on_the_admin_listener()
    {
        var options = GatewayConfigFile.Parse("listen: 127.0.0.1:0\nnodes:\n  - name: a\n    address: 127.0.0.1:1\nadmin:\n  listen: 127.0.0.1:0\ntelemetry:\n  prometheus: false\n");
        using var host = GatewayHost.Build(options, LogLevel.Warning);
        await host.StartAsync();
        try
        {
            using var http = new HttpClient { BaseAddress = host.Services.GetRequiredService<AdminListener>().BaseAddress };
            Assert.Equal(System.Net.HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
            Assert.Equal(System.Net.HttpStatusCode.NotFound, (await http.GetAsync("/metrics")).StatusCode);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public void Telemetry_keys_are_bound_and_checked()
    {
        var defaults = GatewayConfigFile.Parse("nodes:\n  - name: a\n    address: 127.0.0.1:5005\n").Telemetry;
        Assert.Null(defaults.Otlp);
        Assert.Equal(0, defaults.TracesSampleRatio);
        Assert.Equal("jdwp-gateway", defaults.ServiceName);

        Assert.True(defaults.Prometheus);
        var bad = GatewayConfigFile.Parse("nodes:\n  - name: a\n    address: 127.0.0.1:5005\ntelemetry:\n  tracesSampleRatio: 1.5\n  otlp:\n    endpoint: somewhere\n    protocol: udp\n");
        var problems = string.Join("\n", bad.Validate());
        Assert.Contains("telemetry.otlp.endpoint 'somewhere'", problems);
        Assert.Contains("telemetry.otlp.protocol 'udp' must be grpc or http", problems);
        Assert.Contains("telemetry.tracesSampleRatio 1.5", problems);

        var unknown = Assert.Throws<GatewayConfigException>(() => GatewayConfigFile.Parse("telemetry:\n  otlp:\n    url: http://x\n"));
        Assert.Contains("unknown key 'url' (known keys here: endpoint, protocol, exportIntervalSeconds)", unknown.Message);
    }
}
