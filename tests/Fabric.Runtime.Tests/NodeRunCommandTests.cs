using Fabric.Runtime.Tests.Support;

namespace Fabric.Runtime.Tests;

public sealed class NodeRunCommandTests(AppsFixture apps) : IClassFixture<AppsFixture>
{
    [Fact]
    public async Task Run_StartsARealNode_AndPassesItsExitCode()
    {
        using var dir = new TempDir();
        var cache = dir.Combine("cache");
        Release.FromDirectory(apps.HelloClasses, "hello:1.0", apps.Key).SeedCache(cache);
        // The registry is down (nothing listens there): the node runs from its cache, as fabric run's user would see.
        string[] common = ["--registry", "http://127.0.0.1:9", "--main", "com.app.Main", "--trust", apps.Key.PublicPem, "--cache", cache];

        Assert.Equal(0, await NodeRunCommand.RunAsync([.. common, "--manifest", "hello:1.0"], TextWriter.Null));
        Assert.Equal(1, await NodeRunCommand.RunAsync([.. common, "--manifest", "nothing:1.0"], TextWriter.Null));
    }

    [Fact]
    public void Parse_TakesTheIssueCommandLine()
    {
        var o = NodeRunCommand.Parse(
            ["--registry", "http://127.0.0.1:7070", "--manifest", "shop:1.0", "--main", "com.shop.Main", "--name", "node-a",
             "--jdwp", "127.0.0.1:5005", "--trust", "k.pem", "--", "x", "--y"],
            out var error);

        Assert.Null(error);
        Assert.NotNull(o);
        Assert.Equal("http://127.0.0.1:7070", o.Registry);
        Assert.Equal("shop:1.0", o.Manifest);
        Assert.Equal("com.shop.Main", o.MainClass);
        Assert.Equal("node-a", o.NodeName);
        Assert.Equal("127.0.0.1:5005", o.Jdwp);
        Assert.Equal(["k.pem"], o.Trust);
        Assert.Equal(["x", "--y"], o.ApplicationArguments);
    }

    [Theory]
    [InlineData("missing --registry, --trust", "--manifest", "a:1", "--main", "A")]
    [InlineData("--http-port 'x' is not a port (0-65535)", "--http-port", "x")]
    [InlineData("unknown option '--nope'", "--nope", "1")]
    [InlineData("--main needs a value", "--main")]
    [InlineData("--jdwp '5005' is not HOST:PORT (port 1-65535)", "--registry", "http://h:1", "--manifest", "a:1", "--main", "A", "--trust", "k", "--jdwp", "5005")]
    public void Parse_SaysWhatIsWrong(string expected, params string[] args)
    {
        Assert.Null(NodeRunCommand.Parse(args, out var error));
        Assert.Equal(expected, error);
    }

    [Fact]
    public async Task Run_WithBadArguments_Returns2_AndPrintsUsage()
    {
        var stderr = new StringWriter();
        Assert.Equal(2, await NodeRunCommand.RunAsync(["--bogus", "1"], stderr));
        Assert.Contains("fabric run: unknown option '--bogus'", stderr.ToString(), StringComparison.Ordinal);
        Assert.Contains("usage: fabric run", stderr.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public async Task Run_WithHelp_PrintsUsageAndSucceeds_UnlessHelpIsAnApplicationArgument(string help)
    {
        var stdout = new StringWriter();
        Assert.Equal(0, await NodeRunCommand.RunAsync(["--manifest", "x:1", help], TextWriter.Null, stdout: stdout));
        Assert.Contains("usage: fabric run", stdout.ToString(), StringComparison.Ordinal);

        // After "--" it belongs to the application: here the other arguments are missing, so it is an error.
        var stderr = new StringWriter();
        Assert.Equal(2, await NodeRunCommand.RunAsync(["--manifest", "x:1", "--", help], stderr, stdout: TextWriter.Null));
        Assert.Contains("fabric run:", stderr.ToString(), StringComparison.Ordinal);
    }
}
