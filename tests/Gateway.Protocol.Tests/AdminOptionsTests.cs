using System.Net;
using JdwpGateway.Configuration;
using JdwpGateway.Routing.Config;
using Xunit;

namespace JdwpGateway.Protocol.Tests;

public sealed class AdminOptionsTests
{
    private const string Nodes = "nodes:\n  - name: a\n    address: 127.0.0.1:7001\n";

    [Fact]
    public void Admin_is_off_unless_configured()
    {
        Assert.Null(GatewayConfigFile.Parse(Nodes).Admin);
    }

    [Fact]
    public void Admin_listen_is_read_from_the_file_and_defaults_to_loopback_5080()
    {
        var given = GatewayConfigFile.Parse(Nodes + "admin:\n  listen: 127.0.0.1:0\n");
        var defaulted = GatewayConfigFile.Parse(Nodes + "admin: {}\n");

        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 0), given.Admin!.ListenEndPoint);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 5080), defaulted.Admin!.ListenEndPoint);
        Assert.Empty(given.Validate());
        Assert.Empty(defaulted.Validate());
    }

    [Fact]
    public void A_non_loopback_admin_address_is_refused_unless_allowed()
    {
        var refused = GatewayConfigFile.Parse(Nodes + "admin:\n  listen: 0.0.0.0:5080\n");
        var allowed = GatewayConfigFile.Parse(Nodes + "admin:\n  listen: 0.0.0.0:5080\n  allowRemote: true\n");

        Assert.Contains(refused.Validate(), p => p.Contains("admin listen '0.0.0.0:5080' is not a loopback address", StringComparison.Ordinal));
        Assert.Empty(allowed.Validate());
    }

    [Theory]
    [InlineData("admin:\n  listen: nowhere\n", "admin listen 'nowhere' must be host:port")]
    [InlineData("admin:\n  listen: example.org:5080\n", "'example.org' is not an IP address")]
    public void A_bad_admin_address_says_what_is_wrong(string yaml, string problem)
    {
        Assert.Contains(GatewayConfigFile.Parse(Nodes + yaml).Validate(), p => p.Contains(problem, StringComparison.Ordinal));
    }

    [Fact]
    public void An_unknown_admin_key_lists_the_known_ones()
    {
        var ex = Assert.Throws<GatewayConfigException>(() => GatewayConfigFile.Parse(Nodes + "admin:\n  port: 5080\n"));

        Assert.Contains("unknown key 'port' (known keys here: listen, allowRemote)", ex.Message, StringComparison.Ordinal);
    }
}
