using System.Net;
using System.Text.RegularExpressions;
using Fabric.Registry.Symbols;
using Fabric.Runtime.Tests.Support;

namespace Fabric.Runtime.Tests;

/// <summary>
/// Nodes against a real registry process (<c>fabric registry serve</c>) with releases published by the real
/// <c>fabric publish</c>: cold starts by hash with prefetch, registration and loaded-symbol reports, a registry that
/// stops, and a corrupted blob in the registry's store.
/// </summary>
public sealed class RegistryNodeTests(AppsFixture apps) : IClassFixture<AppsFixture>, IAsyncLifetime
{
    private readonly TempDir _dir = new();
    private RegistryServer _registry = null!;

    public async Task InitializeAsync()
    {
        // No memory cache: the corrupted-blob test corrupts a blob the registry has served before.
        _registry = await RegistryServer.StartAsync(_dir.Combine("registry"), apps.Key, memoryCache: false);
    }

    public async Task DisposeAsync()
    {
        await _registry.DisposeAsync();
        _dir.Dispose();
    }

    private NodeLaunchOptions Options(string manifest, string main, string cache, params string[] appArgs) => new()
    {
        Registry = _registry.Url,
        Manifest = manifest,
        MainClass = main,
        Cache = cache,
        Trust = [apps.Key.PublicPem],
        ApplicationArguments = appArgs,
    };

