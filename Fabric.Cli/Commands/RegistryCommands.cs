using System.CommandLine;
using Fabric.Registry.Server;
using Spectre.Console;

namespace Fabric.Cli.Commands;

/// <summary><c>fabric registry serve</c>.</summary>
internal static class RegistryCommands
{
    public static Command Build()
    {
        var config = CommonOptions.Config();
        var data = CommonOptions.Data();
        var http = new Option<string?>("--http") { Description = "HTTP endpoint ip:port (overrides listen.http; port 0 picks a free port)" };
        var grpc = new Option<string?>("--grpc") { Description = "gRPC endpoint ip:port (overrides listen.grpc)" };
        var serve = new Command("serve", "Run the registry: HTTP (listen.http) and gRPC (listen.grpc) until Ctrl+C") { config, data, http, grpc };
        serve.SetAction(async (parse, cancellationToken) =>
        {
            var options = CommonOptions.Load(parse.GetValue(config), parse.GetValue(data));
            options = options with
            {
                Http = parse.GetValue(http) is { } h ? CommonOptions.Endpoint(h, "--http") : options.Http,
                Grpc = parse.GetValue(grpc) is { } g ? CommonOptions.Endpoint(g, "--grpc") : options.Grpc,
            };

            // Without a file anyone who can connect may publish; that is only acceptable on loopback.
            if (parse.GetValue(config) is null && !(System.Net.IPAddress.IsLoopback(options.Http.Address) && System.Net.IPAddress.IsLoopback(options.Grpc.Address)))
            {
                throw new UserErrorException("without --config the registry allows anonymous publishing and so listens on loopback only; write a config with namespaces and tokens to listen elsewhere");
            }
            await using var server = await RegistryServer.StartAsync(options, cancellationToken: cancellationToken).ConfigureAwait(false);

            // Tests and scripts read these two lines to find the ports when they configured port 0.
            Console.WriteLine($"http {server.HttpAddress}");
            Console.WriteLine($"grpc {server.GrpcAddress}");
            AnsiConsole.MarkupLineInterpolated($"[green]registry serving[/] ({options.Storage}); Ctrl+C stops it");
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }

            return 0;
        });
        return new Command("registry", "The registry server") { serve };
    }
}
