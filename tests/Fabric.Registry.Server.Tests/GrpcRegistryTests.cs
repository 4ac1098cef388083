using Fabric.Registry.Manifests;
using Fabric.Registry.Server.Protos;
using Fabric.Registry.Server.Tests.Support;
using Fabric.Registry.Signing;
using Fabric.Registry.Storage;
using Fabric.Registry.Symbols;
using Google.Protobuf;
using Grpc.Core;

namespace Fabric.Registry.Server.Tests;

/// <summary>The gRPC API against a real in-process server: what it refuses and why.</summary>
public sealed class GrpcRegistryTests
{
    [Fact]
    public async Task Upload_with_a_wrong_hash_is_rejected_and_stores_nothing()
    {
        await using var registry = await TestRegistry.StartAsync();
        using var grpc = registry.Grpc();
        var claimed = SymbolId.Of("the real bytes"u8);
        var e = await Assert.ThrowsAsync<RpcException>(() => grpc.PutAsync(claimed, new MemoryStream("other bytes!!!"u8.ToArray()), 1000));
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Contains("hashes to", e.Status.Detail);
        Assert.False(await registry.Server.Blobs.ContainsAsync(claimed));
    }

    [Fact]
    public async Task Oversized_upload_is_rejected()
    {
        await using var registry = await TestRegistry.StartAsync(extraYaml: "maxBlobBytes: 1000");
        using var grpc = registry.Grpc();
        var big = new byte[5000];
        Random.Shared.NextBytes(big);
        var e = await Assert.ThrowsAsync<RpcException>(() => grpc.PutAsync(SymbolId.Of(big), new MemoryStream(big), big.Length));
        Assert.Equal(StatusCode.ResourceExhausted, e.StatusCode);
        Assert.False(await registry.Server.Blobs.ContainsAsync(SymbolId.Of(big)));
        var small = "fits"u8.ToArray();
        Assert.True(await grpc.PutAsync(SymbolId.Of(small), new MemoryStream(small), small.Length));
        Assert.True(await registry.Server.Blobs.ContainsAsync(SymbolId.Of(small)));
    }

    [Fact]
    public async Task Unsigned_wrongly_signed_and_untrusted_manifests_are_refused_and_a_good_one_is_kept_with_its_signature()
    {
        await using var registry = await TestRegistry.StartAsync();
        using var grpc = registry.Grpc();
        var content = "resource bytes"u8.ToArray();
        var id = SymbolId.Of(content);
        await grpc.PutAsync(id, new MemoryStream(content), content.Length);
        await grpc.RecordSymbolsAsync([new SymbolRecord(id, SymbolKind.Resource, "app.properties", content.Length, [])]);
        var manifest = new ReleaseManifest(ManifestName.Parse("app:1"), null, [new ManifestEntry("app.properties", SymbolKind.Resource, id, content.Length)]);
        var good = registry.Key.Sign(manifest, DateTimeOffset.UtcNow);

        var unsigned = good with { Signature = [] };
        Assert.Equal(StatusCode.PermissionDenied, (await Assert.ThrowsAsync<RpcException>(() => grpc.PublishManifestAsync(unsigned))).StatusCode);
        var tampered = good with { Signature = (byte[])good.Signature.Clone() };
        tampered.Signature[^1] ^= 1;
        Assert.Equal(StatusCode.PermissionDenied, (await Assert.ThrowsAsync<RpcException>(() => grpc.PublishManifestAsync(tampered))).StatusCode);
        using var stranger = SigningKey.Generate();
        var untrusted = stranger.Sign(manifest, DateTimeOffset.UtcNow);
        var refused = await Assert.ThrowsAsync<RpcException>(() => grpc.PublishManifestAsync(untrusted));
        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        Assert.Contains("not trusted", refused.Status.Detail);
        Assert.Null(await registry.Server.Metadata.GetManifestAsync(manifest.Name));

        Assert.Equal(PublishOutcome.Published, await grpc.PublishManifestAsync(good));
        var stored = await grpc.GetManifestAsync(manifest.Name);
        Assert.NotNull(stored);
        Assert.Equal(good.Signature, stored.Signature);
        Assert.Equal(good.CanonicalBytes, stored.CanonicalBytes);
        Assert.Equal(registry.Key.KeyId, stored.KeyId);
    }

