namespace Fabric.Runtime.Tests;

public sealed class NodeLauncherTests
{
    [Fact]
    public void CommandLine_PutsTheJdwpAgentFirst_TheAgentJarAlone_AndAppArgumentsAfterTheSeparator()
    {
        var args = NodeLauncher.BuildArguments(new NodeLaunchOptions
        {
            Registry = "http://127.0.0.1:7070",
            Manifest = "shop:1.0",
            MainClass = "com.shop.Main",
            NodeName = "node-a",
            Jdwp = "127.0.0.1:5005",
            Trust = ["/keys/pub.pem"],
            JvmOptions = ["-Xmx64m"],
            ApplicationArguments = ["--port", "1"],
            AgentJar = "/opt/fabric-node.jar",
        });

        Assert.Equal(
            [
                "-agentlib:jdwp=transport=dt_socket,server=y,suspend=n,address=127.0.0.1:5005", "-Xmx64m",
                "-cp", "/opt/fabric-node.jar", NodeLauncher.LauncherClass,
                "--registry", "http://127.0.0.1:7070", "--manifest", "shop:1.0", "--main", "com.shop.Main",
                "--name", "node-a", "--jdwp-address", "127.0.0.1:5005", "--trust", "/keys/pub.pem",
                "--", "--port", "1",
            ],
            args);
    }

    [Theory]
    [InlineData("5005")]
    [InlineData("host:")]
    [InlineData("host:70000")]
    public void MalformedJdwpAddress_IsRefusedWithTheValue(string jdwp)
    {
        var e = Assert.Throws<ArgumentException>(() => NodeLauncher.BuildArguments(
            new NodeLaunchOptions { Manifest = "a:1", MainClass = "A", Jdwp = jdwp }));
        Assert.Contains($"'{jdwp}'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NonHttpRegistry_IsRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => NodeLauncher.BuildArguments(
            new NodeLaunchOptions { Manifest = "a:1", MainClass = "A", Registry = "ftp://x" }));
        Assert.Contains("ftp://x", e.Message, StringComparison.Ordinal);
    }
}
