using System.Runtime.InteropServices;
using JdwpGateway.Demo;
using JdwpGateway.Routing;
using JdwpGateway.Routing.Config;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace JdwpGateway.Cli;

/// <summary>
/// <c>jdwp-gateway demo --fabric</c>: the demo cluster served from a fabric registry. Builds the demo app, starts a
/// registry with a temporary embedded store, publishes the app as a signed release, starts the nodes with
/// <c>fabric run --manifest</c> and puts the gateway in front, finding the nodes through the registry. Ctrl-C (or
/// SIGTERM) stops the gateway, the nodes and the registry and deletes the temporary directory.
/// </summary>
internal static class FabricDemoCommand
{
    public static async Task<int> RunAsync(int count, string listen, string? javaHome, string? fabricCliPath, LogLevel logLevel, string? record, CancellationToken token)
    {
        if (DemoCommand.ListenProblem(listen) is { } problem)
        {
            await Console.Error.WriteLineAsync($"jdwp-gateway demo: cannot listen on {listen}: {problem} (pass --listen 127.0.0.1:<free port>)").ConfigureAwait(false);
            return 1;
        }

        // Ctrl-C during the set-up must still stop what was started, so this command handles the signals itself
        // (the default would end the process at once, leaving the registry running).
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(token);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }

        JavaToolchain java;
        string classes;
        FabricCli fabric;
        FabricDemoCluster cluster;
        try
        {
            java = javaHome is null ? JavaToolchain.Find() : JavaToolchain.FromHome(javaHome);
            fabric = FabricCli.Find(fabricCliPath);
            Console.WriteLine($"Building the demo app with {java} ...");
            classes = await new DemoAppBuilder(java).BuildAsync(stop.Token).ConfigureAwait(false);
            cluster = await FabricDemoCluster.StartAsync(count, java, classes, fabric, Console.WriteLine, stop.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is DemoBuildException or InvalidOperationException or FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            await Console.Error.WriteLineAsync($"jdwp-gateway demo: {ex.Message}").ConfigureAwait(false);
            return 1;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            Console.WriteLine("Stopped before the demo cluster was up; everything started is stopped.");
            return 0;
        }

        await using (cluster.ConfigureAwait(false))
        {
            var options = new GatewayOptions
            {
                Listen = listen,
                Discovery = new DiscoveryOptions { Registry = cluster.RegistryUrl, Manifest = FabricDemoCluster.Manifest },
                Record = record,
            };
            using var host = GatewayHost.Build(options, logLevel, server => PrintAttachInstructions(server, cluster));
            try
            {
                await host.RunAsync(stop.Token).ConfigureAwait(false);
            }
            catch (System.Net.Sockets.SocketException ex)
            {
                await Console.Error.WriteLineAsync($"jdwp-gateway demo: cannot listen on {listen}: {ex.Message} (pass --listen 127.0.0.1:<free port>)").ConfigureAwait(false);
                return 1;
            }

            Console.WriteLine("Stopping the nodes and the registry ...");
        }

        Console.WriteLine("Stopped.");
        return 0;
    }

    private static void PrintAttachInstructions(GatewayServer server, FabricDemoCluster cluster)
    {
        var ep = server.LocalEndPoint;
        var sourceDir = DemoAppBuilder.FindSourceDir();
        var line = DemoCommand.MarkerLine(Path.Combine(sourceDir, "fabric", "demo", "OrderService.java"), "@bp:process-entry");
        var nodes = cluster.Nodes.Select(n =>
            $"  {n.Name,-8} pid {n.JvmProcessId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?",-7} JDWP 127.0.0.1:{n.JdwpPort,-6} app 127.0.0.1:{n.AppPort,-6} class path: {n.ClassPath ?? "(unknown)"}");
        var commandLines = cluster.Nodes.Select(n =>
            $"  {n.Name}: {(n.JvmCommandLine.Count > 0 ? ShellWords.Join(n.JvmCommandLine) : n.Process.CommandLine)}");
        var next = DemoCluster.NodeName(cluster.Nodes.Count);
        Console.WriteLine($$"""

            The registry serves the demo app and the gateway follows its nodes:
              registry   {{cluster.RegistryUrl}} (HTTP), {{cluster.GrpcUrl}} (gRPC); pid {{cluster.Registry.ProcessId}}; data in {{cluster.WorkDir}}
              manifest   {{cluster.ManifestUrl}}   ({{cluster.PublishSummary}})
              nodes      {{cluster.NodeListUrl}}
              gateway    {{ep}}, discovery: registry {{cluster.RegistryUrl}}, manifest {{FabricDemoCluster.Manifest}}

            {{cluster.Nodes.Count}} node(s) started with 'fabric run --manifest {{FabricDemoCluster.Manifest}}'; their only class path entry is
            the node agent, the app's classes come from the registry:
            {{string.Join(Environment.NewLine, nodes)}}
            Their JVMs' command lines (as ps shows them):
            {{string.Join(Environment.NewLine, commandLines)}}

            Attach a debugger to {{ep.Address}}:{{ep.Port}}:
              jdb       jdb -attach {{ep.Address}}:{{ep.Port}}
              IntelliJ  Run > Edit Configurations > + > Remote JVM Debug; Debugger mode: Attach to remote JVM;
                        Host {{ep.Address}}, Port {{ep.Port}}; sources: {{sourceDir}}
              VS Code   launch.json: { "type": "java", "name": "JdwpGateway fabric demo", "request": "attach",
                                       "hostName": "{{ep.Address}}", "port": {{ep.Port}} }

            Things to try in jdb:
              threads
                  every node's threads, under one group per node
              stop at fabric.demo.OrderService:{{line}}
                  hits on every node; then where, locals, print order, cont

            A node joins: run this in another terminal, and '{{next}}' appears in the attached debugger within a
            second or two (threads lists [{{next}}] ...; breakpoints already set hit there too). Ctrl-C stops it.
              {{cluster.JoinCommand(next)}}

            Press Ctrl-C to stop the gateway, the nodes and the registry.
            """);
    }
}
