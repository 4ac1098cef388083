using JdwpGateway.Demo;
using JdwpGateway.EndToEnd.Tests.BadInput;
using JdwpGateway.EndToEnd.Tests.Gateway;
using JdwpGateway.EndToEnd.Tests.Support;
using JdwpGateway.Protocol.Encoding;
using JdwpGateway.Routing.Config;
using JdwpGateway.Routing.Nodes;
using JdwpGateway.Routing.Symbols;
using Xunit;

namespace JdwpGateway.EndToEnd.Tests.Jdi;

/// <summary>
/// One virtual VM over nodes on different JDKs: node-a on Temurin 25, node-b and node-c on JDK 17. The virtual VM
/// presents the lowest version, keeps JDWP 21+ features from the JDK 17 nodes, and a breakpoint hits on all three.
/// </summary>
public sealed class MixedJdkTests(MixedJdkClusterFixture fixture) : IClassFixture<MixedJdkClusterFixture>
{
    private GatewayCluster Gw => fixture.Cluster;

    [Fact]
    public async Task Version_is_the_lowest_nodes_and_JDWP_21_features_never_reach_the_JDK_17_nodes()
    {
        await Gw.WaitForNoSessionAsync();
        await using var debugger = await RawDebugger.AttachAsync(Gw.Server.LocalEndPoint);
        try
        {
            var version = await debugger.CommandAsync(1, 1);
            Assert.Equal(0, version.ErrorCode);
            var reader = new JdwpReader(version.Body);
            var description = reader.ReadString();
            var (major, minor, vmVersion) = (reader.ReadInt32(), reader.ReadInt32(), reader.ReadString());
            Assert.True(major == 17, $"JDWP major {major}.{minor}, expected the JDK 17 nodes' 17: {description}");
            Assert.StartsWith("17.", vmVersion, StringComparison.Ordinal);
            Assert.Matches(@"node-a = [^;]*\b25\.", description);
            Assert.Matches(@"node-b = [^;]*\b17\.", description);

            // ThreadReference.IsVirtual (JDWP 21) on every node's threads: a JDK 17 agent would answer NOT_IMPLEMENTED,
            // so an answer without error from a JDK 17 node's thread means the gateway answered it.
            var threads = RawDebugger.ParseIds((await debugger.CommandAsync(1, 4)).Body);
            var perNode = new Dictionary<string, int>();
            foreach (var thread in threads)
            {
                var name = RawDebugger.ParseString((await debugger.CommandAsync(11, 1, Id(thread))).Body);
                var node = name[1..name.IndexOf(']', StringComparison.Ordinal)];
                var isVirtual = await debugger.CommandAsync(11, 15, Id(thread));
                Assert.True(isVirtual.ErrorCode == 0, $"IsVirtual of {name} failed with JDWP error {isVirtual.ErrorCode}");
                Assert.True(isVirtual.Body is [0], $"IsVirtual of {name} answered {Convert.ToHexString(isVirtual.Body)}; the demo has only platform threads");
                perNode[node] = perNode.GetValueOrDefault(node) + 1;
            }

            Assert.True(perNode.Keys.Order().SequenceEqual(["node-a", "node-b", "node-c"]), "threads of " + string.Join(",", perNode.Keys));

            // A ThreadStart request with PlatformThreadsOnly (modKind 13, JDWP 21): a JDK 17 agent refuses that modifier,
            // so the request must be on all three nodes, without it on the JDK 17 ones.
            var set = await debugger.CommandAsync(15, 1, new JdwpWriter().Byte(6).Byte(0).Int(1).Byte(13).ToArray());
            Assert.True(set.ErrorCode == 0, $"EventRequest.Set(ThreadStart, PlatformThreadsOnly) failed with JDWP error {set.ErrorCode}");
            var requestId = new JdwpReader(set.Body).ReadInt32();
            var session = Gw.Server.ActiveSession ?? throw new InvalidOperationException("no session");
            Assert.True(session.Vm.Requests.TryGet(requestId, out var request), "the gateway does not know the request it answered");
            Assert.Equal([0, 1, 2], request.NodeRequestIds.Keys.Order());
            var clear = await debugger.CommandAsync(15, 2, new JdwpWriter().Byte(6).Int(requestId).ToArray());
            Assert.Equal(0, clear.ErrorCode);
        }
        catch (Exception e) when (e is TimeoutException or Xunit.Sdk.XunitException)
        {
            throw new Xunit.Sdk.XunitException(e.Message + "\n--- gateway log ---\n" + Gw.Log.Tail() + "\n--- nodes ---\n" + Gw.DescribeNodes());
        }
    }

