using JdwpGateway.Routing;
using JdwpGateway.Routing.Config;
using JdwpGateway.Symbols;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace JdwpGateway.Admin;

/// <summary>
/// <c>GET /v1/symbols[?class=PATTERN]</c>: which code runs where, as the attached session's virtual VM sees it and,
/// with registry discovery, as the registry sees it.
/// </summary>
public sealed class SymbolsEndpoints(GatewayServer server, DiscoveryOptions? discovery) : IAdminEndpoints, IDisposable
{
    /// <summary>The message of a response without a session.</summary>
    public const string NoSession = "no debugger is attached: the gateway connects to the nodes and learns their classes only during a debugging session";

    private readonly RegistryClient? _registry = discovery is null ? null : new RegistryClient(discovery.Registry, discovery.Token);

    /// <inheritdoc />
    public void Map(IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet("/v1/symbols", async ([FromQuery(Name = "class")] string? pattern, CancellationToken cancellationToken) =>
            Results.Json(await SnapshotAsync(pattern, cancellationToken).ConfigureAwait(false)));

    /// <summary>The symbols matching <paramref name="classPattern"/> (see <see cref="ClassPattern"/>).</summary>
    public async Task<SymbolsResponse> SnapshotAsync(string? classPattern, CancellationToken cancellationToken)
    {
        var pattern = ClassPattern.Parse(classPattern);
        var session = server.ActiveSession;
        var symbols = session is null ? null : SessionSymbolsReport.Of(session, server.Nodes.NameOf, pattern);
        RegistrySymbolsReport? registry = null;
        string? registryError = null;
        if (_registry is not null)
        {
            try
            {
                registry = await RegistrySymbolsReport.ReadAsync(_registry, discovery!.Registry, discovery.Manifest, pattern, cancellationToken).ConfigureAwait(false);
            }
            catch (RegistryReadException ex)
            {
                registryError = ex.Message;
            }
        }

        return new SymbolsResponse(symbols?.Session, symbols is null ? NoSession : null, symbols?.Symbols ?? [], registry, registryError);
    }

    /// <inheritdoc />
    public void Dispose() => _registry?.Dispose();
}
