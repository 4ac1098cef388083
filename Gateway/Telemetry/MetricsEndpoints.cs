using JdwpGateway.Admin;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using OpenTelemetry.Metrics;

namespace JdwpGateway.Telemetry;

/// <summary>
/// <c>GET /metrics</c> on the admin listener: the Prometheus text of the gateway host's meter provider (the admin
/// listener is a web app of its own, so the provider is handed over rather than found in its services).
/// </summary>
public sealed class MetricsEndpoints(MeterProvider meterProvider) : IAdminEndpoints
{
    public void Map(IEndpointRouteBuilder endpoints) => endpoints.MapPrometheusScrapingEndpoint(GatewayTelemetry.MetricsPath, meterProvider, null, null);
}
