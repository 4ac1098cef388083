using System.Net;
using System.Net.Sockets;
using Fabric.Registry.Symbols;
using Fabric.Runtime.Tests.Support;

namespace Fabric.Runtime.Tests;

/// <summary>
/// Nodes that run from an L2 cache laid out as a node leaves it (no registry): the loader, verification, resources,
/// quarantine, peers and the cache levels, against real JVMs.
/// </summary>
public sealed class CacheOnlyNodeTests(AppsFixture apps) : IClassFixture<AppsFixture>, IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private NodeLaunchOptions Options(string manifest, string main, string cache, params string[] appArgs) => new()
    {
        Manifest = manifest,
        MainClass = main,
        Cache = cache,
        Trust = [apps.Key.PublicPem],
        ApplicationArguments = appArgs,
    };

    [Fact]
    public async Task HelloWorld_RunsByHash_WithNoApplicationJarOnTheNode()
    {
        var release = Release.FromDirectory(apps.HelloClasses, "hello:1.0", apps.Key);
        var cache = _dir.Combine("cache");
        release.SeedCache(cache);

        using var node = NodeProcess.Start(Options("hello:1.0", "com.app.Main", cache, "a", "b"));
        Assert.Equal(0, await node.WaitForExitAsync());

        Assert.Contains("Hello from the fabric, args=a,b", node.Stdout, StringComparison.Ordinal);
        Assert.Contains("loader=fabric:default/hello:1.0", node.Stdout, StringComparison.Ordinal);
        Assert.Contains("source=fabric:/default/hello:1.0/", node.Stdout, StringComparison.Ordinal);
        // The node's class path is the agent alone: the application exists only as blobs named by hash.
        var cp = node.Arguments[node.Arguments.ToList().IndexOf("-cp") + 1];
        Assert.Equal(NodeLauncher.AgentJarName, Path.GetFileName(cp));
        Assert.Empty(Directory.EnumerateFiles(cache, "*.class", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task TrustCanBeADirectoryOfKeys()
    {
        Release.FromDirectory(apps.HelloClasses, "hello:1.0", apps.Key).SeedCache(_dir.Combine("cache"));
        var trustDir = _dir.Combine("trust");
        Directory.CreateDirectory(trustDir);
        File.Copy(apps.OtherKey.PublicPem, Path.Combine(trustDir, "a-stranger.pem"));
        File.Copy(apps.Key.PublicPem, Path.Combine(trustDir, "publisher.pem"));

        using var node = NodeProcess.Start(Options("hello:1.0", "com.app.Main", _dir.Combine("cache")) with { Trust = [trustDir] });
        Assert.True(await node.WaitForExitAsync() == 0, node.Output);
        Assert.Contains("Hello from the fabric", node.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MultiClassApp_WithResources_RunsFromTheManifest()
    {
        var release = Release.FromDirectory(apps.ShopClasses, "shop:2.0", apps.Key);
        var cache = _dir.Combine("cache");
        release.SeedCache(cache);

        using var node = NodeProcess.Start(Options("default/shop:2.0", "com.shop.Main", cache));
        Assert.True(await node.WaitForExitAsync() == 0, node.Output);

        var expected = new[]
        {
            TestApps.ShopTotal,
            "greeting1=welcome to the shop",
            "greeting2=welcome to the shop",
            "template=RECEIPT {total}",
            "resources=1",
            "missing=null",
            $"self-sha256={release.ClassId("com/shop/Main")}",
            "done",
        };
        foreach (var line in expected)
        {
            Assert.Contains(line, node.Stdout.Split('\n'));
        }

        Assert.Contains("template-url=fabric:/", node.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CorruptedCacheBlob_WithNoOtherSource_IsASecurityException_AndQuarantined()
    {
        var release = Release.FromDirectory(apps.ShopClasses, "shop:2.0", apps.Key);
        var cache = _dir.Combine("cache");
        release.SeedCache(cache);
        var id = release.ClassId("com/shop/util/Formatter");
        var blob = Release.CacheBlobPath(cache, id);
        var bytes = File.ReadAllBytes(blob);
        bytes[^1] ^= 0x5A;
        File.WriteAllBytes(blob, bytes);

        using var node = NodeProcess.Start(Options("shop:2.0", "com.shop.Main", cache));
        Assert.NotEqual(0, await node.WaitForExitAsync());

        Assert.Contains("java.lang.SecurityException: class com.shop.util.Formatter", node.Stderr, StringComparison.Ordinal);
        Assert.Contains(id.ToString(), node.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(TestApps.ShopTotal, node.Stdout, StringComparison.Ordinal);
        Assert.False(File.Exists(blob), "the bad copy must be moved out of blobs/");
        var quarantined = Assert.Single(Directory.GetFiles(Path.Combine(cache, "quarantine"), id + ".*"));
        Assert.Equal(bytes, File.ReadAllBytes(quarantined));
    }

    [Fact]
    public async Task CorruptedCacheBlob_IsRecoveredFromAPeerNode()
    {
        var release = Release.FromDirectory(apps.ShopClasses, "shop:2.0", apps.Key);
        var healthyCache = _dir.Combine("healthy");
        release.SeedCache(healthyCache);
        using var peer = NodeProcess.Start(Options("shop:2.0", "com.shop.Main", healthyCache, "wait") with { HttpPort = 0 });
        var peerPort = await peer.HttpPortAsync();
        await peer.WaitForAsync("^ready$");

        var cache = _dir.Combine("cache");
        release.SeedCache(cache);
        var id = release.ClassId("com/shop/model/Item");
        var blob = Release.CacheBlobPath(cache, id);
        File.WriteAllBytes(blob, [0xCA, 0xFE, 0xBA, 0xBE, 0, 0, 0, 61]);

        using var node = NodeProcess.Start(Options("shop:2.0", "com.shop.Main", cache) with { Peers = [$"http://127.0.0.1:{peerPort}"] });
        Assert.True(await node.WaitForExitAsync() == 0, node.Output);

        Assert.Contains(TestApps.ShopTotal, node.Stdout, StringComparison.Ordinal);
        Assert.Matches($"SecurityException: com/shop/model/Item from l2 hashes to [0-9a-f]{{64}}, not its ID {id}", node.Stderr);
        Assert.Equal(release.Blobs[id], File.ReadAllBytes(blob));
        Assert.Single(Directory.GetFiles(Path.Combine(cache, "quarantine"), id + ".*"));
        await peer.SendLineAsync("");
        Assert.Equal(0, await peer.WaitForExitAsync());
    }

    [Fact]
    public async Task ManifestAlteredInTheCache_IsRefused()
    {
        var release = Release.FromDirectory(apps.HelloClasses, "hello:1.0", apps.Key);
        var cache = _dir.Combine("cache");
        release.SeedCache(cache);
        var manifestFile = Path.Combine(cache, "manifests", "default", "hello", "1.0", "manifest");
        var text = File.ReadAllText(manifestFile);
        var mainId = release.ClassId("com/app/Main").ToString();
        var forged = SymbolId.Of("class CafeBabe evil"u8).ToString();
        File.WriteAllText(manifestFile, text.Replace(mainId, forged, StringComparison.Ordinal));

        using var node = NodeProcess.Start(Options("hello:1.0", "com.app.Main", cache));
        Assert.Equal(1, await node.WaitForExitAsync());

        Assert.Contains("SecurityException: cached manifest default/hello:1.0 is not signed by a trusted key", node.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Hello from the fabric", node.Stdout, StringComparison.Ordinal);
        Assert.False(File.Exists(manifestFile));
    }

    [Fact]
    public async Task ManifestSignedByAnUntrustedKey_IsRefused()
    {
        var release = Release.FromDirectory(apps.HelloClasses, "hello:1.0", apps.OtherKey);
        var cache = _dir.Combine("cache");
        release.SeedCache(cache);

        using var node = NodeProcess.Start(Options("hello:1.0", "com.app.Main", cache));
        Assert.Equal(1, await node.WaitForExitAsync());

        Assert.Contains($"signature key ID '{apps.OtherKey.KeyId}', trusted [{apps.Key.KeyId}]", node.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Hello", node.Stdout, StringComparison.Ordinal);
        // Another publisher's release, not a forgery: nodes sharing this cache that trust that key still find it.
        Assert.True(File.Exists(Path.Combine(cache, "manifests", "default", "hello", "1.0", "manifest")), "a foreign-signed manifest must stay in the cache");
    }

    [Fact]
    public async Task WarmCache_ResolvesFromL2_ThenFromL1()
    {
        var release = Release.FromDirectory(apps.ShopClasses, "shop:2.0", apps.Key);
        var cache = _dir.Combine("cache");
        release.SeedCache(cache);

        // Without the background preload, which would race the loader for the same blobs.
        using var node = NodeProcess.Start(Options("shop:2.0", "com.shop.Main", cache, "wait") with
        {
            HttpPort = 0,
            LauncherOptions = ["--no-preload"],
        });
        var port = await node.HttpPortAsync();
        await node.WaitForAsync("^ready$");
        var m = await Metrics.ScrapeAsync(port);
        await node.SendLineAsync("");
        Assert.Equal(0, await node.WaitForExitAsync());

        // Every class defined once: each an L1 miss answered by L2, then kept in L1. The properties file is read
        // twice (L2, then L1), the template once (L2), and Main.class as a resource after Main was defined (L1).
        var classes = m.Get("fabric_node_classes_defined_total");
        Assert.True(classes >= 5, $"expected the shop's classes to be defined, got {classes}");
        Assert.Equal(2, m.Get(Metrics.Resolutions("l1", "hit")));
        Assert.Equal(classes + 2, m.Get(Metrics.Resolutions("l1", "miss")));
        Assert.Equal(classes + 2, m.Get(Metrics.Resolutions("l2", "hit")));
        Assert.Equal(0, m.Get(Metrics.Resolutions("l2", "miss")));
        Assert.Equal(0, m.Get("fabric_node_verification_failures_total{source=\"l2\"}"));
    }

    [Fact]
    public async Task WarmCache_IsPreloadedIntoL1_WhileTheManifestIsVerified()
    {
        var release = Release.FromDirectory(apps.ShopClasses, "shop:2.0", apps.Key);
        var cache = _dir.Combine("cache");
        release.SeedCache(cache);

        using var node = NodeProcess.Start(Options("shop:2.0", "com.shop.Main", cache, "wait") with { HttpPort = 0 });
        var port = await node.HttpPortAsync();
        await node.WaitForAsync("^ready$");
        var m = await Metrics.ScrapeAsync(port);
        await node.SendLineAsync("");
        Assert.Equal(0, await node.WaitForExitAsync());

        // The preload and the loader race, so how lookups split between L1 and L2 varies; their number does not:
        // one per class, plus the properties twice, the template and Main.class as a resource.
        var preloaded = m.Get("fabric_node_preloaded_blobs_total");
        var classEntries = release.Manifest.Entries.Count(e => e.Kind == Fabric.Registry.Symbols.SymbolKind.Class);
        Assert.InRange(preloaded, 1, classEntries);
        Assert.Equal(m.Get("fabric_node_classes_defined_total") + 4,
            m.Get(Metrics.Resolutions("l1", "miss")) + m.Get(Metrics.Resolutions("l1", "hit")));
        Assert.Equal(m.Get(Metrics.Resolutions("l1", "miss")), m.Get(Metrics.Resolutions("l2", "hit")));
    }

    [Fact]
    public async Task BlobInNoSource_IsAClassNotFoundNamingClassHashAndSources_AfterBoundedRetries()
    {
        var release = Release.FromDirectory(apps.ShopClasses, "shop:2.0", apps.Key);
        var cache = _dir.Combine("cache");
        release.SeedCache(cache);
        var id = release.ClassId("com/shop/util/Formatter");
        File.Delete(Release.CacheBlobPath(cache, id));
        var closedPort = FreePort();

        using var node = NodeProcess.Start(Options("shop:2.0", "com.shop.Main", cache) with
        {
            Registry = $"http://127.0.0.1:{closedPort}",
            // Without the start-up prefetch the class's own miss is the first request, so it gets the full series.
            LauncherOptions = ["--attempts", "3", "--backoff-ms", "20", "--no-prefetch"],
        });
        Assert.NotEqual(0, await node.WaitForExitAsync());

        Assert.Contains("java.lang.NoClassDefFoundError: com/shop/util/Formatter", node.Stderr, StringComparison.Ordinal);
        Assert.Matches(
            $@"ClassNotFoundException: class com/shop/util/Formatter \(sha256 {id}\) is in no source; tried: l2 .*: absent; registry http://127\.0\.0\.1:{closedPort} closure: GET http://127\.0\.0\.1:{closedPort}/v1/manifests/default/shop/2\.0/closure\?class=com/shop/util/Formatter: .* \(after 3 attempts\); "
            // After a failed series the registry gets one attempt per request for a while: the blob's GET is quick.
            + $@"registry http://127\.0\.0\.1:{closedPort}: GET http://127\.0\.0\.1:{closedPort}/v1/blobs/{id}: .* \(after 1 attempt\)",
            node.Stderr);
    }

    [Fact]
    public async Task RegistryThatNeverAnswers_TimesOut_RetriesAreBounded_AndTheErrorSaysSo()
    {
        var release = Release.FromDirectory(apps.ShopClasses, "shop:2.0", apps.Key);
        var cache = _dir.Combine("cache");
        release.SeedCache(cache);
        var id = release.ClassId("com/shop/util/Formatter");
        File.Delete(Release.CacheBlobPath(cache, id));

        // A listener that accepts connections and never answers: a registry hung or behind a dead link.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var held = new List<TcpClient>();
        using var stop = new CancellationTokenSource();
        var accepting = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    held.Add(await silent.AcceptTcpClientAsync(stop.Token));
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;

        using var node = NodeProcess.Start(Options("shop:2.0", "com.shop.Main", cache) with
        {
            Registry = $"http://127.0.0.1:{port}",
            LauncherOptions = ["--attempts", "2", "--backoff-ms", "10", "--timeout-ms", "300", "--no-prefetch"],
        });
        Assert.NotEqual(0, await node.WaitForExitAsync());
        await stop.CancelAsync();
        await accepting;
        held.ForEach(c => c.Dispose());

        Assert.Matches(
            $@"ClassNotFoundException: class com/shop/util/Formatter \(sha256 {id}\) is in no source; tried: .*registry http://127\.0\.0\.1:{port} closure: .*SocketTimeoutException.*\(after 2 attempts\); registry http://127\.0\.0\.1:{port}: .*SocketTimeoutException.*\(after 1 attempt\)",
            node.Stderr);
    }

    [Theory]
    [InlineData("--attempts", "0", "--attempts must be a whole number from 1 to 20, not '0'")]
    [InlineData("--bogus", "1", "unknown option --bogus")]
    [InlineData("--manifest", "no-tag", "--manifest 'no-tag' is not [namespace/]name:tag")]
    [InlineData("--main", "com/app/Main", "--main 'com/app/Main' is not a class name (dotted, e.g. com.app.Main)")]
    public async Task BadLauncherOption_ExitsWithUsage_AndSaysWhich(string option, string value, string message)
    {
        using var node = NodeProcess.Start(Options("hello:1.0", "com.app.Main", _dir.Combine("cache")) with
        {
            LauncherOptions = [option, value],
        });
        Assert.Equal(2, await node.WaitForExitAsync());
        Assert.Contains("fabric-node: " + message, node.Stderr, StringComparison.Ordinal);
        Assert.Contains("usage: java -cp fabric-node.jar fabric.node.Launcher", node.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ManifestInNoCacheAndNoRegistry_ExitsSayingSo()
    {
        using var node = NodeProcess.Start(Options("hello:1.0", "com.app.Main", _dir.Combine("empty")));
        Assert.Equal(1, await node.WaitForExitAsync());
        Assert.Contains("manifest default/hello:1.0 is not in the cache", node.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NodeStartedWithJdwp_AnswersTheJdwpHandshake_AtThatAddress()
    {
        Release.FromDirectory(apps.ShopClasses, "shop:2.0", apps.Key).SeedCache(_dir.Combine("cache"));
        var port = FreePort();

        using var node = NodeProcess.Start(Options("shop:2.0", "com.shop.Main", _dir.Combine("cache"), "wait") with
        {
            Jdwp = $"127.0.0.1:{port}",
        });
        await node.WaitForAsync("^ready$");

        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        var stream = client.GetStream();
        await stream.WriteAsync("JDWP-Handshake"u8.ToArray());
        var answer = new byte[14];
        await stream.ReadExactlyAsync(answer).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("JDWP-Handshake", System.Text.Encoding.ASCII.GetString(answer));
        client.Close();
        await node.SendLineAsync("");
        Assert.True(await node.WaitForExitAsync() == 0, node.Output);
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
