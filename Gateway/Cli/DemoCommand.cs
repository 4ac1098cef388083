using System.CommandLine;
using JdwpGateway.Demo;
using JdwpGateway.Routing;
using JdwpGateway.Routing.Config;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace JdwpGateway.Cli;

/// <summary>
/// <c>jdwp-gateway demo</c>: builds the demo app, starts a small cluster of node JVMs, puts the gateway in front
/// and prints how to attach. Ctrl-C stops everything it started; nodes also exit on their own if this process dies
/// (they watch their standard input).
/// </summary>
public static class DemoCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Build(Option<LogLevel> logLevel)
    {
        var nodeCount = new Option<int>("--nodes") { Description = "How many node JVMs to start (1-8)", DefaultValueFactory = _ => 3 };
        var listen = new Option<string>("--listen") { Description = "Address debuggers attach to", DefaultValueFactory = _ => "127.0.0.1:5005" };
        var javaHome = new Option<string?>("--java-home") { Description = "JDK to run the nodes with (default: JAVA_HOME or the system JDK 17)" };
        var record = new Option<string?>("--record") { Description = "Record every byte of every connection into capture files in this directory (see 'decode')" };
        var fabric = new Option<bool>("--fabric") { Description = "Run the cluster from a fabric registry: publish the demo app, start the nodes with 'fabric run --manifest' (no app JAR on them), find them by discovery" };
        var fabricCli = new Option<string?>("--fabric-cli") { Description = "With --fabric: the fabric CLI (fabric.dll or an executable; default: next to this program, else the repository's Fabric.Cli build)" };
        var demo = new Command("demo", "Start a demo cluster behind the gateway and print how to attach") { nodeCount, listen, javaHome, record, fabric, fabricCli, logLevel };
        demo.SetAction(async (result, token) =>
        {
            var count = result.GetValue(nodeCount);
            if (count is < 1 or > 8)
            {
                await Console.Error.WriteLineAsync("jdwp-gateway demo: --nodes must be between 1 and 8").ConfigureAwait(false);
                return 2;
            }

            if (!await GatewayCli.EnsureRecordDirectoryAsync(result.GetValue(record)).ConfigureAwait(false))
            {
                return 2;
            }

            if (result.GetValue(fabric))
            {
                return await FabricDemoCommand.RunAsync(count, result.GetValue(listen)!, result.GetValue(javaHome), result.GetValue(fabricCli), result.GetValue(logLevel), result.GetValue(record), token).ConfigureAwait(false);
            }

            if (result.GetValue(fabricCli) is not null)
            {
                await Console.Error.WriteLineAsync("jdwp-gateway demo: --fabric-cli needs --fabric").ConfigureAwait(false);
                return 2;
            }

            return await RunAsync(count, result.GetValue(listen)!, result.GetValue(javaHome), result.GetValue(logLevel), token, result.GetValue(record)).ConfigureAwait(false);
        });
        return demo;
    }

    private static async Task<int> RunAsync(int count, string listen, string? javaHome, LogLevel logLevel, CancellationToken token, string? record = null)
    {
        // Check the debugger port first: starting JVMs only to fail on a taken port wastes the user's time.
        if (ListenProblem(listen) is { } problem)
        {
            await Console.Error.WriteLineAsync($"jdwp-gateway demo: cannot listen on {listen}: {problem} (pass --listen 127.0.0.1:<free port>)").ConfigureAwait(false);
            return 1;
        }

        JavaToolchain java;
        string classes;
        try
        {
            java = javaHome is null ? JavaToolchain.Find() : JavaToolchain.FromHome(javaHome);
            Console.WriteLine($"Building the demo app with {java} ...");
            classes = await new DemoAppBuilder(java).BuildAsync(token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is DemoBuildException or InvalidOperationException or FileNotFoundException or DirectoryNotFoundException)
        {
            await Console.Error.WriteLineAsync($"jdwp-gateway demo: {ex.Message}").ConfigureAwait(false);
            return 1;
        }

        Console.WriteLine($"Starting {count} node JVM(s) ...");
        await using var cluster = await DemoCluster.StartAsync(count, java, classes, cancellationToken: token).ConfigureAwait(false);
        var options = new GatewayOptions
        {
            Listen = listen,
            Nodes = [.. cluster.Nodes.Select(n => new NodeOptions { Name = n.Name, Address = $"127.0.0.1:{n.JdwpPort}" })],
            Record = record,
        };
        using var host = GatewayHost.Build(options, logLevel, server => PrintAttachInstructions(server, cluster));
        try
        {
            await host.RunAsync(token).ConfigureAwait(false);
        }
        catch (System.Net.Sockets.SocketException ex)
        {
            await Console.Error.WriteLineAsync($"jdwp-gateway demo: cannot listen on {listen}: {ex.Message} (pass --listen 127.0.0.1:<free port>)").ConfigureAwait(false);
            return 1;
        }

        Console.WriteLine("Stopping the demo cluster ...");
        return 0;
    }

    private static void PrintAttachInstructions(GatewayServer server, DemoCluster cluster)
    {
        var ep = server.LocalEndPoint;
        var sourceDir = DemoAppBuilder.FindSourceDir();
        var service = Path.Combine(sourceDir, "fabric", "demo", "OrderService.java");
        var line = MarkerLine(service, "@bp:process-entry");
        Console.WriteLine($$"""

            The demo cluster is up: {{cluster.Nodes.Count}} JVM(s) behind one virtual VM at {{ep}}.
            {{string.Join(Environment.NewLine, cluster.Nodes.Select(n => $"  {n.Name,-8} pid {n.ProcessId,-7} JDWP 127.0.0.1:{n.JdwpPort,-6} app 127.0.0.1:{n.AppPort}"))}}

            Attach a debugger to {{ep.Address}}:{{ep.Port}}:
              jdb       jdb -attach {{ep.Address}}:{{ep.Port}}
              IntelliJ  Run > Edit Configurations > + > Remote JVM Debug; Debugger mode: Attach to remote JVM;
                        Host {{ep.Address}}, Port {{ep.Port}}; sources: {{sourceDir}}
              VS Code   launch.json: { "type": "java", "name": "JdwpGateway demo", "request": "attach",
                                       "hostName": "{{ep.Address}}", "port": {{ep.Port}} }

            Things to try in jdb:
              threads
                  every node's threads, under one group per node
              stop at fabric.demo.OrderService:{{line}}
                  hits on every node; then where, locals, print order, dump order, cont
              clear fabric.demo.OrderService:{{line}}   then   next, step, step up
                  every node's worker passes that line every 300 ms: clear the breakpoint before stepping, or set it
                  for one thread only with  stop <thread id> at fabric.demo.OrderService:{{line}}
              catch java.lang.IllegalStateException
                  every 5th order is rejected

            Press Ctrl-C to stop the gateway and every node it started.
            """);
    }

    internal static string? ListenProblem(string listen)
    {
        try
        {
            var endPoint = new GatewayOptions { Listen = listen }.ListenEndPoint;
            using var probe = new System.Net.Sockets.Socket(endPoint.AddressFamily, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
            probe.Bind(endPoint);
            return null;
        }
        catch (Exception ex) when (ex is FormatException or System.Net.Sockets.SocketException)
        {
            return ex.Message;
        }
    }

    internal static int MarkerLine(string file, string marker)
    {
        var lines = File.Exists(file) ? File.ReadAllLines(file) : [];
        var index = Array.FindIndex(lines, l => l.Contains(marker, StringComparison.Ordinal));
        return index + 1;
    }
}
