namespace JdwpGateway.Routing.Config;

/// <summary>
/// The gateway's <c>telemetry:</c> section (docs/configuration.md), the same shape as the registry's: Prometheus
/// scraping, OTLP push, the service name, and the share of debugger commands traced (none by default).
/// </summary>
public sealed record TelemetryOptions
{
    /// <summary>Serve the Prometheus text format at <c>/metrics</c> on the admin listener (when <c>admin:</c> is
    /// configured). Default on.</summary>
    public bool Prometheus { get; init; } = true;

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

/// <summary>Where OTLP goes: <see cref="Endpoint"/> is the collector's base URL (for <c>http</c>, <c>/v1/metrics</c>
/// and <c>/v1/traces</c> are added).</summary>
public sealed record OtlpOptions
{
    public string Endpoint { get; init; } = string.Empty;

    /// <summary><c>grpc</c> (default, collectors listen on 4317) or <c>http</c> (protobuf over HTTP, 4318).</summary>
    public string Protocol { get; init; } = "grpc";

    public TimeSpan ExportInterval { get; init; } = TimeSpan.FromSeconds(60);
}
