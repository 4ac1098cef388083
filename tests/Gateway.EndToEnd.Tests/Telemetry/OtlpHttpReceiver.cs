using System.Collections.Concurrent;
using System.Net;
using TelemetryTesting.Otlp;
using JdwpGateway.Demo;

namespace JdwpGateway.EndToEnd.Tests.Telemetry;

/// <summary>
/// A minimal OTLP/HTTP collector on loopback (an <see cref="HttpListener"/>): takes <c>POST /v1/metrics</c> and
/// <c>POST /v1/traces</c> protobuf bodies as a collector's otlphttp receiver does and keeps them decoded.
/// </summary>
public sealed class OtlpHttpReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<ExportMetricsServiceRequest> _metrics = new();
    private readonly ConcurrentQueue<ExportTraceServiceRequest> _traces = new();
    private readonly ConcurrentQueue<string> _problems = new();
    private readonly Task _loop;

    public OtlpHttpReceiver()
    {
        var port = FreePort.Next();
        Endpoint = $"http://127.0.0.1:{port}";
        _listener.Prefixes.Add(Endpoint + "/");
        _listener.Start();
        _loop = ServeAsync();
    }

    /// <summary>The collector's base URL, as <c>telemetry.otlp.endpoint</c> takes it.</summary>
    public string Endpoint { get; }

    /// <summary>Every metric received, with the <c>service.name</c> of the resource that sent it.</summary>
    public IEnumerable<(string Service, Metric Metric)> Metrics => _metrics
        .SelectMany(r => r.ResourceMetrics)
        .SelectMany(r => r.ScopeMetrics.SelectMany(s => s.Metrics).Select(m => (ServiceOf(r.Resource), m)));

    public IEnumerable<Span> Spans => _traces.SelectMany(r => r.ResourceSpans).SelectMany(r => r.ScopeSpans).SelectMany(s => s.Spans);

    public IEnumerable<string> Problems => _problems;

    public static string? Attribute(IEnumerable<KeyValue> attributes, string key) =>
        attributes.FirstOrDefault(a => a.Key == key)?.Value is { ValueCase: AnyValue.ValueOneofCase.StringValue } v ? v.StringValue : null;

    public async Task WaitForAsync(Func<OtlpHttpReceiver, bool> done, string what)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!done(this))
        {
            if (timeout.IsCancellationRequested)
            {
                throw new TimeoutException($"no OTLP export with {what} within 30 s; received: "
                    + string.Join(", ", Metrics.Select(m => m.Metric.Name).Concat(Spans.Select(s => "span " + s.Name)).Concat(_problems).Distinct()));
            }

            await Task.Delay(100);
        }
    }

    public void Dispose()
    {
        _listener.Close();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
    }

    private static string ServiceOf(Resource? resource) => resource is null ? string.Empty : Attribute(resource.Attributes, "service.name") ?? string.Empty;

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            var path = context.Request.Url?.AbsolutePath;
            if (context.Request.HttpMethod != "POST" || context.Request.ContentType != "application/x-protobuf")
            {
                _problems.Enqueue($"{context.Request.HttpMethod} {path} {context.Request.ContentType}");
                context.Response.StatusCode = 415;
            }
            else if (path == "/v1/metrics")
            {
                _metrics.Enqueue(ExportMetricsServiceRequest.Parser.ParseFrom(body.ToArray()));
            }
            else if (path == "/v1/traces")
            {
                _traces.Enqueue(ExportTraceServiceRequest.Parser.ParseFrom(body.ToArray()));
            }
            else
            {
                _problems.Enqueue($"POST {path}");
                context.Response.StatusCode = 404;
            }

            context.Response.ContentType = "application/x-protobuf";
            context.Response.Close();
        }
    }
}
