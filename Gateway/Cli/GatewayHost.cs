using JdwpGateway.Routing;
using JdwpGateway.Routing.Config;
using JdwpGateway.Routing.Telemetry;
using JdwpGateway.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace JdwpGateway.Cli;

/// <summary>Runs a <see cref="GatewayServer"/> under Microsoft.Extensions.Hosting (Ctrl-C and SIGTERM stop it cleanly).</summary>
public static class GatewayHost
{
    /// <summary>Builds the host; <paramref name="onStarted"/> runs once the gateway listens.</summary>
    public static IHost Build(GatewayOptions options, LogLevel logLevel, Action<GatewayServer>? onStarted = null)
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
        builder.Services.AddGatewayTelemetry(options.Telemetry);
        builder.Services.AddSingleton(sp => new GatewayServer(options, sp.GetRequiredService<ILoggerFactory>(), sp.GetRequiredService<GatewayMetrics>()));
        builder.Services.AddHostedService(sp => new GatewayHostedService(sp.GetRequiredService<GatewayServer>(), onStarted));
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
}
