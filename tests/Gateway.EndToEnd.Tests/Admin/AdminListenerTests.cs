using System.Net;
using System.Text.Json;
using JdwpGateway.Admin;
using JdwpGateway.Cli;
using JdwpGateway.Demo;
using JdwpGateway.EndToEnd.Tests.BadInput;
using JdwpGateway.Protocol.Encoding;
using JdwpGateway.Routing;
using JdwpGateway.Routing.Config;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Xunit;

namespace JdwpGateway.EndToEnd.Tests.Admin;

/// <summary>
/// The admin listener of a real gateway host (<see cref="GatewayHost"/>, as <c>serve --admin</c> runs it) in front of
/// real demo node JVMs, asked over real HTTP, with a raw JDWP debugger attached or not.
/// </summary>
public sealed class AdminListenerTests : IAsyncLifetime
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(20) };
    private DemoCluster _cluster = null!;
    private IHost _host = null!;

    private GatewayServer Server => _host.Services.GetRequiredService<GatewayServer>();

    private Uri Admin => _host.Services.GetRequiredService<AdminListener>().BaseAddress;

    public async Task InitializeAsync()
    {
        _cluster = await DemoCluster.BuildAndStartAsync(2);
        var options = new GatewayOptions
        {
            Listen = "127.0.0.1:0",
            Nodes = [.. _cluster.Nodes.Select(n => new NodeOptions { Name = n.Name, Address = $"127.0.0.1:{n.JdwpPort}" })],
            NodeRetryInterval = TimeSpan.FromMilliseconds(500),
            Admin = new AdminOptions { Listen = "127.0.0.1:0" },
        };
        _host = GatewayHost.Build(options, LogLevel.Warning);
        await _host.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
        await _cluster.DisposeAsync();
    }

    [Fact]
    public async Task Healthz_answers_ok_and_unknown_paths_are_404()
    {
        Assert.Equal("ok\n", await Http.GetStringAsync(new Uri(Admin, "healthz")));
        using var missing = await Http.GetAsync(new Uri(Admin, "v1/no-such-thing"));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Nodes_are_idle_without_a_debugger_and_connected_while_one_is_attached()
    {
        var idle = await GetJsonAsync("v1/nodes");
        Assert.Equal(JsonValueKind.Null, idle.GetProperty("session").ValueKind);
        Assert.Equal(
            _cluster.Nodes.Select(n => $"{n.Name} 127.0.0.1:{n.JdwpPort} idle"),
            idle.GetProperty("nodes").EnumerateArray().Select(Describe));

        await using (var debugger = await RawDebugger.AttachAsync(Server.LocalEndPoint))
        {
            var (error, _) = await debugger.VersionAsync();
            Assert.Equal(0, error);
            var attached = await GetJsonAsync("v1/nodes");
            Assert.Matches("^session#[0-9]+$", attached.GetProperty("session").GetString());
            Assert.Equal(
                _cluster.Nodes.Select(n => $"{n.Name} 127.0.0.1:{n.JdwpPort} connected"),
                attached.GetProperty("nodes").EnumerateArray().Select(Describe));

            // A node that dies stays in the directory (it is configured) but is no longer connected.
            _cluster.Nodes[1].Kill();
            await UntilAsync(async () => (await GetJsonAsync("v1/nodes")).GetProperty("nodes")[1].GetProperty("state").GetString() == GatewayStatusEndpoints.Disconnected);
        }
    }

    [Fact]
    public async Task Symbols_are_empty_without_a_debugger_and_list_the_virtual_vms_types_per_node_with_one()
    {
        var idle = await GetJsonAsync("v1/symbols");
        Assert.Equal(JsonValueKind.Null, idle.GetProperty("session").ValueKind);
        Assert.Equal(SymbolsEndpoints.NoSession, idle.GetProperty("message").GetString());
        Assert.Empty(idle.GetProperty("symbols").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, idle.GetProperty("registry").ValueKind);

        await using var debugger = await RawDebugger.AttachAsync(Server.LocalEndPoint);
        var reply = await debugger.CommandAsync(1, 2, new JdwpWriter().String("Lfabric/demo/OrderService;").ToArray());
        Assert.Equal(0, reply.ErrorCode);
        var reader = new JdwpReader(reply.Body);
        Assert.Equal(1, reader.ReadInt32());
        reader.ReadByte();
        var virtualTypeId = reader.ReadId(8);

        var attached = await GetJsonAsync("v1/symbols?class=fabric.demo.Order*");
        Assert.Matches("^session#[0-9]+$", attached.GetProperty("session").GetString());
        Assert.Equal(JsonValueKind.Null, attached.GetProperty("message").ValueKind);
        var symbols = attached.GetProperty("symbols").EnumerateArray().ToList();
        Assert.All(symbols, s => Assert.StartsWith("fabric.demo.Order", s.GetProperty("class").GetString(), StringComparison.Ordinal));
        var orderService = Assert.Single(symbols, s => s.GetProperty("class").GetString() == "fabric.demo.OrderService");
        Assert.Equal("Lfabric/demo/OrderService;", orderService.GetProperty("signature").GetString());
        Assert.Equal(virtualTypeId, orderService.GetProperty("virtualTypeId").GetUInt64());
        Assert.False(orderService.GetProperty("differs").GetBoolean());
        Assert.Equal(_cluster.Nodes.Select(n => n.Name), orderService.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("node").GetString()));
        Assert.All(orderService.GetProperty("nodes").EnumerateArray(), n => Assert.True(n.GetProperty("typeId").GetUInt64() > 0));
    }

    private static string Describe(JsonElement node) =>
        $"{node.GetProperty("name").GetString()} {node.GetProperty("address").GetString()} {node.GetProperty("state").GetString()}";

    private async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await Http.GetAsync(new Uri(Admin, path));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(text).RootElement;
    }

    private static async Task UntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not hold within 20 s");
            await Task.Delay(100);
        }
    }
}
