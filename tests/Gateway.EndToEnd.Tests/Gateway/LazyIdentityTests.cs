using JdwpGateway.Cli;
using JdwpGateway.Protocol.Encoding;
using JdwpGateway.Protocol.Transport;
using Xunit;

namespace JdwpGateway.EndToEnd.Tests.Gateway;

/// <summary>
/// Identity is read only when a second type of a name appears (docs/virtual-vm.md, "Identity"): over one node the
/// session's first AllClasses asks the node nothing per class, and once a second node has the same classes they are
/// identified (and the same bytes are one type). Counted in the gateway's own recording of its node connections.
/// </summary>
public sealed class LazyIdentityTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(45);
    private static readonly string[] PerClassQueries = ["ReferenceType.ClassLoader", "ReferenceType.ConstantPool", "ReferenceType.Signature"];

    private readonly string _directory = Directory.CreateTempSubdirectory("jdwp-identity-").FullName;
    private GatewayCluster? _gateway;

    private GatewayCluster Gw => _gateway ?? throw new InvalidOperationException("not started");

    /// <inheritdoc />
    public async Task InitializeAsync() => _gateway = await GatewayCluster.StartAsync(2, started: 1, configure: o => o with { Record = _directory });

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }

        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task One_node_is_asked_nothing_per_class_and_a_second_node_with_the_same_classes_gets_them_identified()
    {
        // One node up: the first AllClasses founds every symbol from the listed signatures alone.
        var (classes, orderServices, commands) = await SessionAsync(expectNodes: 1);
        Assert.True(classes.Count > 300, $"only {classes.Count} classes listed");
        Assert.Equal(1, orderServices);
        foreach (var query in PerClassQueries)
        {
            Assert.False(commands.ContainsKey(query), $"{query} was sent {commands.GetValueOrDefault(query)} times over one node");
        }

        // A second node with the same application: the classes both have are identified (java.* ones by name alone,
        // the others by their loader, on both nodes), and the same bytes are one type.
        await Gw.StartConfiguredNodeAsync("node-b");
        (classes, orderServices, commands) = await SessionAsync(expectNodes: 2);
        Assert.Equal(1, orderServices);
        var outsideJava = classes.Count(s => !s.StartsWith("Ljava/", StringComparison.Ordinal) && !s.StartsWith('['));
        var loaderQueries = commands.GetValueOrDefault("ReferenceType.ClassLoader");
        Assert.True(loaderQueries >= outsideJava && loaderQueries <= 2 * outsideJava, $"ClassLoader asked {loaderQueries} times for {outsideJava} classes outside java.* listed");
        Assert.True(commands.GetValueOrDefault("ReferenceType.ConstantPool") > 0, "no application class was fingerprinted");
    }

    /// <summary>One bare debugger session: AllClasses, then OrderService by signature; returns the signatures listed, the OrderService count and the commands recorded.</summary>
    private async Task<(List<string> Classes, int OrderServices, IReadOnlyDictionary<string, int> Commands)> SessionAsync(int expectNodes)
    {
        var classes = new List<string>();
        int orderServices;
        var connection = await JdwpConnection.ConnectAsync("127.0.0.1", Gw.Port, "test-debugger", 1 << 24, CancellationToken.None);
        await using (var debugger = new JdwpCommandChannel(connection))
        {
            await connection.HandshakeAsDebuggerAsync(new CancellationTokenSource(Wait).Token);
            debugger.Start(_ => ValueTask.CompletedTask);
            var deadline = DateTime.UtcNow + Wait;
            while (Gw.Server.ActiveSession?.Vm.UpNodes.Count != expectNodes)
            {
                Assert.True(DateTime.UtcNow < deadline, $"{expectNodes} nodes not in the session within {Wait.TotalSeconds:0} s");
                await Task.Delay(100);
            }

            var all = await debugger.SendCommandAsync(1, 3, []).WaitAsync(Wait);
            Assert.Equal(0, all.ErrorCode);
            var reader = new JdwpReader(all.Body);
            var count = reader.ReadInt32();
            for (var i = 0; i < count; i++)
            {
                reader.ReadByte();
                reader.ReadId(8);
                classes.Add(reader.ReadString());
                reader.ReadInt32();
            }

            var found = await debugger.SendCommandAsync(1, 2, new JdwpWriter().String("Lfabric/demo/OrderService;").ToArray()).WaitAsync(Wait);
            Assert.Equal(0, found.ErrorCode);
            orderServices = new JdwpReader(found.Body).ReadInt32();
            await debugger.SendCommandAsync(1, 6, []).WaitAsync(Wait);
        }

        // The session's recording is complete once it has closed every connection; each session writes its own file.
        await Gw.WaitForNoSessionAsync();
        var file = Assert.Single(Directory.GetFiles(_directory, "*.jdwpcap"));
        var result = DecodeCommand.Run(file, verify: false, new StringWriter(), new StringWriter());
        File.Delete(file);
        return (classes, orderServices, result.CommandsByName);
    }
}
