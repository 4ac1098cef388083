using System.Diagnostics;
using System.Net;
using Fabric.Registry.Server.Configuration;
using Fabric.Registry.Server.Tests.Support;

namespace Fabric.Registry.Server.Tests;

/// <summary>The real <c>fabric registry serve</c> process with no configuration, and the maintenance commands.</summary>
public sealed class CliServeTests
{
    [Fact]
    public async Task Serve_without_config_keygen_publish_gc_and_verify_work_from_an_empty_directory()
    {
        var dir = Directory.CreateTempSubdirectory("fabric-cli-").FullName;
        var keygen = await FabricProcess.RunAsync(dir, "keygen", "--out", "keys");
        Assert.True(keygen.Exit == 0, keygen.Out + keygen.Err);
        Directory.CreateDirectory(Path.Combine(dir, "registry-data", "trusted-keys"));
        File.Copy(Path.Combine(dir, "keys", "signing-key.pub.pem"), Path.Combine(dir, "registry-data", "trusted-keys", "release.pem"));
        var again = await FabricProcess.RunAsync(dir, "keygen", "--out", "keys");
        Assert.Equal(1, again.Exit);
        Assert.Contains("refusing to overwrite", again.Out + again.Err);

        using var serve = Process.Start(FabricProcess.StartInfo(dir, "registry", "serve", "--http", "127.0.0.1:0", "--grpc", "127.0.0.1:0"))!;
        try
        {
            _ = serve.StandardError.ReadToEndAsync();
            var http = (await serve.StandardOutput.ReadLineAsync())!;
            var grpc = (await serve.StandardOutput.ReadLineAsync())!;
            Assert.StartsWith("http http://127.0.0.1:", http);
            Assert.StartsWith("grpc http://127.0.0.1:", grpc);
            var serving = (await serve.StandardOutput.ReadLineAsync())!;
            Assert.Contains($"(embedded store in {Path.Combine(dir, "registry-data")})", serving);
            var grpcUrl = grpc["grpc ".Length..];
            var publish = await FabricProcess.RunAsync(dir, "publish", Jdk.Jar("commons-cli.jar"), "--manifest", "cli:1", "--key", "keys/signing-key.pem", "--registry", grpcUrl);
            Assert.True(publish.Exit == 0, publish.Out + publish.Err);
            using var client = new HttpClient { BaseAddress = new Uri(http["http ".Length..]) };
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/manifests/default/cli/1")).StatusCode);
            var show = await FabricProcess.RunAsync(dir, "manifest", "show", "cli:1", "--registry", grpcUrl);
            Assert.True(show.Exit == 0, show.Err);
            Assert.StartsWith("fabric-manifest 1\nname\tdefault/cli:1\n", show.Out);
            var id = show.Out.Split('\n').First(l => l.StartsWith("class\torg/apache/commons/cli/Option\t", StringComparison.Ordinal)).Split('\t')[2];
            var symbol = await FabricProcess.RunAsync(dir, "symbol", "show", id, "--registry", grpcUrl);
            Assert.True(symbol.Exit == 0, symbol.Err);
            Assert.Contains("hash verified", symbol.Out);
            Assert.Contains("class org/apache/commons/cli/Option, class file version", symbol.Out.ReplaceLineEndings(" "));

            // Ctrl+C (SIGINT) stops the server, as its banner promises.
            using (var interrupt = Process.Start("kill", ["-INT", serve.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await interrupt.WaitForExitAsync();
            }

            using var stopped = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await serve.WaitForExitAsync(stopped.Token);
            Assert.Equal(0, serve.ExitCode);
        }
        finally
        {
            if (!serve.HasExited)
            {
                serve.Kill();
                await serve.WaitForExitAsync();
            }
        }

        var verify = await FabricProcess.RunAsync(dir, "verify");
        Assert.True(verify.Exit == 0, verify.Out + verify.Err);
        Assert.Matches(@"checked \d+ blobs .*: 0 corrupt, 0 missing", verify.Out.ReplaceLineEndings(" "));
        var gc = await FabricProcess.RunAsync(dir, "gc", "--dry-run");
        Assert.True(gc.Exit == 0, gc.Out + gc.Err);
        Assert.Contains("would remove 0 of", gc.Out.ReplaceLineEndings(" "));

        // Corrupt one blob on disk: verify must say so and exit 1.
        var blob = Directory.EnumerateFiles(Path.Combine(dir, "registry-data", "blobs"), "*", SearchOption.AllDirectories).First();
        File.SetAttributes(blob, FileAttributes.Normal);
        File.WriteAllBytes(blob, [1, 2, 3]);
        var broken = await FabricProcess.RunAsync(dir, "verify");
        Assert.Equal(1, broken.Exit);
        Assert.Contains("corrupt", broken.Out);
    }

    [Fact]
    public void Config_errors_name_their_key()
    {
        var e = Assert.Throws<RegistryConfigException>(() => RegistryConfigFile.Parse(
            "listen:\n  http: nowhere\nnamespaces:\n  default:\n    tokens:\n      - token: t\n        roles: [write]\n",
            "registry.yaml",
            Path.GetTempPath()));
        Assert.Contains("listen.http 'nowhere'", e.Message);
        Assert.Contains("role 'write' must be read, publish or admin", e.Message);
        var none = Assert.Throws<RegistryConfigException>(() => RegistryConfigFile.Parse("maxBlobBytes: 10\n", "r.yaml", Path.GetTempPath()));
        Assert.Contains("at least one namespace", none.Message);
        var untrusted = Assert.Throws<RegistryConfigException>(() => RegistryConfigFile.Parse("namespaces:\n  a:\n    trustedKeys: [missing.pem]\n", "r.yaml", Path.GetTempPath()));
        Assert.Contains("namespaces.a.trustedKeys", untrusted.Message);
        var cache = Assert.Throws<RegistryConfigException>(() => RegistryConfigFile.Parse("blobCacheMegabytes: -1\nnamespaces:\n  a: {}\n", "r.yaml", Path.GetTempPath()));
        Assert.Contains("blobCacheMegabytes -1 is out of range", cache.Message);
        Assert.Equal(0, RegistryConfigFile.Parse("blobCacheMegabytes: 0\nnamespaces:\n  a: {}\n", "r.yaml", Path.GetTempPath()).BlobCacheBytes);
        Assert.Equal(RegistryOptions.DefaultBlobCacheBytes, RegistryConfigFile.Parse("namespaces:\n  a: {}\n", "r.yaml", Path.GetTempPath()).BlobCacheBytes);
        var huge = Assert.Throws<RegistryConfigException>(() => RegistryConfigFile.Parse("maxBlobBytes: 1e300\n", "r.yaml", Path.GetTempPath()));
        Assert.Contains("'1e300' is not a whole number", huge.Message);
        var overflow = Assert.Throws<RegistryConfigException>(() => RegistryConfigFile.Parse("maxBlobBytes: 99999999999999999999999\n", "r.yaml", Path.GetTempPath()));
        Assert.Contains("number out of range", overflow.Message);
        var list = Assert.Throws<RegistryConfigException>(() => RegistryConfigFile.Parse("namespaces: [a]\n", "r.yaml", Path.GetTempPath()));
        Assert.DoesNotContain("Fabric.", list.Message);
    }
}
