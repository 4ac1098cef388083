namespace Fabric.Registry.Server.Telemetry;

/// <summary>How an OTLP exporter reaches its collector.</summary>
public enum OtlpProtocol
{
    /// <summary>OTLP over gRPC (collectors listen on 4317).</summary>
    Grpc,

    /// <summary>OTLP over HTTP with protobuf bodies, POST /v1/metrics and /v1/traces (collectors listen on 4318).</summary>
    HttpProtobuf,
}

/// <summary>Where OTLP metrics and traces go, and how often they are pushed.</summary>
public sealed record OtlpOptions(Uri Endpoint, OtlpProtocol Protocol, TimeSpan ExportInterval)
{
    public static readonly TimeSpan DefaultExportInterval = TimeSpan.FromSeconds(60);
}

/// <summary>The registry's <c>telemetry:</c> section (docs/configuration.md): Prometheus scraping on the HTTP port,
/// OTLP push, and the share of requests traced.</summary>
public sealed record TelemetryOptions(bool Prometheus, OtlpOptions? Otlp, string ServiceName, double TracesSampleRatio)
{
    public const string DefaultServiceName = "fabric-registry";

    /// <summary>Prometheus on, OTLP off, every trace kept (spans only leave the process through OTLP).</summary>
    public static TelemetryOptions Default { get; } = new(true, null, DefaultServiceName, 1.0);
}
