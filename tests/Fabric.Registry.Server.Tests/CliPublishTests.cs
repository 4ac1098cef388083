using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using Fabric.Registry.Manifests;
using Fabric.Registry.Server.Tests.Support;
using Fabric.Registry.Signing;
using Fabric.Registry.Storage;
using Fabric.Registry.Symbols;

namespace Fabric.Registry.Server.Tests;

/// <summary>The real <c>fabric</c> process publishing real JARs from /usr/share/java over gRPC.</summary>
public sealed class CliPublishTests
{
    [Fact]
    public async Task Published_jar_is_served_over_http_with_immutable_headers_and_a_valid_signature_and_republish_uploads_nothing()
    {
        await using var registry = await TestRegistry.StartAsync();
        var jar = Jdk.Jar("commons-cli.jar");
        var (exit, output, error) = await FabricProcess.RunAsync(registry.Root, "publish", jar, "--manifest", "default/cli:1", "--key", registry.KeyPath, "--registry", registry.Server.GrpcAddress.ToString());
        Assert.True(exit == 0, output + error);
        Assert.Matches(@"summary new=[1-9]\d* deduplicated=\d+ bytes=[1-9]\d*", output);

        using var http = registry.Http();
        using var manifestResponse = await http.GetAsync("/v1/manifests/default/cli/1");
        Assert.Equal(HttpStatusCode.OK, manifestResponse.StatusCode);
        var canonical = await manifestResponse.Content.ReadAsByteArrayAsync();
        var signature = Convert.FromBase64String(manifestResponse.Headers.GetValues("X-Fabric-Signature").Single());
        Assert.Equal(registry.Key.KeyId, manifestResponse.Headers.GetValues("X-Fabric-Key-Id").Single());
        using (var publicKey = ECDsa.Create())
        {
            publicKey.ImportFromPem(registry.Key.PublicKeyPem);
            Assert.True(publicKey.VerifyData(canonical, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
        }

        var manifest = ManifestText.Parse(canonical);
        Assert.True(manifest.TryGetClass("org/apache/commons/cli/Options", out var options));
        using var blob = await http.GetAsync($"/v1/blobs/{options.Symbol}");
        Assert.Equal(HttpStatusCode.OK, blob.StatusCode);
        var bytes = await blob.Content.ReadAsByteArrayAsync();
        Assert.True(options.Symbol.Matches(bytes));
        Assert.Equal(options.Size, bytes.Length);
        Assert.Equal("public, max-age=31536000, immutable", blob.Headers.CacheControl!.ToString());
        Assert.Equal($"\"{options.Symbol}\"", blob.Headers.ETag!.Tag);
        using (var missing = await http.GetAsync($"/v1/blobs/{SymbolId.Of([1, 2, 3])}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }

        var closure = (await http.GetStringAsync("/v1/manifests/default/cli/1/closure?class=org/apache/commons/cli/Options")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal($"{options.Symbol}\torg/apache/commons/cli/Options", closure[0]);
        Assert.Contains(closure, line => line.EndsWith("\torg/apache/commons/cli/Option", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/v1/manifests/default/cli/1/closure?class=com/nope/Missing")).StatusCode);
        // Asked again (answered from ReleaseGraphCache's memory): the same lines.
        Assert.Equal(closure, (await http.GetStringAsync("/v1/manifests/default/cli/1/closure?class=org/apache/commons/cli/Options")).Split('\n', StringSplitOptions.RemoveEmptyEntries));
        // A manifest asked for before it is published is not remembered as absent.
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/v1/manifests/default/cli/2/closure?class=org/apache/commons/cli/Options")).StatusCode);
        var second = await FabricProcess.RunAsync(registry.Root, "publish", jar, "--manifest", "default/cli:2", "--key", registry.KeyPath, "--registry", registry.Server.GrpcAddress.ToString());
        Assert.True(second.Exit == 0, second.Out + second.Err);
        Assert.Equal(closure, (await http.GetStringAsync("/v1/manifests/default/cli/2/closure?class=org/apache/commons/cli/Options")).Split('\n', StringSplitOptions.RemoveEmptyEntries));

        var absent = SymbolId.Of([4, 5, 6]);
        using var batch = await http.PostAsync("/v1/blobs/batch", new StringContent($"{options.Symbol}\n{absent}\n"));
        var body = await batch.Content.ReadAsByteArrayAsync();
        Assert.Equal(options.Symbol, new SymbolId(body.AsSpan(0, 32)));
        Assert.Equal(bytes.Length, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(body.AsSpan(32)));
        Assert.Equal(bytes, body.AsSpan(36, bytes.Length).ToArray());
        Assert.Equal(absent, new SymbolId(body.AsSpan(36 + bytes.Length, 32)));
        Assert.Equal(-1, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(body.AsSpan(68 + bytes.Length)));
        Assert.Equal(72 + bytes.Length, body.Length);

        var again = await FabricProcess.RunAsync(registry.Root, "publish", jar, "--manifest", "default/cli:1", "--key", registry.KeyPath, "--registry", registry.Server.GrpcAddress.ToString());
        Assert.True(again.Exit == 0, again.Out + again.Err);
        Assert.Contains("summary new=0 ", again.Out);
        Assert.Contains(" bytes=0", again.Out);
    }

    [Fact]
    public async Task User_errors_exit_non_zero_with_one_line_and_no_stack_trace()
    {
        await using var registry = await TestRegistry.StartAsync();
        var (exit, output, error) = await FabricProcess.RunAsync(registry.Root, "publish", "/no/such.jar", "--manifest", "a:1", "--key", registry.KeyPath, "--registry", registry.Server.GrpcAddress.ToString());
        Assert.Equal(1, exit);
        Assert.Contains("/no/such.jar: no such file or directory", output + error);
        Assert.DoesNotContain("   at ", output + error);

        var unknownParent = await FabricProcess.RunAsync(registry.Root, "publish", Jdk.Jar("commons-cli.jar"), "--manifest", "a:1", "--parent", "base:9", "--key", registry.KeyPath, "--registry", registry.Server.GrpcAddress.ToString());
        Assert.Equal(1, unknownParent.Exit);
        Assert.Contains("default/base:9", unknownParent.Out + unknownParent.Err);
        Assert.DoesNotContain("   at ", unknownParent.Out + unknownParent.Err);

        var notPublished = await FabricProcess.RunAsync(registry.Root, "manifest", "show", "nope:1", "--registry", registry.Server.GrpcAddress.ToString());
        Assert.Equal(1, notPublished.Exit);
        Assert.Contains("default/nope:1 is not published", notPublished.Out + notPublished.Err);
    }

    [Fact]
    public async Task Killing_publish_mid_upload_leaves_no_manifest_a_consistent_store_and_republish_works()
    {
        await using var registry = await TestRegistry.StartAsync();
        string[] jars = [Jdk.Jar("commons-lang3.jar"), Jdk.Jar("commons-io.jar"), Jdk.Jar("commons-cli.jar")];
        string[] args = ["publish", .. jars, "--manifest", "default/big:1", "--key", registry.KeyPath, "--registry", registry.Server.GrpcAddress.ToString()];
        using (var process = Process.Start(FabricProcess.StartInfo(registry.Root, args))!)
        {
            _ = process.StandardError.ReadToEndAsync();
            string? line;
            while ((line = await process.StandardOutput.ReadLineAsync()) is not null && !line.StartsWith("uploading", StringComparison.Ordinal))
            {
            }

            Assert.True(line is not null, "publish ended before uploading");

            // Wait for the first blobs to land, then kill: the manifest goes last, so it must not appear.
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (await CountBlobsAsync(registry.Server.Blobs) < 5 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(5);
            }

            Assert.False(process.HasExited, "publish finished before it could be killed; the test needs a larger set");
            process.Kill();
            await process.WaitForExitAsync();
        }

        var held = await CountBlobsAsync(registry.Server.Blobs);
        Assert.True(held >= 5, $"only {held} blobs were uploaded before the kill");
        Assert.Null(await registry.Server.Metadata.GetManifestAsync(ManifestName.Parse("default/big:1")));
        var verification = await new BlobVerifier(registry.Server.Blobs, registry.Server.Metadata).VerifyAsync();
        Assert.Empty(verification.Corrupt);
        Assert.Empty(verification.Missing);

        var (exit, output, error) = await FabricProcess.RunAsync(registry.Root, args);
        Assert.True(exit == 0, output + error);
        var stored = await registry.Server.Metadata.GetManifestAsync(ManifestName.Parse("default/big:1"));
        Assert.NotNull(stored);

        // Blobs that landed before the kill are held but not yet recorded, so they are offered again; the store keeps
        // the copy it has, and the bytes counted as uploaded are fewer than the release's.
        var releaseBytes = ManifestText.Parse(stored.CanonicalBytes).Entries.DistinctBy(e => e.Symbol).Sum(e => e.Size);
        var uploaded = long.Parse(System.Text.RegularExpressions.Regex.Match(output, @"summary new=\d+ deduplicated=\d+ bytes=(\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(uploaded < releaseBytes, $"republish uploaded {uploaded} of {releaseBytes} bytes");
        var after = await new BlobVerifier(registry.Server.Blobs, registry.Server.Metadata).VerifyAsync();
        Assert.Empty(after.Corrupt);
        Assert.Empty(after.Missing);
    }

    private static async Task<int> CountBlobsAsync(IBlobStore blobs)
    {
        var count = 0;
        await foreach (var _ in blobs.ListAsync())
        {
            count++;
        }

        return count;
    }
}
