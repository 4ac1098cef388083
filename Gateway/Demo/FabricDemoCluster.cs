using System.Globalization;
using System.Text.RegularExpressions;

namespace JdwpGateway.Demo;

/// <summary>
/// The demo cluster served from the registry: a <c>fabric registry serve</c> with an embedded store in a temporary
/// directory, a new signing key it trusts, the demo app published as <see cref="Manifest"/>, and nodes started with
/// <c>fabric run --manifest</c> (their only class path entry is the node agent; the app's classes come from the
/// registry). Disposing stops the nodes, then the registry, and deletes the directory.
/// </summary>
public sealed class FabricDemoCluster : IAsyncDisposable
{
    /// <summary>The release the demo publishes and runs.</summary>
    public const string Manifest = "demo/cluster:1.0";

    private static readonly TimeSpan RegistryStartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan NodeStartTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(3);
    private const int MaxAttemptsPerNode = 3;

    private readonly List<FabricDemoNode> _nodes = [];
    private ChildProcess? _registry;

    private FabricDemoCluster(FabricCli fabric, JavaToolchain java, string workDir)
    {
        Fabric = fabric;
        Java = java;
        WorkDir = workDir;
    }

    /// <summary>The CLI that runs the registry, publishes and starts the nodes.</summary>
    public FabricCli Fabric { get; }

    /// <summary>The JDK the nodes run on.</summary>
    public JavaToolchain Java { get; }

    /// <summary>The temporary directory holding the registry's store, the keys and the nodes' cache.</summary>
    public string WorkDir { get; }

    /// <summary>The registry's HTTP address (<c>http://127.0.0.1:PORT</c>): nodes fetch classes and register here.</summary>
    public string RegistryUrl { get; private set; } = string.Empty;

    /// <summary>The registry's gRPC address, which <c>fabric publish</c> uses.</summary>
    public string GrpcUrl { get; private set; } = string.Empty;

    /// <summary>The public key nodes verify the release with (the registry trusts it too).</summary>
    public string TrustedKey => Path.Combine(WorkDir, "keys", "signing-key.pub.pem");

    /// <summary>The content-addressed class cache the nodes share.</summary>
    public string CacheDir => Path.Combine(WorkDir, "node-cache");

    /// <summary>The registry process.</summary>
    public ChildProcess Registry => _registry ?? throw new InvalidOperationException("The registry is not started.");

    /// <summary>The nodes, in name order.</summary>
    public IReadOnlyList<FabricDemoNode> Nodes => _nodes;

    /// <summary>The last line <c>fabric publish</c> printed about the release (<c>summary new=... bytes=...</c>).</summary>
    public string PublishSummary { get; private set; } = string.Empty;

    /// <summary>The manifest's HTTP address.</summary>
    public string ManifestUrl => $"{RegistryUrl}/v1/manifests/{Manifest.Replace(':', '/')}";

    /// <summary>The registry's node list.</summary>
    public string NodeListUrl => $"{RegistryUrl}/v1/nodes";