    [Fact]
    public async Task HelloWorld_ColdNode_RunsByHashFromTheRegistry()
    {
        await _registry.PublishAsync(apps.HelloClasses, "hello:1.0", apps.Key);
        var cache = _dir.Combine("cache");

        using var node = NodeProcess.Start(Options("hello:1.0", "com.app.Main", cache, "x"));
        Assert.True(await node.WaitForExitAsync() == 0, node.Output);

        Assert.Contains("Hello from the fabric, args=x", node.Stdout, StringComparison.Ordinal);
        var mainId = Release.FromDirectory(apps.HelloClasses, "hello:1.0", apps.Key).ClassId("com/app/Main");
        Assert.Contains("source=fabric:/default/hello:1.0/", node.Stdout, StringComparison.Ordinal);
        Assert.True(Release.FromDirectory(apps.HelloClasses, "hello:1.0", apps.Key).CacheHolds(cache, mainId), "the class must now be in L2");
        Assert.Contains("prefetched 1 blobs for com.app.Main", node.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FabricRun_StartsANodeFromTheRegistry()
    {
        await _registry.PublishAsync(apps.HelloClasses, "hello:1.0", apps.Key);

        var (code, output) = await RegistryServer.RunCliAsync(
            "run", "--registry", _registry.Url, "--manifest", "hello:1.0", "--main", "com.app.Main",
            "--trust", apps.Key.PublicPem, "--cache", _dir.Combine("cache"), "--", "from", "cli");

        Assert.True(code == 0, output);
        Assert.Contains("Hello from the fabric, args=from,cli", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FabricRun_Terminated_PassesTheSignalOn_SoTheJvmStopsAndTheNodeLeaves()
    {
        await _registry.PublishAsync(apps.ShopClasses, "shop:2.0", apps.Key);
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var a in new[]
        {
            RegistryServer.CliDll, "run", "--registry", _registry.Url, "--manifest", "shop:2.0", "--main", "com.shop.Main",
            "--trust", apps.Key.PublicPem, "--cache", _dir.Combine("cache"), "--name", "term-node", "--", "wait",
        })
        {
            psi.ArgumentList.Add(a);
        }

        using var fabric = System.Diagnostics.Process.Start(psi)!;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            string? line;
            while ((line = await fabric.StandardOutput.ReadLineAsync(timeout.Token)) is not null && line != "ready")
            {
            }

            Assert.True(line == "ready", "the node did not start");
            var jvm = Assert.Single(ChildrenOf(fabric.Id));
            await PollAsync(async () => await _registry.GetTextAsync("/v1/nodes"), t => t.Contains("term-node\t", StringComparison.Ordinal));

            Assert.True(Fabric.Runtime.Signals.Terminate(fabric.Id), "kill(fabric run, SIGTERM) failed");
            await fabric.WaitForExitAsync(timeout.Token);
            // The JVM ran its shutdown hooks (it deregistered) and ended before fabric run did.
            Assert.False(Directory.Exists($"/proc/{jvm}"), $"the node JVM {jvm} outlived fabric run");
            Assert.DoesNotContain("term-node\t", await _registry.GetTextAsync("/v1/nodes"), StringComparison.Ordinal);
        }
        finally
        {
            if (!fabric.HasExited)
            {
                fabric.Kill(entireProcessTree: true);
            }
        }
    }

    [Theory]
    [InlineData("closure")]
    [InlineData("batch")]
    public async Task A_registry_whose_closure_or_batch_route_is_broken_still_serves_a_cold_node_class_by_class(string route)
    {
        await _registry.PublishAsync(apps.ShopClasses, "shop:2.0", apps.Key);
        await using var proxy = RouteFailingProxy.Start(_registry.Url, r => r.Url!.AbsolutePath.EndsWith("/" + route, StringComparison.Ordinal));

        using var node = NodeProcess.Start(Options("shop:2.0", "com.shop.Main", _dir.Combine("cache")) with
        {
            Registry = proxy.Url,
            LauncherOptions = ["--attempts", "2", "--backoff-ms", "20"],
        });
        Assert.True(await node.WaitForExitAsync() == 0, node.Output);

        Assert.Contains(TestApps.ShopTotal, node.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("\tat ", node.Stderr, StringComparison.Ordinal);
        // One failed series (two attempts) pauses prefetch; the classes come one GET each. Unpaused, each of the seven
        // classes' misses would start another series.
        Assert.InRange(proxy.Refused, 1, 4);
    }

    /// <summary>Linux lists a process's children per thread, in /proc/PID/task/TID/children.</summary>
    private static List<int> ChildrenOf(int pid) =>
        [.. Directory.EnumerateDirectories($"/proc/{pid}/task")
            .SelectMany(t => File.ReadAllText(Path.Combine(t, "children")).Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(c => int.Parse(c, System.Globalization.CultureInfo.InvariantCulture))];

    [Fact]
    public async Task ColdStart_PrefetchesClosures_InAFewRoundTripsNotOnePerClass()
    {
        await _registry.PublishAsync(apps.ShopClasses, "shop:2.0", apps.Key);

        using var node = NodeProcess.Start(Options("shop:2.0", "com.shop.Main", _dir.Combine("cache"), "wait") with { HttpPort = 0 });
        var port = await node.HttpPortAsync();
        await node.WaitForAsync("^ready$");
        var m = await Metrics.ScrapeAsync(port);
        await node.SendLineAsync("");
        Assert.True(await node.WaitForExitAsync() == 0, node.Output);

        Assert.Contains(TestApps.ShopTotal, node.Stdout, StringComparison.Ordinal);
        Assert.Contains("discount=15%", node.Stdout, StringComparison.Ordinal);
        // Main, Item, Item$Bundle, Priced, Formatter in the start-up batch; Discount's miss brings Discount and Rate
        // in one more; the two resources are single GETs. Seven classes, four blob requests.
        Assert.Equal(7, m.Get("fabric_node_classes_defined_total"));
        Assert.Equal(4, m.Get("fabric_node_fetch_requests_total{source=\"registry\"}"));
        Assert.Equal(7, m.Get("fabric_node_prefetched_blobs_total"));
        // Registry-level answers: Discount (through its closure batch) and the two resources.
        Assert.Equal(3, m.Get(Metrics.Resolutions("registry", "hit")));

        // L2 is written in the background and drained at exit: the next start finds every class there, the
        // start-up batch as one pack.
        var release = Release.FromDirectory(apps.ShopClasses, "shop:2.0", apps.Key);
        var cache = _dir.Combine("cache");
        var unused = release.ClassId("com/shop/util/Unused");
        Assert.All(release.Manifest.Entries.Where(e => e.Symbol != unused),
            e => Assert.True(release.CacheHolds(cache, e.Symbol), $"{e.Path} is not in L2"));
        Assert.False(release.CacheHolds(cache, unused), "a class nothing reaches is not fetched");
        Assert.Contains(Release.PackedBlobs(cache), p => p.Key == release.ClassId("com/shop/Main"));
    }

    [Fact]
    public async Task CorruptedPackInL2_IsQuarantinedWhole_AndItsClassesFetchedAgain()
    {
        await _registry.PublishAsync(apps.ShopClasses, "shop:2.0", apps.Key);
        var release = Release.FromDirectory(apps.ShopClasses, "shop:2.0", apps.Key);
        var cache = _dir.Combine("cache");
        using (var first = NodeProcess.Start(Options("shop:2.0", "com.shop.Main", cache)))
        {
            Assert.True(await first.WaitForExitAsync() == 0, first.Output);
        }

        var id = release.ClassId("com/shop/util/Formatter");
        var (pack, offset, length) = Release.PackedBlobs(cache)[id];
        var bytes = File.ReadAllBytes(pack);
        bytes[offset + length - 1] ^= 0x5A;
        File.WriteAllBytes(pack, bytes);

        using var node = NodeProcess.Start(Options("shop:2.0", "com.shop.Main", cache));
        Assert.True(await node.WaitForExitAsync() == 0, node.Output);

        Assert.Contains(TestApps.ShopTotal, node.Stdout, StringComparison.Ordinal);
        Assert.Matches($@"SecurityException: com/shop/util/Formatter from l2 hashes to \w+, not its ID {id}; quarantined in .*\.pack\.\d+", node.Stderr);
        Assert.False(File.Exists(pack), "the damaged pack must leave packs/");
        Assert.Equal(bytes, File.ReadAllBytes(Assert.Single(Directory.GetFiles(Path.Combine(cache, "quarantine"), Path.GetFileName(pack) + ".*"))));
        Assert.True(release.CacheHolds(cache, id), "the class fetched again must be back in L2");

        // The pack's other classes were in memory (verified): they went back to L2 too, so the cache is whole again.
        await _registry.StopAsync();
        using var offline = NodeProcess.Start(Options("shop:2.0", "com.shop.Main", cache));
        Assert.True(await offline.WaitForExitAsync() == 0, offline.Output);
        Assert.Contains(TestApps.ShopTotal, offline.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RegistryStopped_NodeWithAWarmCache_StillStartsAndRuns()
    {
        await _registry.PublishAsync(apps.ShopClasses, "shop:2.0", apps.Key);
        var cache = _dir.Combine("cache");
        using (var first = NodeProcess.Start(Options("shop:2.0", "com.shop.Main", cache)))
        {
            Assert.True(await first.WaitForExitAsync() == 0, first.Output);
        }

        await _registry.StopAsync();
        using var node = NodeProcess.Start(Options("shop:2.0", "com.shop.Main", cache) with
        {
            NodeName = "offline-node",
            LauncherOptions = ["--attempts", "2", "--backoff-ms", "20"],
        });
        Assert.True(await node.WaitForExitAsync() == 0, node.Output);

        Assert.Contains(TestApps.ShopTotal, node.Stdout, StringComparison.Ordinal);
        Assert.Contains("discount=15%", node.Stdout, StringComparison.Ordinal);
        Assert.Contains("done", node.Stdout.Split('\n'));
    }

    [Fact]
    public async Task CorruptedBlobInTheRegistryStore_IsASecurityException_AndRecoveredFromAPeer()
    {
        await _registry.PublishAsync(apps.ShopClasses, "shop:2.0", apps.Key);
        var release = Release.FromDirectory(apps.ShopClasses, "shop:2.0", apps.Key);
        var id = release.ClassId("com/shop/util/Formatter");

        // A node that ran the release before the corruption serves as the peer.
        using var peer = NodeProcess.Start(Options("shop:2.0", "com.shop.Main", _dir.Combine("peer-cache"), "wait") with { HttpPort = 0 });
        var peerPort = await peer.HttpPortAsync();
        await peer.WaitForAsync("^ready$");

        _registry.CorruptBlob(id);

        using (var alone = NodeProcess.Start(Options("shop:2.0", "com.shop.Main", _dir.Combine("cache-a"))))
        {
            Assert.NotEqual(0, await alone.WaitForExitAsync());
            Assert.Contains("java.lang.SecurityException: class com.shop.util.Formatter", alone.Stderr, StringComparison.Ordinal);
            Assert.Contains(id.ToString(), alone.Stderr, StringComparison.Ordinal);
            Assert.NotEmpty(Directory.GetFiles(Path.Combine(_dir.Combine("cache-a"), "quarantine"), id + ".*"));
        }

        using var node = NodeProcess.Start(Options("shop:2.0", "com.shop.Main", _dir.Combine("cache-b")) with
        {
            Peers = [$"http://127.0.0.1:{peerPort}"],
        });
        Assert.True(await node.WaitForExitAsync() == 0, node.Output);
        Assert.Contains(TestApps.ShopTotal, node.Stdout, StringComparison.Ordinal);
        Assert.Matches($"SecurityException: .*{id}", node.Stderr);
        Assert.Equal(release.Blobs[id], File.ReadAllBytes(Release.CacheBlobPath(_dir.Combine("cache-b"), id)));
        await peer.SendLineAsync("");
        await peer.WaitForExitAsync();
    }

    [Fact]
    public async Task Registration_IsListed_LoadedReportMatchesTheJvm_AndItLeavesOnStop()
    {
        await _registry.PublishAsync(apps.ShopClasses, "shop:2.0", apps.Key);
        var classLog = _dir.Combine("class-load.log");
        var jdwpPort = FreePort();

        using var node = NodeProcess.Start(Options("shop:2.0", "com.shop.Main", _dir.Combine("cache"), "wait") with
        {
            NodeName = "node-a",
            Jdwp = $"127.0.0.1:{jdwpPort}",
            JvmOptions = [$"-Xlog:class+load=info:file={classLog}"],
        });
        await node.WaitForAsync("^ready$");

        var listed = await PollAsync(async () =>
        {
            var lines = (await _registry.GetTextAsync("/v1/nodes")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            return lines.FirstOrDefault(l => l.StartsWith("node-a\t", StringComparison.Ordinal));
        }, l => l is not null);
        var fields = listed!.Split('\t');
        Assert.Equal($"127.0.0.1:{jdwpPort}", fields[1]);
        Assert.Equal("default/shop:2.0", fields[2]);
        Assert.True(DateTimeOffset.TryParse(fields[3], System.Globalization.CultureInfo.InvariantCulture, out _), fields[3]);

        // What the JVM itself says it defined from the release (its code source), mapped to IDs by the manifest.
        var release = Release.FromDirectory(apps.ShopClasses, "shop:2.0", apps.Key);
        var fromJvm = File.ReadAllLines(classLog)
            .Select(l => Regex.Match(l, @"\] (\S+) source: fabric:/default/shop:2\.0/$"))
            .Where(m => m.Success)
            .Select(m => release.ClassId(m.Groups[1].Value.Replace('.', '/')).ToString())
            .ToHashSet();
        Assert.Contains(release.ClassId("com/shop/Main").ToString(), fromJvm);
        Assert.DoesNotContain(release.ClassId("com/shop/util/Unused").ToString(), fromJvm);
        var reported = await PollAsync(
            async () => (await _registry.GetTextAsync("/v1/nodes/node-a/loaded")).Split('\n', StringSplitOptions.RemoveEmptyEntries).ToHashSet(),
            r => r.SetEquals(fromJvm));
        Assert.Equal(fromJvm.Order(), reported.Order());

        await node.SendLineAsync("");
        Assert.True(await node.WaitForExitAsync() == 0, node.Output);
        var after = await _registry.GetTextAsync("/v1/nodes");
        Assert.DoesNotContain("node-a\t", after, StringComparison.Ordinal);
    }

    private static async Task<T> PollAsync<T>(Func<Task<T>> read, Func<T, bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            var value = await read();
            if (done(value) || DateTime.UtcNow > deadline)
            {
                return value;
            }

            await Task.Delay(100);
        }
    }

    private static int FreePort()
    {
        using var l = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
