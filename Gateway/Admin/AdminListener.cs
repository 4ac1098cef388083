using System.Net;
using JdwpGateway.Routing.Config;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace JdwpGateway.Admin;

/// <summary>
/// The gateway's admin HTTP listener: a Kestrel server on <see cref="AdminOptions.Listen"/> serving the routes of
/// every <see cref="IAdminEndpoints"/> it is given. It knows nothing about the routes themselves.
/// </summary>
public sealed partial class AdminListener(AdminOptions options, IEnumerable<IAdminEndpoints> endpoints, ILoggerFactory loggerFactory) : IAsyncDisposable
{
    private WebApplication? _app;

    /// <summary>The address the listener is bound to (with the real port when configured as 0).</summary>
    public IPEndPoint LocalEndPoint { get; private set; } = new(IPAddress.None, 0);

    /// <summary>The listener's base address, e.g. <c>http://127.0.0.1:5080/</c>.</summary>
    public Uri BaseAddress => new($"http://{LocalEndPoint}/");

    /// <summary>Binds the address and starts serving.</summary>
    /// <exception cref="AdminListenerException">The address cannot be bound.</exception>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var endPoint = options.ListenEndPoint;
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        // Log through the gateway's loggers, but leave ASP.NET Core's per-request chatter out.
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new ForwardingLoggerProvider(loggerFactory));
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);

        // The gateway's host owns Ctrl-C and SIGTERM; this embedded one must not react to them as well.
        builder.Services.AddSingleton<IHostLifetime, EmbeddedLifetime>();
        builder.WebHost.UseKestrel(k => k.Listen(endPoint));
        var app = builder.Build();
        foreach (var group in endpoints)
        {
            group.Map(app);
        }

        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw new AdminListenerException($"cannot serve the admin listener on {options.Listen}: {ex.Message}", ex);
        }

        _app = app;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var bound = new Uri(address);
        LocalEndPoint = new IPEndPoint(endPoint.Address, bound.Port);
        LogListening(loggerFactory.CreateLogger("JdwpGateway"), BaseAddress);
    }

    /// <summary>Stops serving.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _app, null) is { } app)
        {
            await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
        }
    }

    private sealed class ForwardingLoggerProvider(ILoggerFactory target) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => target.CreateLogger(categoryName);

        public void Dispose()
        {
            // The gateway's host owns the target factory.
        }
    }

    private sealed class EmbeddedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    [LoggerMessage(300, LogLevel.Information, "admin listener on {Address}", EventName = "AdminListening")]
    private static partial void LogListening(ILogger logger, Uri address);
}

/// <summary>The admin listener could not start; the message names the address and why.</summary>
public sealed class AdminListenerException(string message, Exception inner) : Exception(message, inner);