    [Theory]
    [InlineData(JdiClient.OpenJdk, "attach-walk")]
    [InlineData(JdiClient.Eclipse, "attach-walk")]
    [InlineData(JdiClient.OpenJdk, "breakpoint-every-node")]
    [InlineData(JdiClient.Eclipse, "breakpoint-every-node")]
    [InlineData(JdiClient.OpenJdk, "invoke")]
    [InlineData(JdiClient.Eclipse, "invoke")]
    [InlineData(JdiClient.OpenJdk, "exceptions")]
    [InlineData(JdiClient.Eclipse, "exceptions")]
    public async Task JDI_works_across_JDK_17_and_25_nodes(string jdi, string scenario)
    {
        await Gw.WaitForNoSessionAsync();
        var client = await JdiClient.BuildAsync(Gw.Java);
        var run = await client.RunAsync(jdi, Gw.Port, scenario, expectNodes: 3);
        if (!run.Succeeded)
        {
            throw new Xunit.Sdk.XunitException(JdiDiagnostics.Describe(Gw, [run]));
        }

        if (scenario == "attach-walk")
        {
            // JDI enables features by the version: the virtual VM must present the oldest node's.
            var identity = run.Checks.Single(c => c.Name == "vm identity");
            Assert.Contains("version=17.", identity.Detail, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Jdb_stops_on_JDK_17_and_25_nodes_and_evaluates_with_JDK_classes_there()
    {
        await Gw.WaitForNoSessionAsync();
        var line = SourceMarkers.Line("OrderService.java", SourceMarkers.ProcessEntry);
        await using var jdb = await Gw.AttachJdbAsync();
        try
        {
            await jdb.ExpectAsync($"stop at fabric.demo.OrderService:{line}", "Set breakpoint", TimeSpan.FromSeconds(45));
            var seen = new HashSet<string>();
            for (var hit = 0; hit < 18 && seen.Count < 3; hit++)
            {
                var m = await jdb.WaitForAsync($@"(?:Breakpoint hit: [^""]{{0,200}})?""thread=\[(node-[abc])\] worker"", fabric\.demo\.OrderService\.process\(\), line={line}", TimeSpan.FromSeconds(45));
                var node = m.Groups[1].Value;
                seen.Add(node);

                // A JDK class's static method and a string literal, on a JDK 25 and on a JDK 17 node.
                await jdb.ExpectAsync("print java.lang.String.valueOf(42)", @"java\.lang\.String\.valueOf\(42\) = ""42""", TimeSpan.FromSeconds(45));
                await jdb.ExpectAsync("print fabric.demo.OrderService.tag(\"x\")", $@"= ""x@{node}""", TimeSpan.FromSeconds(45));
                await jdb.ExpectAsync("cont", "> ", TimeSpan.FromSeconds(45));
            }

            Assert.True(seen.SetEquals(["node-a", "node-b", "node-c"]), $"hits only from {string.Join(",", seen)}");
        }
        catch (Exception e) when (e is TimeoutException or Xunit.Sdk.XunitException)
        {
            throw new Xunit.Sdk.XunitException(jdb.Describe(e.Message) + "\n--- gateway log ---\n" + Gw.Log.Tail() + "\n--- nodes ---\n" + Gw.DescribeNodes());
        }
    }

    [Fact]
    public async Task A_bootstrap_class_is_one_symbol_on_JDK_17_and_25_and_so_is_an_app_class_with_the_same_bytes()
    {
        // The symbol table alone, over direct connections to a JDK 25 and a JDK 17 node (no session holds them now).
        await Gw.WaitForNoSessionAsync();
        var table = new SymbolTable(new VirtualIds());
        await using var jdk25 = await ConnectAsync(0, "node-a");
        await using var jdk17 = await ConnectAsync(1, "node-b");
        Assert.Equal(25, jdk25.Version.JdwpMajor);
        Assert.Equal(17, jdk17.Version.JdwpMajor);
        foreach (var signature in new[] { "Ljava/lang/String;", "Ljava/lang/IllegalStateException;", "Lfabric/demo/OrderService;" })
        {
            var on25 = await SurfaceAsync(table, jdk25, signature);
            var on17 = await SurfaceAsync(table, jdk17, signature);
            Assert.True(ReferenceEquals(on25, on17), $"{signature}: {on25} on JDK 25 and {on17} on JDK 17 are two types");
            Assert.Equal(signature.StartsWith("Ljava/", StringComparison.Ordinal), on25.Identity == SymbolTable.BootstrapIdentity);
        }
    }

    private async Task<NodeLink> ConnectAsync(int index, string name) =>
        await NodeLink.ConnectAsync(
            index, new NodeOptions { Name = name, Address = $"127.0.0.1:{Gw.Node(name).JdwpPort}" }, "symbol-test", 1 << 20,
            TimeSpan.FromSeconds(10), (_, _) => ValueTask.CompletedTask, CancellationToken.None);

    private static async Task<Symbol> SurfaceAsync(SymbolTable table, NodeLink node, string signature)
    {
        var found = await node.QueryAsync(1, 2, new JdwpWriter().String(signature).ToArray());
        var reader = new JdwpReader(found);
        Assert.Equal(1, reader.ReadInt32());
        var tag = reader.ReadByte();
        return await table.SurfaceAsync(node, reader.ReadId(node.Sizes.ReferenceTypeId), tag, signature);
    }

    private static byte[] Id(ulong id) => new JdwpWriter().Id(id, 8).ToArray();
}

/// <summary>Three nodes, node-a on Temurin 25 and the others on JDK 17, behind one gateway.</summary>
public sealed class MixedJdkClusterFixture : IAsyncLifetime
{
    /// <summary>Where the Temurin 25 JDK is installed on this machine (and by scripts/prerequisites.sh).</summary>
    public const string Temurin25Home = "/usr/lib/jvm/temurin-25-jdk-amd64";

    private GatewayCluster? _cluster;

    /// <summary>The cluster.</summary>
    public GatewayCluster Cluster => _cluster ?? throw new InvalidOperationException("Fixture not initialized.");

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        if (!File.Exists(Path.Combine(Temurin25Home, "bin", "java")))
        {
            // Never a skip: without a second JDK this test proves nothing, so it fails saying what is missing.
            throw new InvalidOperationException($"Temurin 25 is missing ({Temurin25Home}/bin/java): the mixed-JDK tests need it. "
                + "Install it with scripts/prerequisites.sh (Adoptium's temurin-25-jdk package).");
        }

        var jdk25 = JavaToolchain.FromHome(Temurin25Home);
        Assert.Equal(25, jdk25.MajorVersion);
        _cluster = await GatewayCluster.StartAsync(nodes: 3, started: 3, nodeJava: new Dictionary<string, JavaToolchain> { ["node-a"] = jdk25 });
        Assert.Equal(17, _cluster.Java.MajorVersion);
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}
