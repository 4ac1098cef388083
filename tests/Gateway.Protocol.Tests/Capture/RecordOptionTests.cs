using JdwpGateway.Configuration;
using JdwpGateway.Routing.Config;
using Xunit;

namespace JdwpGateway.Protocol.Tests.Capture;

/// <summary>The <c>record</c> setting: bound from the YAML file, off by default, never empty.</summary>
public sealed class RecordOptionTests
{
    [Fact]
    public void Record_is_read_from_the_file_and_is_off_by_default()
    {
        var options = GatewayConfigFile.Parse("record: /tmp/captures\nnodes:\n  - name: a\n    address: 127.0.0.1:7001\n");
        Assert.Equal("/tmp/captures", options.Record);
        Assert.Empty(options.Validate());

        Assert.Null(GatewayConfigFile.Parse("listen: 127.0.0.1:5005\n").Record);
    }

    [Fact]
    public void An_empty_record_directory_is_a_configuration_problem()
    {
        var options = new GatewayOptions { Nodes = [new NodeOptions { Name = "a", Address = "127.0.0.1:7001" }], Record = " " };
        Assert.Contains(options.Validate(), p => p.Contains("record", StringComparison.Ordinal));
    }
}
