using JdwpGateway.Configuration;
using JdwpGateway.Admin;
using JdwpGateway.Routing;
using JdwpGateway.Routing.Config;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace JdwpGateway.Cli;

/// <summary>Runs a <see cref="GatewayServer"/> under Microsoft.Extensions.Hosting (Ctrl-C and SIGTERM stop it cleanly).</summary>
public static class GatewayHost
{
    /// <summary>A configuration file to follow while the gateway runs, and the command line's overrides of it.</summary>
    public sealed record ConfigReload(string Path, Func<GatewayOptions, GatewayOptions> Overrides);

    /// <summary>
    /// Builds the host; <paramref name="onStarted"/> runs once the gateway listens; with <paramref name="reload"/>,
    /// edits of the configuration file's node list are applied while it runs.
    /// </summary>
    public static IHost Build(GatewayOptions options, LogLevel logLevel, Action<GatewayServer>? onStarted = null, ConfigReload? reload = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(logLevel);

        // The host logs a failed start with a stack trace; the CLI reports such failures itself, in one line.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.None);
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        });
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(sp => new GatewayServer(options, sp.GetRequiredService<ILoggerFactory>()));
        builder.Services.AddHostedService(sp => new GatewayHostedService(sp.GetRequiredService<GatewayServer>(), onStarted));
        if (reload is not null)
        {
            builder.Services.AddHostedService(sp => new ConfigReloadService(
                reload,
                options,
                sp.GetRequiredService<GatewayServer>(),
                sp.GetRequiredService<ILoggerFactory>().CreateLogger("JdwpGateway.Configuration")));
        }

        if (options.Admin is { } admin)
        {
            // Admin endpoint groups: add one with AddSingleton<IAdminEndpoints>; the listener maps them all.
            builder.Services.AddSingleton<IAdminEndpoints>(sp => new GatewayStatusEndpoints(sp.GetRequiredService<GatewayServer>()));
            builder.Services.AddSingleton<IAdminEndpoints>(sp => new SymbolsEndpoints(sp.GetRequiredService<GatewayServer>(), options.Discovery));
            builder.Services.AddSingleton(sp => new AdminListener(admin, sp.GetServices<IAdminEndpoints>(), sp.GetRequiredService<ILoggerFactory>()));
            builder.Services.AddHostedService(sp => new AdminHostedService(sp.GetRequiredService<AdminListener>()));
        }

        return builder.Build();
    }

    private sealed class GatewayHostedService(GatewayServer server, Action<GatewayServer>? onStarted) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            server.Start();
            onStarted?.Invoke(server);
            return Task.CompletedTask;
        }

        public async Task StopAsync(CancellationToken cancellationToken) => await server.DisposeAsync().ConfigureAwait(false);
    }

    private sealed class ConfigReloadService(ConfigReload reload, GatewayOptions options, GatewayServer server, ILogger logger) : IHostedService
    {
        private ConfigFileReloader? _reloader;

        public Task StartAsync(CancellationToken cancellationToken)
        {
            _reloader = new ConfigFileReloader(reload.Path, options, reload.Overrides, server.Nodes, logger, TimeSpan.FromSeconds(1));
            _reloader.Start();
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken)
        {
            _reloader?.Dispose();
            return Task.CompletedTask;
        }
    }

    private sealed class AdminHostedService(AdminListener listener) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => listener.StartAsync(cancellationToken);

        public async Task StopAsync(CancellationToken cancellationToken) => await listener.DisposeAsync().ConfigureAwait(false);
    }
}
