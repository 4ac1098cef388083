using System.Diagnostics.Metrics;
using JdwpGateway.Admin;
using JdwpGateway.Routing.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using RoutingTelemetry = JdwpGateway.Routing.Config.TelemetryOptions;

namespace JdwpGateway.Telemetry;

/// <summary>Wires the OpenTelemetry SDK to the gateway's instruments (<see cref="GatewayMetrics"/>) and the exporters
/// <c>telemetry:</c> asks for.</summary>
public static class GatewayTelemetry
{
    /// <summary>Where the Prometheus text endpoint is served.</summary>
    public const string MetricsPath = "/metrics";

    /// <summary>Registers <see cref="GatewayMetrics"/> and, when anything is exported, the SDK; with an admin listener
    /// (<paramref name="adminListener"/>) and <c>telemetry.prometheus</c>, <c>/metrics</c> is served there.</summary>
    public static IServiceCollection AddGatewayTelemetry(this IServiceCollection services, RoutingTelemetry options, bool adminListener)
    {
        ArgumentNullException.ThrowIfNull(options);
        var prometheus = options.Prometheus && adminListener;
        services.AddMetrics();
        services.AddSingleton(sp => new GatewayMetrics(sp.GetRequiredService<IMeterFactory>()));
        if (options.Otlp is null && !prometheus)
        {
            return services;
        }

        if (prometheus)
        {
            services.AddSingleton<IAdminEndpoints>(sp => new MetricsEndpoints(sp.GetRequiredService<MeterProvider>()));
        }

        var otel = services.AddOpenTelemetry().ConfigureResource(r => r.AddService(options.ServiceName));
        otel.WithMetrics(metrics =>
        {
            metrics.AddMeter(GatewayMetrics.Name);
            if (prometheus)
            {
                // No scrape cache: two scrapes a moment apart must both see what happened before each.
                metrics.AddPrometheusExporter(p => p.ScrapeResponseCacheDurationMilliseconds = 0);
            }

            if (options.Otlp is { } otlp)
            {
                metrics.AddOtlpExporter((exporter, reader) =>
                {
                    Configure(exporter, otlp, "v1/metrics");
                    reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = (int)otlp.ExportInterval.TotalMilliseconds;
                });
            }
        });

        // Off unless sampled: with no tracer provider listening, the routing code makes no spans at all.
        if (options.Otlp is { } traces && options.TracesSampleRatio > 0)
        {
            otel.WithTracing(tracing => tracing
                .AddSource(GatewayMetrics.Name)
                .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(options.TracesSampleRatio)))
                .AddOtlpExporter(exporter =>
                {
                    Configure(exporter, traces, "v1/traces");
                    exporter.BatchExportProcessorOptions.ScheduledDelayMilliseconds = (int)traces.ExportInterval.TotalMilliseconds;
                }));
        }

        return services;
    }

    // Set in code, an HTTP endpoint is used as given; the collector's base URL needs the signal's path added.
    private static void Configure(OtlpExporterOptions exporter, Routing.Config.OtlpOptions otlp, string signalPath)
    {
        var endpoint = new Uri(otlp.Endpoint);
        exporter.Protocol = otlp.Protocol == "http" ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
        exporter.Endpoint = otlp.Protocol == "http" ? new Uri(endpoint.AbsoluteUri.TrimEnd('/') + "/" + signalPath) : endpoint;
    }
}
