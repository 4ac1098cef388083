using System.CommandLine;
using JdwpGateway.Configuration;
using JdwpGateway.Routing.Config;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace JdwpGateway.Cli;

/// <summary>The <c>jdwp-gateway</c> command line.</summary>
public static class GatewayCli
{
    private static readonly Option<LogLevel> LogLevelOption = new("--log-level")
    {
        Description = "Trace, Debug, Information, Warning or Error",
        DefaultValueFactory = _ => LogLevel.Information,
    };

    /// <summary>Builds the root command with its subcommands.</summary>
    public static RootCommand Build()
    {
        var root = new RootCommand("JdwpGateway: attach one debugger to many JVMs, presented as one virtual JVM.")
        {
            BuildServe(),
            DemoCommand.Build(LogLevelOption),
            DecodeCommand.Build(),
            SymbolsCommand.Build(),
        };
        return root;
    }

    private static Command BuildServe()
    {
        var config = new Option<FileInfo?>("--config") { Description = "YAML configuration file (see docs/configuration.md)" };
        var listen = new Option<string?>("--listen") { Description = "Address debuggers attach to, host:port (overrides the file)" };
        var nodes = new Option<string[]>("--node")
        {
            Description = "A JVM behind the gateway, name=host:port; repeat for each node (replaces the file's nodes)",
            AllowMultipleArgumentsPerToken = false,
        };
        var record = new Option<string?>("--record") { Description = "Record every byte of every connection into capture files in this directory (see 'decode')" };
        var suspend = new Option<SuspendScope?>("--suspend") { Description = "What a SUSPEND_ALL event suspends: All (every node, default), Node or Thread (overrides the file)" };
        var registry = new Option<string?>("--registry") { Description = "Find nodes through this fabric registry, http(s)://host:port: registered nodes join and leave as they come and go (overrides the file)" };
        var manifest = new Option<string?>("--manifest") { Description = "With --registry: only nodes running this manifest, [namespace/]name:tag" };
        var registryToken = new Option<string?>("--registry-token") { Description = "With --registry: API token for reading the registry" };
        var admin = new Option<string?>("--admin") { Description = "Serve the admin HTTP listener (nodes, symbols, health) on host:port, loopback unless --admin-allow-remote (overrides the file)" };
        var adminAllowRemote = new Option<bool>("--admin-allow-remote") { Description = "Allow a non-loopback --admin address (the admin listener has no authentication)" };
        var serve = new Command("serve", "Run the gateway in front of the configured nodes") { config, listen, nodes, record, suspend, registry, manifest, registryToken, admin, adminAllowRemote, LogLevelOption };
        serve.SetAction(async (result, token) =>
        {
            GatewayOptions options;
            var file = result.GetValue(config);
            GatewayOptions Overrides(GatewayOptions fromFile) => ApplyOverrides(fromFile, result, new(listen, nodes, record, suspend, registry, manifest, registryToken, admin, adminAllowRemote));
            try
            {
                options = Overrides(file is null ? new GatewayOptions() : GatewayConfigFile.Load(file.FullName));
            }
            catch (Exception ex) when (ex is GatewayConfigException or FormatException)
            {
                await Console.Error.WriteLineAsync($"jdwp-gateway: {ex.Message}").ConfigureAwait(false);
                return 2;
            }

            var problems = options.Validate();
            if (problems.Count > 0)
            {
                await Console.Error.WriteLineAsync("jdwp-gateway: invalid configuration:\n  - " + string.Join("\n  - ", problems)).ConfigureAwait(false);
                return 2;
            }

            if (!await EnsureRecordDirectoryAsync(options.Record).ConfigureAwait(false))
            {
                return 2;
            }

            var reload = file is null ? null : new GatewayHost.ConfigReload(file.FullName, Overrides);
            using var host = GatewayHost.Build(options, result.GetValue(LogLevelOption), reload: reload);
            try
            {
                await host.RunAsync(token).ConfigureAwait(false);
            }
            catch (System.Net.Sockets.SocketException ex)
            {
                await Console.Error.WriteLineAsync($"jdwp-gateway: cannot listen on {options.Listen}: {ex.Message}").ConfigureAwait(false);
                return 1;
            }
            catch (Admin.AdminListenerException ex)
            {
                await Console.Error.WriteLineAsync($"jdwp-gateway: {ex.Message}").ConfigureAwait(false);
                return 1;
            }

            return 0;
        });
        return serve;
    }

    /// <summary>Applies the command line's settings over the file's; also applied to every reload of the file.</summary>
    private static GatewayOptions ApplyOverrides(GatewayOptions options, ParseResult result, ServeOverrides o)
    {
        var (listen, nodes, record, suspend, registry, manifest, registryToken, admin, adminAllowRemote) = o;
        if (result.GetValue(listen) is { } address)
        {
            options = options with { Listen = address };
        }

        if (result.GetValue(nodes) is { Length: > 0 } list)
        {
            options = options with { Nodes = [.. list.Select(NodeOptions.Parse)] };
        }

        if (result.GetValue(record) is { } directory)
        {
            options = options with { Record = directory };
        }

        if (result.GetValue(suspend) is { } scope)
        {
            options = options with { Suspend = scope };
        }

        if (result.GetValue(registry) is { } registryAddress)
        {
            options = options with { Discovery = (options.Discovery ?? new DiscoveryOptions()) with { Registry = registryAddress } };
        }

        if (result.GetValue(manifest) is { } manifestName)
        {
            options = options with { Discovery = (options.Discovery ?? throw new FormatException("--manifest needs --registry (or discovery: in the file)")) with { Manifest = manifestName } };
        }

        if (result.GetValue(registryToken) is { } tokenValue)
        {
            options = options with { Discovery = (options.Discovery ?? throw new FormatException("--registry-token needs --registry (or discovery: in the file)")) with { Token = tokenValue } };
        }

        if (result.GetValue(admin) is { } adminAddress)
        {
            options = options with { Admin = (options.Admin ?? new AdminOptions()) with { Listen = adminAddress } };
        }

        if (result.GetValue(adminAllowRemote))
        {
            options = options with { Admin = (options.Admin ?? throw new FormatException("--admin-allow-remote needs --admin (or admin: in the file)")) with { AllowRemote = true } };
        }

        return options;
    }

    /// <summary>The options of <c>serve</c> that override the file.</summary>
    private sealed record ServeOverrides(
        Option<string?> Listen,
        Option<string[]> Nodes,
        Option<string?> Record,
        Option<SuspendScope?> Suspend,
        Option<string?> Registry,
        Option<string?> Manifest,
        Option<string?> RegistryToken,
        Option<string?> Admin,
        Option<bool> AdminAllowRemote);

    /// <summary>Creates the recording directory up front, so a bad path is reported before the gateway starts.</summary>
    internal static async Task<bool> EnsureRecordDirectoryAsync(string? directory)
    {
        if (directory is null)
        {
            return true;
        }

        try
        {
            Directory.CreateDirectory(directory);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            await Console.Error.WriteLineAsync($"jdwp-gateway: cannot record into '{directory}': {ex.Message}").ConfigureAwait(false);
            return false;
        }
    }
}
