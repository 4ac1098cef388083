namespace Fabric.Registry.Server.Telemetry;

/// <summary>The YAML shape of <c>telemetry:</c> (mutable for YamlDotNet).</summary>
public sealed class TelemetryDocument
{
    public bool? Prometheus { get; set; }

    public OtlpDocument? Otlp { get; set; }

    public string? ServiceName { get; set; }

    public double? TracesSampleRatio { get; set; }
}

public sealed class OtlpDocument
{
    public string? Endpoint { get; set; }

    public string? Protocol { get; set; }

    public double? ExportIntervalSeconds { get; set; }
}

/// <summary>Binds <see cref="TelemetryDocument"/> to <see cref="TelemetryOptions"/>, adding each problem (named by its
/// key) to the caller's list.</summary>
public static class TelemetryConfig
{
    public static TelemetryOptions ToOptions(TelemetryDocument? doc, List<string> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        var defaults = TelemetryOptions.Default;
        if (doc is null)
        {
            return defaults;
        }

        OtlpOptions? otlp = null;
        if (doc.Otlp is { } o)
        {
            var protocol = o.Protocol switch
            {
                null or "grpc" => OtlpProtocol.Grpc,
                "http" or "http/protobuf" => OtlpProtocol.HttpProtobuf,
                _ => (OtlpProtocol?)null,
            };
            if (protocol is null)
            {
                problems.Add($"telemetry.otlp.protocol '{o.Protocol}' must be grpc or http");
            }

            if (!Uri.TryCreate(o.Endpoint, UriKind.Absolute, out var endpoint) || endpoint.Scheme is not ("http" or "https"))
            {
                problems.Add($"telemetry.otlp.endpoint '{o.Endpoint}' must be an http:// or https:// URL, e.g. http://127.0.0.1:4317");
            }
            else if (o.ExportIntervalSeconds is <= 0 or > 3600)
            {
                problems.Add($"telemetry.otlp.exportIntervalSeconds {o.ExportIntervalSeconds} must be between 0 and 3600 (exclusive of 0)");
            }
            else if (protocol is { } p)
            {
                otlp = new OtlpOptions(endpoint, p, o.ExportIntervalSeconds is { } s ? TimeSpan.FromSeconds(s) : OtlpOptions.DefaultExportInterval);
            }
        }

        var ratio = doc.TracesSampleRatio ?? defaults.TracesSampleRatio;
        if (ratio is < 0 or > 1 || double.IsNaN(ratio))
        {
            problems.Add($"telemetry.tracesSampleRatio {ratio} must be between 0 and 1");
        }

        var service = doc.ServiceName ?? defaults.ServiceName;
        if (string.IsNullOrWhiteSpace(service))
        {
            problems.Add("telemetry.serviceName must not be empty");
        }

        return new TelemetryOptions(doc.Prometheus ?? defaults.Prometheus, otlp, service, ratio);
    }
}
