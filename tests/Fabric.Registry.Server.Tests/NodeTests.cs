using System.Net;
using Fabric.Registry.Server.Protos;
using Fabric.Registry.Server.Tests.Support;
using Fabric.Registry.Symbols;
using Grpc.Core;

namespace Fabric.Registry.Server.Tests;

/// <summary>Node registration over plain HTTP and gRPC: leases, renewals, expiry, loaded symbols, the watch stream.</summary>
public sealed class NodeTests
{
    [Fact]
    public async Task Register_renew_report_loaded_and_leave_over_http()
    {
        await using var registry = await TestRegistry.StartAsync();
        using var http = registry.Http();
        Assert.Equal(HttpStatusCode.OK, (await PutAsync(http, "node-1", 30)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PutAsync(http, "node-1", 30)).StatusCode);
        Assert.Equal("node-1\t127.0.0.1:5005\tdefault/app:1\t2026-01-01T00:00:00Z\n", await http.GetStringAsync("/v1/nodes"));

        var a = SymbolId.Of("a"u8);
        var b = SymbolId.Of("b"u8);
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync("/v1/nodes/node-1/loaded", new StringContent($"{a}\n{b}\n"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync("/v1/nodes/node-1/loaded", new StringContent($"{a}\n"))).StatusCode);
        var loaded = (await http.GetStringAsync("/v1/nodes/node-1/loaded")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(new[] { a, b }.Order().Select(i => i.ToString()), loaded);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.PostAsync("/v1/nodes/node-1/loaded", new StringContent("not-an-id\n"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.PostAsync("/v1/nodes/ghost/loaded", new StringContent($"{a}\n"))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.PutAsync("/v1/nodes/node-2", new StringContent("jdwp\tx\n"))).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await http.DeleteAsync("/v1/nodes/node-1")).StatusCode);
        Assert.Equal(string.Empty, await http.GetStringAsync("/v1/nodes"));
    }

    [Fact]
    public async Task A_node_whose_lease_runs_out_is_gone_and_watchers_see_it_join_and_leave()
    {
        await using var registry = await TestRegistry.StartAsync();
        using var http = registry.Http();
        using var grpc = registry.Grpc();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await PutAsync(http, "steady", 60);
        using var watch = grpc.Client.WatchNodes(new Empty(), cancellationToken: timeout.Token);
        Assert.True(await watch.ResponseStream.MoveNext(timeout.Token));
        Assert.True(watch.ResponseStream.Current.Joined);
        Assert.Equal("steady", watch.ResponseStream.Current.Node.Node);

        await grpc.Client.RegisterNodeAsync(new NodeLease { Node = "brief", Jdwp = "127.0.0.1:5006", Manifest = "default/app:1", Started = "2026-01-01T00:00:00Z", LeaseSeconds = 1 });
        Assert.True(await watch.ResponseStream.MoveNext(timeout.Token));
        Assert.True(watch.ResponseStream.Current.Joined);
        Assert.Equal("brief", watch.ResponseStream.Current.Node.Node);
        Assert.Contains("brief\t", await http.GetStringAsync("/v1/nodes"));

        // No renewal: within a second or two of the lease's end the expiry timer drops it and tells the watcher.
        Assert.True(await watch.ResponseStream.MoveNext(timeout.Token));
        Assert.False(watch.ResponseStream.Current.Joined);
        Assert.Equal("brief", watch.ResponseStream.Current.Node.Node);
        var nodes = await http.GetStringAsync("/v1/nodes");
        Assert.DoesNotContain("brief", nodes);
        Assert.Contains("steady\t", nodes);
        var e = await Assert.ThrowsAsync<RpcException>(() => grpc.Client.ReportLoadedAsync(new LoadedReport { Node = "brief" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, e.StatusCode);
    }

    private static Task<HttpResponseMessage> PutAsync(HttpClient http, string node, int lease) =>
        http.PutAsync($"/v1/nodes/{node}", new StringContent($"jdwp\t127.0.0.1:5005\nmanifest\tdefault/app:1\nstarted\t2026-01-01T00:00:00Z\nlease\t{lease}\n"));
}
