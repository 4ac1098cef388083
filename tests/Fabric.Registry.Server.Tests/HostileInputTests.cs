using System.Net;
using System.Net.Sockets;
using System.Text;
using Fabric.Registry.Server.Protos;
using Fabric.Registry.Server.Tests.Support;
using Grpc.Core;

namespace Fabric.Registry.Server.Tests;

/// <summary>
/// Hostile and clumsy requests to a running registry: node fields that would forge lines of <c>GET /v1/nodes</c>
/// (which gateways read to find the JVMs to attach to), leases that never end, traversal and NUL in names, oversize
/// batches. Each gets a 4xx answer naming the problem, never a 500, and the registry keeps serving.
/// </summary>
public sealed class HostileInputTests
{
    private const string Started = "2026-01-01T00:00:00Z";

    [Theory]
    [InlineData("jdwp", "127.0.0.1:5005\tdefault/evil:1")]
    [InlineData("manifest", "default/app:1\t2026\u0000")]
    [InlineData("started", "2026\u001b[2J")]
    public async Task A_node_field_with_a_tab_or_control_character_is_refused_over_http(string key, string value)
    {
        await using var registry = await TestRegistry.StartAsync();
        using var http = registry.Http();
        var fields = new Dictionary<string, string> { ["jdwp"] = "127.0.0.1:5005", ["manifest"] = "default/app:1", ["started"] = Started, ["lease"] = "30" };
        fields[key] = value;
        var body = string.Concat(fields.Select(f => $"{f.Key}\t{f.Value}\n"));

        var response = await http.PutAsync("/v1/nodes/node-1", new StringContent(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(key, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(string.Empty, await http.GetStringAsync("/v1/nodes"));
    }

    [Fact]
    public async Task A_node_registered_over_grpc_cannot_forge_a_second_line_of_the_node_list()
    {
        await using var registry = await TestRegistry.StartAsync();
        using var http = registry.Http();
        using var grpc = registry.Grpc();
        var forged = $"127.0.0.1:5005\tdefault/app:1\t{Started}\nforged\t127.0.0.1:6666\tdefault/app:1\t{Started}";

        var e = await Assert.ThrowsAsync<RpcException>(() => grpc.Client.RegisterNodeAsync(
            new NodeLease { Node = "node-1", Jdwp = forged, Manifest = "default/app:1", Started = Started, LeaseSeconds = 30 }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Contains("jdwp", e.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(string.Empty, await http.GetStringAsync("/v1/nodes"));
    }

    [Fact]
    public async Task A_lease_beyond_a_day_is_refused_so_a_registration_cannot_outlive_its_node_for_decades()
    {
        await using var registry = await TestRegistry.StartAsync();
        using var http = registry.Http();
        using var grpc = registry.Grpc();

        var response = await http.PutAsync("/v1/nodes/node-1", new StringContent($"jdwp\t127.0.0.1:5005\nmanifest\tdefault/app:1\nstarted\t{Started}\nlease\t{int.MaxValue}\n"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("lease", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var e = await Assert.ThrowsAsync<RpcException>(() => grpc.Client.RegisterNodeAsync(
            new NodeLease { Node = "node-2", Jdwp = "127.0.0.1:5005", Manifest = "default/app:1", Started = Started, LeaseSeconds = int.MaxValue }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Equal(string.Empty, await http.GetStringAsync("/v1/nodes"));
    }

    [Theory]
    [InlineData("/v1/manifests/../../etc/passwd")]
    [InlineData("/v1/manifests/%2e%2e/%2e%2e/passwd")]
    [InlineData("/v1/manifests/default/..%2f..%2fetc/1")]
    [InlineData("/v1/manifests/default/app%00/1")]
    [InlineData("/v1/manifests/d%C3%A9fault/app/1")]
    [InlineData("/v1/manifests/default/app/1/closure?class=%00")]
    [InlineData("/v1/blobs/..%2f..%2fregistry.yaml")]
    [InlineData("/v1/blobs/%00")]
    [InlineData("/v1/nodes/..%2f..%2fx/loaded")]
    public async Task Traversal_NUL_and_unicode_in_names_get_a_4xx(string path)
    {
        await using var registry = await TestRegistry.StartAsync();
        using var http = registry.Http();

        var response = await http.GetAsync(path);

        Assert.InRange((int)response.StatusCode, 400, 499);
        Assert.DoesNotContain("namespaces", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_batch_of_a_million_ids_is_refused_and_the_registry_keeps_serving()
    {
        await using var registry = await TestRegistry.StartAsync();
        using var http = registry.Http();
        var id = Fabric.Registry.Symbols.SymbolId.Of("x"u8).ToString();
        var body = new StringBuilder(1_000_000 * 65);
        for (var i = 0; i < 1_000_000; i++)
        {
            body.Append(id).Append('\n');
        }

        var response = await http.PostAsync("/v1/blobs/batch", new StringContent(body.ToString()));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("at most", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // One line of 8 MB without a newline: refused, and the answer does not echo it back.
        response = await http.PostAsync("/v1/blobs/batch", new StringContent(new string('f', 8 << 20)));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.Content.ReadAsByteArrayAsync()).Length < 4096);

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/v1/nodes")).StatusCode);
    }

    [Fact]
    public async Task Loaded_reports_of_made_up_ids_cannot_grow_a_node_without_bound()
    {
        await using var registry = await TestRegistry.StartAsync();
        using var http = registry.Http();
        var put = await http.PutAsync("/v1/nodes/node-1", new StringContent($"jdwp\t127.0.0.1:5005\nmanifest\tdefault/app:1\nstarted\t{Started}\nlease\t60\n"));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);

        var half = Fabric.Registry.Server.Nodes.NodeTable.MaxLoadedPerNode / 2;
        for (var round = 0; round < 3; round++)
        {
            var body = new StringBuilder((half + 1) * 65);
            for (var i = 0; i <= half; i++)
            {
                body.Append(Fabric.Registry.Symbols.SymbolId.Of(BitConverter.GetBytes(((long)round << 32) | (uint)i))).Append('\n');
            }

            var response = await http.PostAsync("/v1/nodes/node-1/loaded", new StringContent(body.ToString()));
            Assert.Equal(round == 0 ? HttpStatusCode.OK : HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        }

        var loaded = await http.GetStringAsync("/v1/nodes/node-1/loaded");
        Assert.Equal(half + 1, loaded.Count(c => c == '\n'));
    }

    [Fact]
    public async Task A_request_with_garbage_http_gets_closed_and_the_registry_keeps_serving()
    {
        await using var registry = await TestRegistry.StartAsync();
        using (var client = new TcpClient())
        {
            await client.ConnectAsync(registry.Server.HttpAddress.Host, registry.Server.HttpAddress.Port);
            var stream = client.GetStream();
            await stream.WriteAsync("\0\0\0\u0001GARBAGE / HTTP/9.9\r\nX: \u0000\r\n\r\n"u8.ToArray());
            var buffer = new byte[4096];
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            _ = await stream.ReadAsync(buffer, timeout.Token);
        }

        using var http = registry.Http();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/v1/nodes")).StatusCode);
    }
}
