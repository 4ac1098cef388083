using System.CommandLine;
using Fabric.Cli.Commands;
using Fabric.Registry.Dependencies;
using Fabric.Registry.Server.Configuration;
using Fabric.Registry.Signing;
using Fabric.Registry.Storage;
using Fabric.Registry.Storage.Configuration;
using Fabric.Registry.Symbolization;
using Grpc.Core;
using Spectre.Console;

namespace Fabric.Cli;

/// <summary>The <c>fabric</c> command line; user errors print one line and exit 1, never a stack trace.</summary>
public static class FabricCli
{
    public static async Task<int> RunAsync(string[] args)
    {
        // `fabric run` hands everything after `--` to the application untouched, so it parses its own arguments.
        if (args.Length > 0 && args[0] == "run")
        {
            return await Fabric.Runtime.NodeRunCommand.RunAsync(args[1..], Console.Error).ConfigureAwait(false);
        }

        var root = new RootCommand("fabric: publish classes to the Fabric registry, serve it, and maintain it.")
        {
            RegistryCommands.Build(),
            KeygenCommand.Build(),
            PublishCommand.Build(),
            ShowCommands.BuildManifest(),
            ShowCommands.BuildSymbol(),
            MaintenanceCommands.BuildGc(),
            MaintenanceCommands.BuildVerify(),

            // Listed for help only: `run` is dispatched above, before this parser sees it.
            new Command("run", Fabric.Runtime.NodeRunCommand.Description + " ('fabric run --help')"),
        };
        try
        {
            return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false }).ConfigureAwait(false);
        }
        catch (Exception e) when (IsUserError(e))
        {
            AnsiConsole.MarkupLineInterpolated($"[red]error:[/] {Describe(e)}");
            return 1;
        }
    }

    private static bool IsUserError(Exception e) => e is UserErrorException or RegistryConfigException or StorageConfigException
        or ManifestSignatureException or SymbolizationException or ManifestChainException or IncompleteClosureException
        or ManifestConflictException or ManifestIncompleteException or PlatformClassesException or RpcException
        or FormatException or IOException or UnauthorizedAccessException or HttpRequestException;

    private static string Describe(Exception e) => e switch
    {
        RpcException { StatusCode: StatusCode.Unavailable } r => $"the registry is unreachable: {r.Status.Detail}",
        RpcException r => $"the registry refused ({r.StatusCode}): {r.Status.Detail}",
        _ => e.Message,
    };
}

/// <summary>A mistake the user can fix; its message is all they see.</summary>
public sealed class UserErrorException(string message) : Exception(message);
