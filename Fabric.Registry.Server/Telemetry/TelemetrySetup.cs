using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Fabric.Registry.Server.Telemetry;

/// <summary>Wires the OpenTelemetry SDK to the registry's instruments and the exporters <c>telemetry:</c> asks for.</summary>
public static class TelemetrySetup
{
    /// <summary>Where the Prometheus text endpoint is served (both listeners).</summary>
    public const string MetricsPath = "/metrics";

    public static void AddRegistryTelemetry(this IServiceCollection services, TelemetryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.AddSingleton<RegistryInstruments>();
        if (!options.Prometheus && options.Otlp is null)
        {
            return;
        }

        var otel = services.AddOpenTelemetry().ConfigureResource(r => r.AddService(options.ServiceName));
        otel.WithMetrics(metrics =>
        {
            metrics.AddMeter(RegistryInstruments.Name, Fabric.Registry.Storage.GarbageCollectorTelemetry.Name).AddAspNetCoreInstrumentation();
            if (options.Prometheus)
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

        // Spans leave the process only through OTLP.
        if (options.Otlp is { } traces && options.TracesSampleRatio > 0)
        {
            otel.WithTracing(tracing => tracing
                .AddSource(RegistryInstruments.Name, Fabric.Registry.Storage.GarbageCollectorTelemetry.Name)
                .AddAspNetCoreInstrumentation()
                .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(options.TracesSampleRatio)))
                .AddOtlpExporter(exporter =>
                {
                    Configure(exporter, traces, "v1/traces");
                    exporter.BatchExportProcessorOptions.ScheduledDelayMilliseconds = (int)traces.ExportInterval.TotalMilliseconds;
                }));
        }
    }

    /// <summary>
    /// For a short command (<c>fabric gc</c>) that runs no server: exports <paramref name="meterAndSource"/> over OTLP
    /// when configured, and flushes everything on dispose. Null when OTLP is off (Prometheus needs a server to scrape).
    /// </summary>
    public static IDisposable? ExportCommand(TelemetryOptions options, string meterAndSource)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Otlp is not { } otlp)
        {
            return null;
        }

        var resource = ResourceBuilder.CreateDefault().AddService(options.ServiceName);
        var meters = OpenTelemetry.Sdk.CreateMeterProviderBuilder().SetResourceBuilder(resource).AddMeter(meterAndSource)
            .AddOtlpExporter((exporter, reader) => Configure(exporter, otlp, "v1/metrics")).Build();
        var tracer = OpenTelemetry.Sdk.CreateTracerProviderBuilder().SetResourceBuilder(resource).AddSource(meterAndSource)
            .SetSampler(new TraceIdRatioBasedSampler(options.TracesSampleRatio))
            .AddOtlpExporter(exporter => Configure(exporter, otlp, "v1/traces")).Build();
        return new Exporters(meters, tracer);
    }

    public static void MapRegistryTelemetry(this WebApplication app, TelemetryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);

        // Made now rather than at the first request, so the gauges are there from the first scrape.
        _ = app.Services.GetRequiredService<RegistryInstruments>();
        if (options.Prometheus)
        {
            app.MapPrometheusScrapingEndpoint(MetricsPath);
        }
    }

    private sealed class Exporters(MeterProvider meters, TracerProvider tracer) : IDisposable
    {
        // Disposing a provider exports what it holds.
        public void Dispose()
        {
            tracer.Dispose();
            meters.Dispose();
        }
    }

    // Set in code, an HTTP endpoint is used as given; the collector's base URL needs the signal's path added.
    private static void Configure(OtlpExporterOptions exporter, OtlpOptions otlp, string signalPath)
    {
        exporter.Protocol = otlp.Protocol == OtlpProtocol.Grpc ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
        exporter.Endpoint = otlp.Protocol == OtlpProtocol.Grpc
            ? otlp.Endpoint
            : new Uri(otlp.Endpoint.AbsoluteUri.TrimEnd('/') + "/" + signalPath);
    }
}
