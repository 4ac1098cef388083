using JdwpGateway.Routing.Config;

namespace JdwpGateway.Configuration;

public static partial class GatewayConfigFile
{
    // Nested, like the other shapes, so unknown-key errors name them (see Explain).
    private sealed class TelemetryDocument
    {
        public const string Keys = "prometheus, otlp, serviceName, tracesSampleRatio";

        public bool? Prometheus { get; set; }

        public OtlpDocument? Otlp { get; set; }

        public string? ServiceName { get; set; }

        public double? TracesSampleRatio { get; set; }

        public static TelemetryOptions ToOptions(TelemetryDocument? document)
        {
            var defaults = new TelemetryOptions();
            return document is null ? defaults : new TelemetryOptions
            {
                Prometheus = document.Prometheus ?? defaults.Prometheus,
                Otlp = document.Otlp is { } o
                    ? new OtlpOptions
                    {
                        Endpoint = o.Endpoint ?? string.Empty,
                        Protocol = o.Protocol ?? "grpc",
                        ExportInterval = o.ExportIntervalSeconds is { } s ? TimeSpan.FromSeconds(s) : new OtlpOptions().ExportInterval,
                    }
                    : null,
                ServiceName = document.ServiceName ?? defaults.ServiceName,
                TracesSampleRatio = document.TracesSampleRatio ?? defaults.TracesSampleRatio,
            };
        }
    }

    private sealed class OtlpDocument
    {
        public const string Keys = "endpoint, protocol, exportIntervalSeconds";

        public string? Endpoint { get; set; }

        public string? Protocol { get; set; }

        public double? ExportIntervalSeconds { get; set; }
    }
}
