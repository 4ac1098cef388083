using System.Net;
using JdwpGateway.Configuration;
using JdwpGateway.Protocol.Framing;
using JdwpGateway.Routing.Config;
using Xunit;

namespace JdwpGateway.Protocol.Tests;

public class GatewayConfigFileTests
{
    private const string FullYaml = """
        listen: 0.0.0.0:6006
        maxPacketLength: 2048
        nodeConnectTimeoutSeconds: 2.5
        nodeRetrySeconds: 7
        debuggerHandshakeTimeoutSeconds: 30
        nodes:
          - name: node-a
            address: 127.0.0.1:7001
          - name: node-b
            address: 10.0.0.2:7002
        """;

    [Fact]
    public void Parse_FullFile_BindsEverySetting()
    {
        var options = GatewayConfigFile.Parse(FullYaml);

        Assert.Equal("0.0.0.0:6006", options.Listen);
        Assert.Equal(new IPEndPoint(IPAddress.Any, 6006), options.ListenEndPoint);
        Assert.Equal(2048, options.MaxPacketLength);
        Assert.Equal(TimeSpan.FromSeconds(2.5), options.NodeConnectTimeout);
        Assert.Equal(TimeSpan.FromSeconds(7), options.NodeRetryInterval);
        Assert.Equal(TimeSpan.FromSeconds(30), options.DebuggerHandshakeTimeout);
        Assert.Equal(2, options.Nodes.Count);
        Assert.Equal(new NodeOptions { Name = "node-a", Address = "127.0.0.1:7001" }, options.Nodes[0]);
        Assert.Equal(("10.0.0.2", 7002), (options.Nodes[1].Host, options.Nodes[1].Port));
        Assert.Empty(options.Validate());
    }

    [Fact]
    public void Parse_Discovery_BindsTheRegistryAndNeedsNoNodes()
    {
        var options = GatewayConfigFile.Parse("""
            discovery:
              registry: http://127.0.0.1:7070
              manifest: demo:1.0
              token: secret
              pollSeconds: 0.5
            """);

        Assert.Empty(options.Nodes);
        Assert.NotNull(options.Discovery);
        Assert.Equal(new Uri("http://127.0.0.1:7070/"), options.Discovery.RegistryUri);
        Assert.Equal("demo:1.0", options.Discovery.Manifest);
        Assert.Equal("default/demo:1.0", ManifestNames.Normalize(options.Discovery.Manifest!));
        Assert.Equal("secret", options.Discovery.Token);
        Assert.Equal(TimeSpan.FromMilliseconds(500), options.Discovery.PollInterval);
        Assert.Empty(options.Validate());
    }

