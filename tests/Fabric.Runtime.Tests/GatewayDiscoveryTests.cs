using System.Net;
using JdwpGateway.Protocol;
using JdwpGateway.Protocol.Encoding;
using JdwpGateway.Protocol.Transport;
using JdwpGateway.Routing;
using JdwpGateway.Routing.Config;
using Microsoft.Extensions.Logging.Abstractions;
using Fabric.Runtime.Tests.Support;
using static Fabric.Runtime.Tests.Support.GatewayClient;

namespace Fabric.Runtime.Tests;

/// <summary>
/// The gateway finds its nodes through the registry: nodes started by manifest register, join the virtual VM (also in
/// the middle of a debugging session) and can be debugged, and a node that stops leaves it.
/// </summary>
public sealed class GatewayDiscoveryTests(AppsFixture apps) : IClassFixture<AppsFixture>, IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private readonly TempDir _dir = new();
    private RegistryServer _registry = null!;

    public async Task InitializeAsync() => _registry = await RegistryServer.StartAsync(_dir.Combine("registry"), apps.Key);

    public async Task DisposeAsync()
    {
        await _registry.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task Nodes_registered_for_the_manifest_are_debugged_through_the_gateway_and_leave_when_they_stop()
    {
        await _registry.PublishAsync(apps.ShopClasses, "shop:2.0", apps.Key);
        using var nodeA = StartNode("node-a");
        await nodeA.WaitForAsync("^ready$");

        var options = new GatewayOptions
        {
            Listen = "127.0.0.1:0",
            Discovery = new DiscoveryOptions { Registry = _registry.Url, Manifest = "shop:2.0", PollInterval = TimeSpan.FromMilliseconds(200) },
        };
        await using var gateway = new GatewayServer(options, NullLoggerFactory.Instance);
        gateway.Start();
        await Until(() => Task.FromResult(gateway.Nodes.Present.Count == 1), "node-a discovered through the registry");

        await using var debugger = await AttachAsync(gateway.LocalEndPoint);
        Assert.Contains("node-a", await VersionAsync(debugger), StringComparison.Ordinal);

        // The application's class was loaded by hash from the registry, and the debugger sees it as one type.
        var main = await debugger.SendCommandAsync(1, 2, new JdwpWriter().String("Lcom/shop/Main;").ToArray());
        Assert.Equal(0, main.ErrorCode);
        Assert.Equal(1, new JdwpReader(main.Body).ReadInt32());

        // A node started from the same manifest mid-session joins; the debugger stays attached.
        using var nodeB = StartNode("node-b");
        await nodeB.WaitForAsync("^ready$");
        await Until(async () => (await VersionAsync(debugger)).Contains("node-b", StringComparison.Ordinal), "node-b in the virtual VM");
        await Until(async () => (await ThreadNamesAsync(debugger)).Any(n => n.StartsWith("[node-b] ", StringComparison.Ordinal)), "node-b's threads listed");

        // node-a stops (and deregisters): it leaves the virtual VM, node-b stays.
        await nodeA.SendLineAsync("");
        Assert.True(await nodeA.WaitForExitAsync() == 0, nodeA.Output);
        await Until(async () => !(await VersionAsync(debugger)).Contains("node-a", StringComparison.Ordinal), "node-a gone from the virtual VM");
        Assert.Contains("node-b", await VersionAsync(debugger), StringComparison.Ordinal);
        await nodeB.SendLineAsync("");
        Assert.True(await nodeB.WaitForExitAsync() == 0, nodeB.Output);
    }

    [Fact]
    public async Task A_node_suspended_by_the_debugger_past_its_lease_stays_in_the_session()
    {
        await _registry.PublishAsync(apps.ShopClasses, "shop:2.0", apps.Key);
        using var nodeA = StartNode("node-a", leaseSeconds: 3);
        await nodeA.WaitForAsync("^ready$");
        var options = new GatewayOptions
        {
            Listen = "127.0.0.1:0",
            Discovery = new DiscoveryOptions { Registry = _registry.Url, Manifest = "shop:2.0", PollInterval = TimeSpan.FromMilliseconds(200) },
        };
        await using var gateway = new GatewayServer(options, NullLoggerFactory.Instance);
        gateway.Start();
        await Until(() => Task.FromResult(gateway.Nodes.Present.Count == 1), "node-a discovered through the registry");
        await using var debugger = await AttachAsync(gateway.LocalEndPoint);
        var before = await ThreadNamesAsync(debugger);
        Assert.Contains(before, n => n.StartsWith("[node-a] ", StringComparison.Ordinal));

        // VirtualMachine.Suspend stops every thread of node-a, its lease renewal too: the registry drops it.
        Assert.Equal(0, (await debugger.SendCommandAsync(1, 8, []).WaitAsync(Wait)).ErrorCode);
        using var http = new HttpClient { BaseAddress = new Uri(_registry.Url) };
        await Until(async () => !(await http.GetStringAsync("v1/nodes")).Contains("node-a", StringComparison.Ordinal), "node-a's lease lapsed at the registry");
        await Task.Delay(TimeSpan.FromSeconds(1));

        // The gateway keeps it: the debugger still sees its threads, stopped where they were.
        Assert.Single(gateway.Nodes.Present);
        Assert.Equal(before.Order(), (await ThreadNamesAsync(debugger)).Order());
        Assert.Contains("node-a", await VersionAsync(debugger), StringComparison.Ordinal);

        // Resumed, the node renews its registration and is still the same node of the same session.
        Assert.Equal(0, (await debugger.SendCommandAsync(1, 9, []).WaitAsync(Wait)).ErrorCode);
        await Until(async () => (await http.GetStringAsync("v1/nodes")).Contains("node-a", StringComparison.Ordinal), "node-a registered again");
        Assert.Equal(before.Order(), (await ThreadNamesAsync(debugger)).Order());
        await nodeA.SendLineAsync("");
        Assert.True(await nodeA.WaitForExitAsync() == 0, nodeA.Output);
    }

    private NodeProcess StartNode(string name, int? leaseSeconds = null) => NodeProcess.Start(new NodeLaunchOptions
    {
        LauncherOptions = leaseSeconds is { } lease ? ["--lease-seconds", lease.ToString(System.Globalization.CultureInfo.InvariantCulture)] : [],
        Registry = _registry.Url,
        Manifest = "shop:2.0",
        MainClass = "com.shop.Main",
        Cache = _dir.Combine("cache-" + name),
        Trust = [apps.Key.PublicPem],
        ApplicationArguments = ["wait"],
        NodeName = name,
        Jdwp = $"127.0.0.1:{FreePort()}",
    });

    private static async Task<List<string>> ThreadNamesAsync(JdwpCommandChannel debugger)
    {
        var sizes = await debugger.SendCommandAsync(1, 7, []).WaitAsync(Wait);
        var objectIdSize = ReadObjectIdSize(sizes.Body);
        var threads = await debugger.SendCommandAsync(1, 4, []).WaitAsync(Wait);
        Assert.Equal(0, threads.ErrorCode);
        var ids = ReadIds(threads.Body, objectIdSize);
        var names = new List<string>();
        foreach (var id in ids)
        {
            var name = await debugger.SendCommandAsync(11, 1, new JdwpWriter().Id(id, objectIdSize).ToArray()).WaitAsync(Wait);
            if (name.ErrorCode == 0)
            {
                names.Add(new JdwpReader(name.Body).ReadString());
            }
        }

        return names;
    }

    private static int ReadObjectIdSize(ReadOnlySpan<byte> idSizes)
    {
        var reader = new JdwpReader(idSizes);
        reader.ReadInt32();
        reader.ReadInt32();
        return reader.ReadInt32();
    }

    private static List<ulong> ReadIds(ReadOnlySpan<byte> body, int size)
    {
        var reader = new JdwpReader(body);
        var count = reader.ReadInt32();
        var ids = new List<ulong>(count);
        for (var i = 0; i < count; i++)
        {
            ids.Add(reader.ReadId(size));
        }

        return ids;
    }
}
