using System.Collections.Concurrent;
using System.Net;
using TelemetryTesting.Otlp;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Fabric.Registry.Server.Tests.Telemetry;

/// <summary>
/// A minimal OTLP/HTTP collector on loopback: accepts <c>POST /v1/metrics</c> and <c>POST /v1/traces</c> with protobuf
/// bodies, as an OpenTelemetry Collector's otlphttp receiver does, and keeps what arrived for the test to read.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ExportMetricsServiceRequest> _metrics = new();
    private readonly ConcurrentQueue<ExportTraceServiceRequest> _traces = new();

    private OtlpReceiver(WebApplication app) => _app = app;

    public Uri Address { get; private set; } = null!;

    public IReadOnlyCollection<ExportMetricsServiceRequest> MetricRequests => _metrics;

    public IEnumerable<Span> Spans => _traces.SelectMany(r => r.ResourceSpans).SelectMany(r => r.ScopeSpans).SelectMany(s => s.Spans);

    /// <summary>Every metric of every request, with the service name of the resource that sent it.</summary>
    public IEnumerable<(string Service, Metric Metric)> Metrics => _metrics
        .SelectMany(r => r.ResourceMetrics)
        .SelectMany(r => r.ScopeMetrics.SelectMany(s => s.Metrics).Select(m => (ServiceOf(r.Resource), m)));

    public static async Task<OtlpReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http1));
        var app = builder.Build();
        var receiver = new OtlpReceiver(app);
        app.MapPost("/v1/metrics", async (HttpContext http) =>
        {
            receiver._metrics.Enqueue(ExportMetricsServiceRequest.Parser.ParseFrom(await ReadAsync(http)));
            return Results.Bytes([], "application/x-protobuf");
        });
        app.MapPost("/v1/traces", async (HttpContext http) =>
        {
            receiver._traces.Enqueue(ExportTraceServiceRequest.Parser.ParseFrom(await ReadAsync(http)));
            return Results.Bytes([], "application/x-protobuf");
        });
        await app.StartAsync();
        receiver.Address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return receiver;
    }

    /// <summary>Waits until <paramref name="done"/> holds over what arrived (exporters push on their own schedule).</summary>
    public async Task WaitForAsync(Func<OtlpReceiver, bool> done, string what)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!done(this))
        {
            if (timeout.IsCancellationRequested)
            {
                throw new TimeoutException($"no OTLP export with {what} within 30 s; received {_metrics.Count} metric and {_traces.Count} trace requests: "
                    + string.Join(", ", Metrics.Select(m => m.Metric.Name).Concat(Spans.Select(s => "span " + s.Name)).Distinct()));
            }

            await Task.Delay(100);
        }
    }

    public static string? Attribute(IEnumerable<KeyValue> attributes, string key) =>
        attributes.FirstOrDefault(a => a.Key == key)?.Value is { } v
            ? v.ValueCase switch
            {
                AnyValue.ValueOneofCase.StringValue => v.StringValue,
                AnyValue.ValueOneofCase.IntValue => v.IntValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
                AnyValue.ValueOneofCase.BoolValue => v.BoolValue ? "true" : "false",
                _ => v.DoubleValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
            }
            : null;

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static string ServiceOf(Resource? resource) => resource is null ? string.Empty : Attribute(resource.Attributes, "service.name") ?? string.Empty;

    private static async Task<byte[]> ReadAsync(HttpContext http)
    {
        using var body = new MemoryStream();
        await http.Request.Body.CopyToAsync(body);
        return body.ToArray();
    }
}
