using JdwpGateway.Demo;
using JdwpGateway.EndToEnd.Tests.Support;
using Xunit;

namespace JdwpGateway.EndToEnd.Tests;

/// <summary>
/// Smoke test of the test infrastructure itself, without the gateway: a real jdb attached directly to
/// one node of a 2-node demo cluster hits a breakpoint and inspects it.
/// </summary>
public sealed class DirectAttachTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Jdb_attached_directly_to_a_node_hits_a_breakpoint_in_process()
    {
        // No skipping: a missing JDK must fail this test loudly (JavaToolchain.Find throws with install advice).
        var java = JavaToolchain.Find();
        var classes = await new DemoAppBuilder(java).BuildAsync();
        var entryLine = SourceMarkers.Line("OrderService.java", SourceMarkers.ProcessEntry);

        await using var cluster = await DemoCluster.StartAsync(2, java, classes);
        var nodeA = cluster["node-a"];

        await using var jdb = await JdbDriver.AttachAsync(nodeA.JdwpPort, java);
        try
        {
            await jdb.ExpectAsync($"stop at fabric.demo.OrderService:{entryLine}", $@"Set breakpoint fabric\.demo\.OrderService:{entryLine}", Wait);
            var hit = await jdb.WaitForAsync(
                $@"Breakpoint hit: ""thread=worker"", fabric\.demo\.OrderService\.process\(\), line={entryLine} bci=\d+\s+worker\[1\] ",
                Wait);
            Assert.Contains("Breakpoint hit", hit.Value);

            var locals = await jdb.ExpectAsync("locals", @"Method arguments:\s+order = instance of fabric\.demo\.Order\(id=\d+\)[\s\S]*?worker\[1\] ", Wait);
            Assert.Contains("order = instance of fabric.demo.Order", locals.Value);

            var where = await jdb.ExpectAsync("where", @"\[1\] fabric\.demo\.OrderService\.process \(OrderService\.java:(\d+)\)[\s\S]*?worker\[1\] ", Wait);
            Assert.Equal(entryLine.ToString(System.Globalization.CultureInfo.InvariantCulture), where.Groups[1].Value);
            Assert.Contains("fabric.demo.Worker.run (Worker.java:", where.Value);

            await jdb.ExpectAsync($"clear fabric.demo.OrderService:{entryLine}", $@"Removed: breakpoint fabric\.demo\.OrderService:{entryLine}", Wait);
            await jdb.ExpectAsync("cont", @"> ", Wait);
            await jdb.SendAsync("exit");
            await jdb.WaitForExitAsync(Wait);
        }
        catch (Exception e) when (e is not TimeoutException)
        {
            throw new Xunit.Sdk.XunitException(jdb.Describe(e.Message) + "\n" + cluster.DescribeOutput());
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException(e.Message + "\n" + cluster.DescribeOutput(), e);
        }

        Assert.False(nodeA.HasExited, "node-a must survive the debugger detaching:\n" + nodeA.RecentOutputText);
    }
}