    /// <summary>
    /// Starts the registry, publishes <paramref name="classesDir"/> and starts <paramref name="nodeCount"/> nodes from
    /// the registry; returns once each node runs and the registry lists it. Reports each step to <paramref name="progress"/>.
    /// </summary>
    /// <exception cref="DemoBuildException">A step failed; what was started is stopped again.</exception>
    public static async Task<FabricDemoCluster> StartAsync(
        int nodeCount, JavaToolchain java, string classesDir, FabricCli fabric, Action<string> progress, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nodeCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(nodeCount, 25);
        var cluster = new FabricDemoCluster(fabric, java, Directory.CreateTempSubdirectory("jdwp-gateway-fabric-demo-").FullName);
        try
        {
            await cluster.StartRegistryAsync(progress, cancellationToken).ConfigureAwait(false);
            await cluster.PublishAsync(classesDir, progress, cancellationToken).ConfigureAwait(false);
            await cluster.StartNodesAsync(nodeCount, progress, cancellationToken).ConfigureAwait(false);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// The <c>fabric run</c> arguments of a node: the registry, the release, its main class and the key it trusts,
    /// its name and JDWP address (which it registers), then the demo app's own arguments after <c>--</c>.
    /// </summary>
    public IReadOnlyList<string> RunArguments(string name, int jdwpPort, int appPort, IEnumerable<int> peerPorts) =>
    [
        "run",
        "--registry", RegistryUrl,
        "--manifest", Manifest,
        "--main", DemoAppBuilder.MainClass,
        "--trust", TrustedKey,
        "--java", Java.JavaPath,
        "--cache", CacheDir,
        "--name", name,
        "--jdwp", $"127.0.0.1:{jdwpPort}",
        "--",
        "--name", name,
        "--port", appPort.ToString(CultureInfo.InvariantCulture),
        .. PeersArgument(peerPorts),
    ];

    /// <summary>
    /// A command for another terminal that starts one more node, <paramref name="name"/>, from the release: on a JDWP
    /// port free now, its app on a port the OS picks, sending orders to the demo's nodes.
    /// </summary>
    public string JoinCommand(string name) =>
        ShellWords.Join(Fabric.Command(RunArguments(name, FreePort.Next(), 0, _nodes.Select(n => n.AppPort))));

    /// <summary>Stops the nodes (asking each to exit first, so it leaves the registry), then the registry; deletes <see cref="WorkDir"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_nodes.Select(n => n.Process.StopAsync("exit", TimeSpan.FromSeconds(10)))).ConfigureAwait(false);
        foreach (var node in _nodes)
        {
            await node.Process.DisposeAsync().ConfigureAwait(false);
        }

        if (_registry is not null)
        {
            await _registry.DisposeAsync().ConfigureAwait(false);
        }

        try
        {
            Directory.Delete(WorkDir, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A node started by hand may still use the cache; the directory is in the temp folder.
        }
    }

    private static string[] PeersArgument(IEnumerable<int> peerPorts)
    {
        var peers = string.Join(',', peerPorts.Select(p => $"127.0.0.1:{p}"));
        return peers.Length == 0 ? [] : ["--peers", peers];
    }

    private async Task StartRegistryAsync(Action<string> progress, CancellationToken cancellationToken)
    {
        progress($"Generating a signing key in {Path.Combine(WorkDir, "keys")} ...");
        await Fabric.RunAsync(["keygen", "--out", Path.Combine(WorkDir, "keys")], WorkDir, CommandTimeout, cancellationToken).ConfigureAwait(false);

        // The registry's namespace 'demo' is open to anyone on loopback and trusts only the key just made.
        var config = Path.Combine(WorkDir, "registry.yaml");
        await File.WriteAllTextAsync(config, """
            storage: { kind: embedded, path: registry-data }
            listen: { http: 127.0.0.1:0, grpc: 127.0.0.1:0 }
            namespaces:
              demo:
                anonymousRead: true
                anonymousPublish: true
                trustedKeys: [keys/signing-key.pub.pem]
            """, cancellationToken).ConfigureAwait(false);

        progress("Starting the registry (embedded store) ...");
        _registry = ChildProcess.Start("registry", Fabric.StartInfo(["registry", "serve", "--config", config], WorkDir));
        RegistryUrl = await AddressAsync("http").ConfigureAwait(false);
        GrpcUrl = await AddressAsync("grpc").ConfigureAwait(false);

        async Task<string> AddressAsync(string kind)
        {
            // serve prints "http ADDRESS" and "grpc ADDRESS" once it listens (port 0 in the file: the OS picks).
            var line = new Regex($@"^{kind} (?:http://)?(127\.0\.0\.1:\d+)/?$");
            var match = await _registry.WaitForLineAsync(line, RegistryStartTimeout, cancellationToken).ConfigureAwait(false);
            return "http://" + match.Groups[1].Value;
        }
    }

    private async Task PublishAsync(string classesDir, Action<string> progress, CancellationToken cancellationToken)
    {
        progress($"Publishing {classesDir} as {Manifest} ...");
        var output = await Fabric.RunAsync(
            ["publish", classesDir, "--manifest", Manifest, "--key", Path.Combine(WorkDir, "keys", "signing-key.pem"), "--registry", GrpcUrl, "--java-home", Java.JavaHome],
            WorkDir,
            CommandTimeout,
            cancellationToken).ConfigureAwait(false);
        PublishSummary = output.Split('\n').LastOrDefault(l => l.StartsWith("summary ", StringComparison.Ordinal)) ?? string.Empty;
    }

    private async Task StartNodesAsync(int count, Action<string> progress, CancellationToken cancellationToken)
    {
        progress($"Starting {count} node(s) with 'fabric run --manifest {Manifest}' ...");
        var appPorts = Enumerable.Range(0, count).Select(_ => FreePort.Next()).ToArray();
        var starts = Enumerable.Range(0, count)
            .Select(i => StartNodeAsync(DemoCluster.NodeName(i), appPorts[i], appPorts.Where((_, j) => j != i), cancellationToken))
            .ToArray();
        try
        {
            await Task.WhenAll(starts).ConfigureAwait(false);
        }
        finally
        {
            _nodes.AddRange(starts.Where(t => t.IsCompletedSuccessfully).Select(t => t.Result));
        }

        await WaitUntilRegisteredAsync(_nodes.Select(n => n.Name), cancellationToken).ConfigureAwait(false);
    }

    private async Task<FabricDemoNode> StartNodeAsync(string name, int appPort, IEnumerable<int> peerPorts, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var jdwpPort = FreePort.Next();
            var process = ChildProcess.Start(name, Fabric.StartInfo(RunArguments(name, jdwpPort, appPort, peerPorts), WorkDir));
            try
            {
                await process.WaitForLineAsync(new Regex($"^node {Regex.Escape(name)} ready$"), NodeStartTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (DemoBuildException) when (attempt < MaxAttemptsPerNode && process.RecentOutput.Contains("transport error 202", StringComparison.Ordinal))
            {
                // Another process took the JDWP port between FreePort.Next() and the JVM's bind: try another one.
                await process.DisposeAsync().ConfigureAwait(false);
                continue;
            }
            catch
            {
                await process.DisposeAsync().ConfigureAwait(false);
                throw;
            }

            var jvm = ProcessTree.Children(process.ProcessId)
                .Select(pid => (pid, args: ProcessTree.CommandLine(pid)))
                .FirstOrDefault(p => p.args.Contains("fabric.node.Launcher"));
            return new FabricDemoNode(name, jdwpPort, appPort, process, jvm.args is null ? null : jvm.pid, jvm.args ?? []);
        }
    }

    private async Task WaitUntilRegisteredAsync(IEnumerable<string> names, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var wanted = names.ToHashSet(StringComparer.Ordinal);
        var listed = string.Empty;
        var deadline = DateTime.UtcNow + NodeStartTimeout;
        while (true)
        {
            try
            {
                listed = await http.GetStringAsync(new Uri(NodeListUrl), cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException e)
            {
                listed = e.Message;
            }

            var registered = listed.Split('\n').Select(l => l.Split('\t')[0]).ToHashSet(StringComparer.Ordinal);
            if (wanted.IsSubsetOf(registered))
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new DemoBuildException($"The registry does not list {string.Join(", ", wanted.Except(registered))} after {NodeStartTimeout.TotalSeconds:0} s; it lists:\n{listed}");
            }

            await Task.Delay(200, cancellationToken).ConfigureAwait(false);
        }
    }
}