    [Fact]
    public async Task A_manifest_with_an_unknown_parent_or_symbol_is_refused()
    {
        await using var registry = await TestRegistry.StartAsync();
        using var grpc = registry.Grpc();
        var content = "x"u8.ToArray();
        var id = SymbolId.Of(content);
        await grpc.PutAsync(id, new MemoryStream(content), content.Length);
        await grpc.RecordSymbolsAsync([new SymbolRecord(id, SymbolKind.Resource, "x", 1, [])]);
        var fork = new ReleaseManifest(ManifestName.Parse("fork:1"), ManifestName.Parse("base:1"), [new ManifestEntry("x", SymbolKind.Resource, id, 1)]);
        var e = await Assert.ThrowsAsync<RpcException>(() => grpc.PublishManifestAsync(registry.Key.Sign(fork, DateTimeOffset.UtcNow)));
        Assert.Equal(StatusCode.FailedPrecondition, e.StatusCode);
        Assert.Contains("default/base:1", e.Status.Detail);

        var unknown = SymbolId.Of("never uploaded"u8);
        var lacking = new ReleaseManifest(ManifestName.Parse("lacking:1"), null, [new ManifestEntry("y", SymbolKind.Resource, unknown, 14)]);
        e = await Assert.ThrowsAsync<RpcException>(() => grpc.PublishManifestAsync(registry.Key.Sign(lacking, DateTimeOffset.UtcNow)));
        Assert.Equal(StatusCode.FailedPrecondition, e.StatusCode);
        Assert.Contains(unknown.ToString(), e.Status.Detail);
    }

    [Fact]
    public async Task GetSymbols_streams_each_id_in_order_and_marks_missing_ones_and_WatchManifests_sees_a_publish()
    {
        await using var registry = await TestRegistry.StartAsync();
        using var grpc = registry.Grpc();
        using var watch = grpc.Client.WatchManifests(new WatchManifestsRequest { Namespace = "default" });
        var content = "held"u8.ToArray();
        var id = SymbolId.Of(content);
        await grpc.PutAsync(id, new MemoryStream(content), content.Length);
        await grpc.RecordSymbolsAsync([new SymbolRecord(id, SymbolKind.Resource, "held", 4, [])]);
        var request = new SymbolIds();
        request.Ids.Add(ByteString.CopyFrom(id.ToBytes()));
        request.Ids.Add(ByteString.CopyFrom(SymbolId.Of("absent"u8).ToBytes()));
        using var call = grpc.Client.GetSymbols(request);
        var replies = new List<SymbolBlob>();
        await foreach (var reply in call.ResponseStream.ReadAllAsync())
        {
            replies.Add(reply);
        }

        Assert.Equal(2, replies.Count);
        Assert.Equal(content, replies[0].Content.ToByteArray());
        Assert.False(replies[0].Missing);
        Assert.True(replies[1].Missing);

        var manifest = new ReleaseManifest(ManifestName.Parse("watched:1"), null, [new ManifestEntry("held", SymbolKind.Resource, id, 4)]);
        await grpc.PublishManifestAsync(registry.Key.Sign(manifest, DateTimeOffset.UtcNow));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        Assert.True(await watch.ResponseStream.MoveNext(timeout.Token));
        Assert.Equal("default/watched:1", watch.ResponseStream.Current.Name);
        Assert.Equal(manifest.ToCanonicalBytes(), watch.ResponseStream.Current.Canonical.ToByteArray());
    }
}
