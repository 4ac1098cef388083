using System.Diagnostics;
using System.IO.Compression;
using System.Text.RegularExpressions;
using JdwpGateway.Demo;
using JdwpGateway.EndToEnd.Tests.Support;
using Xunit;

namespace JdwpGateway.EndToEnd.Tests.Gateway;

/// <summary>
/// <c>jdwp-gateway demo --fabric</c> (what <c>./scripts/demo.sh --fabric</c> runs) as a process: the nodes run from
/// the registry with no app classes on their class path, real jdb through the gateway hits a breakpoint on them, a
/// node started with the printed join command appears in that jdb, and SIGTERM leaves no process behind.
/// </summary>
public sealed class FabricDemoTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(5);
    private static readonly string[] DemoNodes = ["node-a", "node-b", "node-c"];

    [Fact]
    public async Task Fabric_demo_runs_its_nodes_from_the_registry_and_a_joining_node_appears_in_jdb()
    {
        var java = JavaToolchain.Find();
        var gatewayDll = Path.Combine(AppContext.BaseDirectory, "jdwp-gateway.dll");
        Assert.True(File.Exists(gatewayDll), $"the gateway is missing at {gatewayDll}");
        var fabricDll = FabricCliBuild();
        Assert.True(File.Exists(fabricDll), $"the fabric CLI (Fabric.Cli, a project reference) is missing at {fabricDll}");
        var entryLine = SourceMarkers.Line("OrderService.java", SourceMarkers.ProcessEntry);

        var start = new ProcessStartInfo("dotnet");
        foreach (var arg in new[] { gatewayDll, "demo", "--fabric", "--listen", "127.0.0.1:0", "--java-home", java.JavaHome, "--fabric-cli", fabricDll })
        {
            start.ArgumentList.Add(arg);
        }

        await using var demo = ChildProcess.Start("demo", start);
        ChildProcess? nodeD = null;
        try
        {
            var port = int.Parse((await demo.WaitForLineAsync(new Regex(@"jdb -attach 127\.0\.0\.1:(\d+)$"), StartTimeout, default)).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            var joinCommand = (await demo.WaitForLineAsync(new Regex(@"^\s+(dotnet \S+fabric\.dll run .*--name node-d .*)$"), Wait, default)).Groups[1].Value;
            var nodeList = (await demo.WaitForLineAsync(new Regex(@"^\s+nodes\s+(http://127\.0\.0\.1:\d+/v1/nodes)$"), Wait, default)).Groups[1].Value;
            var workDir = (await demo.WaitForLineAsync(new Regex(@"data in (/\S+)$"), Wait, default)).Groups[1].Value;
            Assert.True(Directory.Exists(workDir), workDir);

            // The registry lists the three nodes, each running the published release.
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
            var registered = (await http.GetStringAsync(new Uri(nodeList))).Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => l.Split('\t')).ToList();
            Assert.Equal(DemoNodes, registered.Select(r => r[0]).Order());
            Assert.All(registered, r => Assert.Equal(FabricDemoCluster.Manifest, r[2]));

            // Every JVM below the demo runs the node agent and nothing of the app: no app JAR or class directory on
            // its class path, on its command line or in its environment, and the agent jar holds no demo class.
            var classesDir = new DemoAppBuilder(java).ClassesDir;
            var jvms = ProcessTree.Descendants(demo.ProcessId)
                .Select(pid => (pid, args: ProcessTree.CommandLine(pid)))
                .Where(p => p.args.Count > 0 && Path.GetFileName(p.args[0]) == "java")
                .ToList();
            Assert.Equal(3, jvms.Count);
            foreach (var (pid, args) in jvms)
            {
                var line = string.Join(' ', args);
                var classPath = args[args.ToList().IndexOf("-cp") + 1];
                Assert.Equal("fabric-node.jar", Path.GetFileName(classPath));
                Assert.Equal("fabric.node.Launcher", args[args.ToList().IndexOf("-cp") + 2]);
                Assert.Contains($"--manifest {FabricDemoCluster.Manifest}", line, StringComparison.Ordinal);
                Assert.DoesNotContain(classesDir, line, StringComparison.Ordinal);
                Assert.DoesNotContain("demo-classes", line, StringComparison.Ordinal);
                Assert.DoesNotContain(Path.Combine("demo", "cluster", "src"), line, StringComparison.Ordinal);
                var environment = await File.ReadAllTextAsync($"/proc/{pid}/environ");
                Assert.DoesNotContain("CLASSPATH=", environment, StringComparison.Ordinal);
                using var jar = ZipFile.OpenRead(classPath);
                Assert.DoesNotContain(jar.Entries, e => e.FullName.StartsWith("fabric/demo/", StringComparison.Ordinal));
            }

            Assert.Equal(3, Regex.Matches(demo.RecentOutput, @"^  node-[abc] .*class path: \S+/fabric-node\.jar$", RegexOptions.Multiline).Count);

            await using var jdb = await JdbDriver.AttachAsync(port, java);
            try
            {
                // A breakpoint in a class the nodes loaded from the registry hits, named by its node.
                await jdb.ExpectAsync($"stop at fabric.demo.OrderService:{entryLine}", "Set breakpoint", Wait);
                var hit = await jdb.WaitForAsync($@"""thread=\[(node-[abc])\] worker"", fabric\.demo\.OrderService\.process\(\), line={entryLine}", Wait);
                Assert.Contains(hit.Groups[1].Value, DemoNodes);
                await jdb.ExpectAsync($"clear fabric.demo.OrderService:{entryLine}", "Removed: breakpoint", Wait);
                await jdb.ExpectAsync("cont", "> ", Wait);

                // The printed join command starts node-d from the manifest; it joins the session jdb is in.
                var join = new ProcessStartInfo("bash");
                join.ArgumentList.Add("-c");
                join.ArgumentList.Add(joinCommand);
                nodeD = ChildProcess.Start("node-d", join);
                await nodeD.WaitForLineAsync(new Regex("^node node-d ready$"), Wait, default);
                var deadline = Stopwatch.StartNew();
                while (true)
                {
                    var threads = await jdb.ExpectAsync("threads", @"Group fabric:[\s\S]*?\n> ", Wait);
                    if (threads.Value.Contains("[node-d] worker", StringComparison.Ordinal))
                    {
                        break;
                    }

                    Assert.True(deadline.Elapsed < Wait, "node-d did not appear in jdb's threads:\n" + threads.Value);
                    await Task.Delay(1000);
                }

                // And is debugged like the others: the breakpoint hits on node-d too.
                await jdb.ExpectAsync($"stop at fabric.demo.OrderService:{entryLine}", "Set breakpoint", Wait);
                var seen = new HashSet<string>();
                for (var i = 0; i < 40 && !seen.Contains("node-d"); i++)
                {
                    var m = await jdb.WaitForAsync($@"""thread=\[(node-[a-d])\] worker"", fabric\.demo\.OrderService\.process\(\), line={entryLine}", Wait);
                    seen.Add(m.Groups[1].Value);
                    await jdb.ExpectAsync("cont", "> ", Wait);
                }

                Assert.Contains("node-d", seen);
                await jdb.ExpectAsync($"clear fabric.demo.OrderService:{entryLine}", "Removed: breakpoint", Wait);
                await jdb.SendAsync("exit");
                await jdb.WaitForExitAsync(Wait);
            }
            catch (Exception e) when (e is not Xunit.Sdk.XunitException)
            {
                throw new Xunit.Sdk.XunitException(jdb.Describe(e.Message) + "\n=== demo ===\n" + demo.RecentOutput + "\n=== node-d ===\n" + nodeD?.RecentOutput);
            }

            await nodeD.StopAsync("exit", TimeSpan.FromSeconds(20));

            // SIGTERM (what Ctrl-C does, and not ignored by a background job): everything the demo started stops.
            var started = ProcessTree.Descendants(demo.ProcessId);
            Assert.True(started.Count >= 7, $"expected the registry, 3 'fabric run' and 3 JVMs below the demo, found {started.Count}");
            using (var kill = Process.Start("kill", ["-TERM", demo.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            Assert.Equal(0, await demo.WaitForExitAsync(Wait, default));
            Assert.Contains("Stopped.", demo.RecentOutput, StringComparison.Ordinal);
            Assert.Empty(started.Where(ProcessTree.IsRunning).Select(pid => $"{pid}: {string.Join(' ', ProcessTree.CommandLine(pid))}"));
            Assert.False(Directory.Exists(workDir), $"{workDir} was left behind");
        }
        catch (DemoBuildException e)
        {
            throw new Xunit.Sdk.XunitException(e.Message + "\n=== demo ===\n" + demo.RecentOutput + "\n=== node-d ===\n" + nodeD?.RecentOutput);
        }
        finally
        {
            if (nodeD is not null)
            {
                await nodeD.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Fabric_demo_with_a_missing_fabric_cli_says_so_and_starts_nothing()
    {
        var missing = Path.Combine(Path.GetTempPath(), "no-such-dir-" + Guid.NewGuid().ToString("N"), FabricCli.DllName);
        var start = new ProcessStartInfo("dotnet");
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "jdwp-gateway.dll"), "demo", "--fabric", "--listen", "127.0.0.1:0", "--fabric-cli", missing })
        {
            start.ArgumentList.Add(arg);
        }

        await using var demo = ChildProcess.Start("demo", start);
        Assert.Equal(1, await demo.WaitForExitAsync(Wait, default));
        Assert.Contains($"jdwp-gateway demo: the fabric CLI {missing} does not exist", demo.RecentOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", demo.RecentOutput, StringComparison.Ordinal);
    }

    /// <summary>The fabric CLI built with these tests: Fabric.Cli's output for the same configuration and framework.</summary>
    private static string FabricCliBuild()
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory);
        return Path.Combine(DemoAppBuilder.FindRepoRoot(), "Fabric.Cli", "bin", output.Parent!.Name, output.Name, FabricCli.DllName);
    }
}
