using System.CommandLine;
using System.Runtime.InteropServices;
using Fabric.Registry.Server;
using Fabric.Registry.Storage.Configuration;
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
            AnsiConsole.MarkupLineInterpolated($"[green]registry serving[/] ({Describe(options.Storage)}); Ctrl+C stops it");
            // The web host's console lifetime takes SIGINT/SIGTERM for itself (it stops Kestrel and cancels the
            // signal), so the command's own token is never cancelled: stop on the signals here.
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            void Stop(PosixSignalContext context)
            {
                context.Cancel = true;
                stop.Cancel();
            }

            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
            try
            {
                await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }

            return 0;
        });
        return new Command("registry", "The registry server") { serve };
    }

    // Not the options' record text: that would print the PostgreSQL password and the S3 secret key.
    private static string Describe(StorageOptions storage) => storage switch
    {
        EmbeddedStorageOptions embedded => $"embedded store in {embedded.Path}",
        ScaleOutStorageOptions scaleOut => $"scale-out store: PostgreSQL metadata, S3 bucket {scaleOut.S3.Bucket} at {scaleOut.S3.Endpoint}",
        _ => storage.GetType().Name,
    };
}
