using System.Net;
using System.Text.Json;
using JdwpGateway.Admin;
using JdwpGateway.Cli;
using JdwpGateway.Demo;
using JdwpGateway.EndToEnd.Tests.BadInput;
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