    [Theory]
    [InlineData("registry: ftp://127.0.0.1:7070", "is not an http:// or https:// address")]
    [InlineData("registry: http://127.0.0.1:7070\n  manifest: no-tag", "is not [namespace/]name:tag")]
    [InlineData("registry: http://127.0.0.1:7070\n  pollSeconds: 0", "out of range")]
    public void Validate_BadDiscovery_SaysWhatIsWrong(string body, string problem)
    {
        var options = GatewayConfigFile.Parse("discovery:\n  " + body.Replace("\\n", "\n", StringComparison.Ordinal));

        Assert.Contains(options.Validate(), p => p.Contains(problem, StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_UnknownDiscoveryKey_ListsTheKnownOnes()
    {
        var ex = Assert.Throws<GatewayConfigException>(() => GatewayConfigFile.Parse("discovery:\n  registy: http://x:1\n"));

        Assert.Contains("unknown key 'registy' (known keys here: registry, manifest, token, pollSeconds)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_OnlyNodes_KeepsDefaultsForTheRest()
    {
        var options = GatewayConfigFile.Parse("""
            nodes:
              - name: a
                address: localhost:7001
            """);

        Assert.Equal("127.0.0.1:5005", options.Listen);
        Assert.Equal(JdwpFrameReader.DefaultMaxPacketLength, options.MaxPacketLength);
        Assert.Equal(TimeSpan.FromSeconds(5), options.NodeConnectTimeout);
        Assert.Equal(TimeSpan.FromSeconds(2), options.NodeRetryInterval);
        Assert.Equal(TimeSpan.FromSeconds(10), options.DebuggerHandshakeTimeout);
        Assert.Single(options.Nodes);
        Assert.Empty(options.Validate());
    }

    [Theory]
    [InlineData("")]
    [InlineData("# nothing but a comment\n")]
    public void Parse_EmptyDocument_GivesDefaultsThatFailValidationForNoNodes(string yaml)
    {
        var options = GatewayConfigFile.Parse(yaml);

        Assert.Empty(options.Nodes);
        Assert.Contains(options.Validate(), p => p.Contains("no nodes configured", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_UnknownTopLevelKey_ThrowsNamingLineAndColumn()
    {
        var yaml = "listen: 127.0.0.1:5005\nmaxPacketLenght: 1024\n";

        var ex = Assert.Throws<GatewayConfigException>(() => GatewayConfigFile.Parse(yaml, "gateway.yaml"));

        Assert.StartsWith("gateway.yaml: line 2, column 1:", ex.Message, StringComparison.Ordinal);
        Assert.Contains("maxPacketLenght", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnknownKeyInsideNode_ThrowsNamingLineAndColumn()
    {
        var yaml = """
            nodes:
              - name: a
                adress: 127.0.0.1:7001
            """;

        var ex = Assert.Throws<GatewayConfigException>(() => GatewayConfigFile.Parse(yaml, "g.yaml"));

        Assert.StartsWith("g.yaml: line 3, column 5:", ex.Message, StringComparison.Ordinal);
        Assert.Contains("adress", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_WrongValueType_ThrowsConfigExceptionWithLine()
    {
        var ex = Assert.Throws<GatewayConfigException>(() => GatewayConfigFile.Parse("maxPacketLength: lots\n", "g.yaml"));

        Assert.StartsWith("g.yaml: line 1, column ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_InvalidYamlSyntax_ThrowsConfigException()
    {
        var ex = Assert.Throws<GatewayConfigException>(() => GatewayConfigFile.Parse("nodes: [a, b\n", "g.yaml"));

        Assert.StartsWith("g.yaml: line ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingFile_ThrowsClearMessage()
    {
        var path = Path.Combine(Path.GetTempPath(), $"no-such-gateway-{Guid.NewGuid():N}.yaml");

        var ex = Assert.Throws<GatewayConfigException>(() => GatewayConfigFile.Load(path));

        Assert.Equal($"configuration file '{path}' does not exist", ex.Message);
    }

    [Fact]
    public void Load_ExistingFile_BindsAndNamesFileInErrors()
    {
        var path = Path.Combine(Path.GetTempPath(), $"gateway-{Guid.NewGuid():N}.yaml");
        try
        {
            File.WriteAllText(path, FullYaml);
            Assert.Equal(2, GatewayConfigFile.Load(path).Nodes.Count);

            File.WriteAllText(path, "bogus: 1\n");
            var ex = Assert.Throws<GatewayConfigException>(() => GatewayConfigFile.Load(path));
            Assert.StartsWith($"{path}: line 1, column 1:", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Validate_DuplicateNames_ListsEachDuplicate()
    {
        var options = new GatewayOptions
        {
            Nodes =
            [
                new() { Name = "a", Address = "127.0.0.1:1" },
                new() { Name = "a", Address = "127.0.0.1:2" },
                new() { Name = "b", Address = "127.0.0.1:3" },
                new() { Name = "a", Address = "127.0.0.1:4" },
            ],
        };

        var problem = Assert.Single(options.Validate());

        Assert.Equal("node name 'a' is used 3 times; node names must be unique", problem);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.1:0")]
    [InlineData("127.0.0.1:65536")]
    [InlineData("127.0.0.1:http")]
    [InlineData(":7001")]
    [InlineData("")]
    public void Validate_BadNodeAddress_NamesNodeAndExpectedFormat(string address)
    {
        var options = new GatewayOptions { Nodes = [new() { Name = "a", Address = address }] };

        var problem = Assert.Single(options.Validate());

        Assert.Equal($"node 'a': address '{address}' must be host:port with a port from 1 to 65535", problem);
    }

    [Theory]
    [InlineData("nowhere:5005", "is not an IP address")]
    [InlineData("127.0.0.1", "must be host:port")]
    [InlineData("127.0.0.1:99999", "must be host:port")]
    public void Validate_BadListenAddress_IsReported(string listen, string expected)
    {
        var options = new GatewayOptions { Listen = listen, Nodes = [new() { Name = "a", Address = "127.0.0.1:7001" }] };

        var problem = Assert.Single(options.Validate());

        Assert.Contains($"listen '{listen}'", problem, StringComparison.Ordinal);
        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1:0")]
    [InlineData("localhost:5005")]
    [InlineData("[::1]:5005")]
    public void Validate_GoodListenAddresses_AreAccepted(string listen)
    {
        var options = new GatewayOptions { Listen = listen, Nodes = [new() { Name = "a", Address = "127.0.0.1:7001" }] };

        Assert.Empty(options.Validate());
    }

    [Fact]
    public void Validate_NoNodes_SaysHowToAddOne()
    {
        var problem = Assert.Single(new GatewayOptions().Validate());

        Assert.Contains("no nodes configured", problem, StringComparison.Ordinal);
        Assert.Contains("--node name=host:port", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_SeveralProblems_ListsThemAll()
    {
        var options = new GatewayOptions
        {
            Listen = "bad",
            MaxPacketLength = 10,
            Nodes = [new() { Name = "x y", Address = "127.0.0.1:1" }, new() { Name = "", Address = "127.0.0.1:2" }],
        };

        var problems = options.Validate();

        Assert.Equal(4, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("listen 'bad'", StringComparison.Ordinal));
        Assert.Contains("node name 'x y' must not contain spaces or brackets", problems);
        Assert.Contains("a node with address '127.0.0.1:2' has no name", problems);
        Assert.Contains("maxPacketLength 10 is too small (minimum 1024)", problems);
    }

    [Fact]
    public void NodeOptionsParse_NameEqualsHostPort_Binds()
    {
        var node = NodeOptions.Parse("a=127.0.0.1:7001");

        Assert.Equal("a", node.Name);
        Assert.Equal("127.0.0.1:7001", node.Address);
        Assert.Equal("127.0.0.1", node.Host);
        Assert.Equal(7001, node.Port);
    }

    [Fact]
    public void NodeOptionsParse_BracketedIpv6_SplitsHostAndPort()
    {
        var node = NodeOptions.Parse("v6=[::1]:7001");

        Assert.Equal("::1", node.Host);
        Assert.Equal(7001, node.Port);
    }

    [Theory]
    [InlineData("a")]
    [InlineData("127.0.0.1:7001")]
    [InlineData("=127.0.0.1:7001")]
    [InlineData("a=")]
    [InlineData("")]
    public void NodeOptionsParse_MissingNameOrAddress_ShowsExpectedFormat(string text)
    {
        var ex = Assert.Throws<FormatException>(() => NodeOptions.Parse(text));

        Assert.Equal($"--node '{text}': expected name=host:port, e.g. node-a=127.0.0.1:7001", ex.Message);
    }

    [Theory]
    [InlineData("a=127.0.0.1", "must be host:port")]
    [InlineData("a=127.0.0.1:0", "port from 1 to 65535")]
    [InlineData("a b=127.0.0.1:1", "must not contain spaces or brackets")]
    [InlineData("[a]=127.0.0.1:1", "must not contain spaces or brackets")]
    public void NodeOptionsParse_InvalidParts_ExplainsTheProblem(string text, string expected)
    {
        var ex = Assert.Throws<FormatException>(() => NodeOptions.Parse(text));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }
}
