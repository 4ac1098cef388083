using JdwpGateway.Configuration;
using JdwpGateway.Routing.Config;
using JdwpGateway.Routing.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace JdwpGateway.Protocol.Tests;

/// <summary>
/// Configuration files a clumsy or hostile user writes: numbers out of any range, NaN, a node that is the gateway
/// itself. Each is a clear configuration error, never an unhandled exception (which, in the reloader's timer, would
/// end the running gateway).
/// </summary>
public sealed class HostileConfigTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("jdwp-gateway-hostile-config-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("nodeRetrySeconds: 1e300\n", "nodeRetrySeconds")]
    [InlineData("nodeConnectTimeoutSeconds: -1e300\n", "nodeConnectTimeoutSeconds")]
    [InlineData("debuggerHandshakeTimeoutSeconds: .nan\n", "debuggerHandshakeTimeoutSeconds")]
    [InlineData("nodeRetrySeconds: .inf\n", "nodeRetrySeconds")]
    [InlineData("discovery:\n  registry: http://127.0.0.1:1\n  pollSeconds: 1e300\n", "pollSeconds")]
    [InlineData("maxPacketLength: 99999999999999\n", "line 1, column 18: number out of range")]
    public void Absurd_numbers_are_configuration_errors_naming_the_key(string line, string key)
    {
        var yaml = line + (line.StartsWith("discovery", StringComparison.Ordinal) ? string.Empty : "nodes:\n  - name: a\n    address: 127.0.0.1:7001\n");
        var problems = Problems(yaml);
        Assert.Contains(problems, p => p.Contains(key, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("127.0.0.1:6006", "127.0.0.1:6006")]
    [InlineData("0.0.0.0:6006", "127.0.0.1:6006")]
    [InlineData("127.0.0.1:6006", "localhost:6006")]
    public void A_node_at_the_gateways_own_listen_address_is_refused(string listen, string address)
    {
        var options = new GatewayOptions { Listen = listen, Nodes = [new NodeOptions { Name = "me", Address = address }] };
        Assert.Contains(options.Validate(), p => p.Contains("'me'", StringComparison.Ordinal) && p.Contains("gateway's own", StringComparison.Ordinal));
    }

    [Fact]
    public void A_node_at_another_port_of_the_same_host_is_fine()
    {
        var options = new GatewayOptions { Listen = "127.0.0.1:6006", Nodes = [new NodeOptions { Name = "a", Address = "127.0.0.1:6007" }] };
        Assert.Empty(options.Validate());
    }

    [Theory]
    [InlineData("nodeRetrySeconds: 1e300\n")]
    [InlineData("nodeConnectTimeoutSeconds: .nan\n")]
    [InlineData("maxPacketLength: 99999999999999\n")]
    [InlineData("\0\0\0\u0001garbage")]
    public void A_running_gateways_file_edited_to_absurd_values_is_refused_and_the_nodes_stay(string edit)
    {
        var path = Path.Combine(_dir, "gateway.yaml");
        var node = new NodeOptions { Name = "a", Address = "127.0.0.1:7001" };
        File.WriteAllText(path, "nodes:\n  - name: a\n    address: 127.0.0.1:7001\n");
        var started = GatewayConfigFile.Load(path);
        var directory = new NodeDirectory(started.Nodes);
        using var reloader = new ConfigFileReloader(path, started, o => o, directory, NullLogger.Instance, TimeSpan.FromHours(1));

        File.WriteAllText(path, edit + "nodes:\n  - name: b\n    address: 127.0.0.1:7002\n");

        Assert.False(reloader.Check());
        Assert.Equal([node], directory.Present.Select(p => p.Options));
    }

    [Fact]
    public void A_running_gateways_file_edited_to_a_node_at_the_gateway_itself_is_refused()
    {
        var path = Path.Combine(_dir, "gateway.yaml");
        File.WriteAllText(path, "listen: 127.0.0.1:6006\nnodes:\n  - name: a\n    address: 127.0.0.1:7001\n");
        var started = GatewayConfigFile.Load(path);
        var directory = new NodeDirectory(started.Nodes);
        using var reloader = new ConfigFileReloader(path, started, o => o, directory, NullLogger.Instance, TimeSpan.FromHours(1));

        File.WriteAllText(path, "listen: 127.0.0.1:6006\nnodes:\n  - name: a\n    address: 127.0.0.1:7001\n  - name: loop\n    address: 127.0.0.1:6006\n");

        Assert.False(reloader.Check());
        Assert.Equal(["a"], directory.Present.Select(p => p.Options.Name));
    }

    [Fact]
    public void A_directory_given_as_the_file_is_named_as_one()
    {
        var ex = Assert.Throws<GatewayConfigException>(() => GatewayConfigFile.Load(_dir));
        Assert.Contains("is a directory", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\u00ff\u00fe garbage")]
    [InlineData("just words")]
    public void A_file_that_is_not_a_mapping_says_so_without_naming_internal_types(string yaml)
    {
        var ex = Assert.Throws<GatewayConfigException>(() => GatewayConfigFile.Parse(yaml, "g.yaml"));
        Assert.Contains("expected 'key: value' lines", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("JdwpGateway", ex.Message, StringComparison.Ordinal);
    }

    private static IReadOnlyList<string> Problems(string yaml)
    {
        try
        {
            return GatewayConfigFile.Parse(yaml, "g.yaml").Validate();
        }
        catch (GatewayConfigException ex)
        {
            return [ex.Message];
        }
    }
}
