namespace JdwpGateway.Routing.Config;

/// <summary>
/// The gateway's <c>telemetry:</c> section (docs/configuration.md), the same shape as the registry's: Prometheus
/// scraping, OTLP push, the service name, and the share of debugger commands traced (none by default).
/// </summary>
public sealed record TelemetryOptions
{
    /// <summary>Serve the Prometheus text format at <c>/metrics</c> on its own address; null (the default) serves none.</summary>
    public PrometheusOptions? Prometheus { get; init; }

    /// <summary>Push metrics (and sampled traces) over OTLP; null (the default) pushes nothing.</summary>
    public OtlpOptions? Otlp { get; init; }

    /// <summary>The <c>service.name</c> resource attribute. Default <c>jdwp-gateway</c>.</summary>
    public string ServiceName { get; init; } = "jdwp-gateway";

    /// <summary>Share of debugger commands traced, 0 to 1. Default 0: no spans are made at all.</summary>
    public double TracesSampleRatio { get; init; }

    /// <summary>Lists every problem, named by its key.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (Prometheus is { } prometheus && (!System.Net.IPEndPoint.TryParse(prometheus.Listen, out var endPoint) || endPoint.Port == 0 || !prometheus.Listen.Contains(':', StringComparison.Ordinal)))
        {
            problems.Add($"telemetry.prometheus.listen '{prometheus.Listen}' must be ip:port with a port above 0, e.g. 127.0.0.1:9464");
        }

        if (Otlp is { } otlp)
        {
            if (!Uri.TryCreate(otlp.Endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                problems.Add($"telemetry.otlp.endpoint '{otlp.Endpoint}' must be an http:// or https:// URL, e.g. http://127.0.0.1:4317");
            }

            if (otlp.Protocol is not ("grpc" or "http"))
            {
                problems.Add($"telemetry.otlp.protocol '{otlp.Protocol}' must be grpc or http");
            }

            if (otlp.ExportInterval <= TimeSpan.Zero || otlp.ExportInterval > TimeSpan.FromHours(1))
            {
                problems.Add($"telemetry.otlp.exportIntervalSeconds {otlp.ExportInterval.TotalSeconds} must be above 0 and at most 3600");
            }
        }

        if (TracesSampleRatio is < 0 or > 1 || double.IsNaN(TracesSampleRatio))
        {
            problems.Add($"telemetry.tracesSampleRatio {TracesSampleRatio} must be between 0 and 1");
        }

        if (string.IsNullOrWhiteSpace(ServiceName))
        {
            problems.Add("telemetry.serviceName must not be empty");
        }

        return problems;
    }
}

/// <summary>Where the Prometheus scrape endpoint listens.</summary>
public sealed record PrometheusOptions
{
    /// <summary><c>ip:port</c>; <c>/metrics</c> is served there.</summary>
    public string Listen { get; init; } = string.Empty;
}

/// <summary>Where OTLP goes: <see cref="Endpoint"/> is the collector's base URL (for <c>http</c>, <c>/v1/metrics</c>
/// and <c>/v1/traces</c> are added).</summary>
public sealed record OtlpOptions
{
    public string Endpoint { get; init; } = string.Empty;

    /// <summary><c>grpc</c> (default, collectors listen on 4317) or <c>http</c> (protobuf over HTTP, 4318).</summary>
    public string Protocol { get; init; } = "grpc";

    public TimeSpan ExportInterval { get; init; } = TimeSpan.FromSeconds(60);
}
