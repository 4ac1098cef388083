using System.Net;
using System.Net.Http.Headers;
using Fabric.Registry.Manifests;
using Fabric.Registry.Server.Configuration;
using Fabric.Registry.Server.Protos;
using Fabric.Registry.Server.Tests.Support;
using Fabric.Registry.Signing;
using Fabric.Registry.Storage;
using Fabric.Registry.Symbols;
using TelemetryTesting;
using Google.Protobuf;
using Grpc.Core;

namespace Fabric.Registry.Server.Tests.Telemetry;

/// <summary>
/// The registry's metrics and spans as an operator sees them: a real <c>fabric registry serve</c> process, scraped on
/// <c>/metrics</c> and exporting OTLP to a receiver in the test; every counter must move by exactly what the test did.
/// </summary>
public sealed class RegistryTelemetryTests
{
    private const string PublishOnlyWithToken = "    anonymousRead: true\n    tokens:\n      - token: pub\n        roles: [publish]\n";

    [Fact]
    public async Task Prometheus_endpoint_counts_reads_uploads_publishes_refusals_and_verification_failures_exactly()
    {
        await using var serve = await ServeProcess.StartAsync(string.Empty, PublishOnlyWithToken);
        using var http = serve.Http();
        using var publisher = serve.Grpc("pub");
        using var anonymous = serve.Grpc();
        var before = await PrometheusText.ScrapeAsync(http);

        // Uploads: two new blobs, one of them again (deduplicated), and one whose bytes do not hash to its ID.
        byte[] a = "first blob"u8.ToArray(), b = "second, longer blob"u8.ToArray();
        Assert.True(await publisher.PutAsync(SymbolId.Of(a), new MemoryStream(a), 1000));
        Assert.True(await publisher.PutAsync(SymbolId.Of(b), new MemoryStream(b), 1000));
        Assert.False(await publisher.PutAsync(SymbolId.Of(a), new MemoryStream(a), 1000));
        var forged = await Assert.ThrowsAsync<RpcException>(() => publisher.PutAsync(SymbolId.Of("claimed"u8), new MemoryStream("actual bytes"u8.ToArray()), 1000));
        Assert.Equal(StatusCode.InvalidArgument, forged.StatusCode);

        // Reads: 3 HTTP hits of a, 2 HTTP misses, 1 HEAD hit (no bytes); over gRPC a, b and a miss.
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(a, await http.GetByteArrayAsync($"/v1/blobs/{SymbolId.Of(a)}"));
        }

        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"/v1/blobs/{SymbolId.Of("nowhere"u8)}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"/v1/blobs/{SymbolId.Of("nowhere either"u8)}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/v1/blobs/{SymbolId.Of(b)}"))).StatusCode);
        var batch = new SymbolIds { Namespace = "default" };
        batch.Ids.Add(ByteString.CopyFrom(SymbolId.Of(a).ToBytes()));
        batch.Ids.Add(ByteString.CopyFrom(SymbolId.Of(b).ToBytes()));
        batch.Ids.Add(ByteString.CopyFrom(SymbolId.Of("missing"u8).ToBytes()));
        using (var call = anonymous.Client.GetSymbols(batch))
        {
            var replies = await call.ResponseStream.ReadAllAsync().ToListAsync();
            Assert.Equal([false, false, true], replies.Select(r => r.Missing));
        }

        // Publishes: refused without a token, refused for an untrusted signature, published, published again.
        await publisher.RecordSymbolsAsync([new SymbolRecord(SymbolId.Of(a), SymbolKind.Resource, "a.txt", a.Length, [])]);
        var manifest = new ReleaseManifest(ManifestName.Parse("app:1"), null, [new ManifestEntry("a.txt", SymbolKind.Resource, SymbolId.Of(a), a.Length)]);
        var signed = serve.Key.Sign(manifest, DateTimeOffset.UtcNow);
        Assert.Equal(StatusCode.Unauthenticated, (await Assert.ThrowsAsync<RpcException>(() => anonymous.PublishManifestAsync(signed))).StatusCode);
        using (var stranger = SigningKey.Generate())
        {
            Assert.Equal(StatusCode.PermissionDenied, (await Assert.ThrowsAsync<RpcException>(() => publisher.PublishManifestAsync(stranger.Sign(manifest, DateTimeOffset.UtcNow)))).StatusCode);
        }

        Assert.Equal(PublishOutcome.Published, await publisher.PublishManifestAsync(signed));
        Assert.Equal(PublishOutcome.AlreadyPublished, await publisher.PublishManifestAsync(signed));

        // A token that grants nothing still reads anonymously (not a refusal), and one node takes a lease.
        using var strangerToken = new HttpRequestMessage(HttpMethod.Get, $"/v1/blobs/{SymbolId.Of(a)}");
        strangerToken.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "nobody");
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(strangerToken)).StatusCode);
        using var lease = new HttpRequestMessage(HttpMethod.Put, "/v1/nodes/n1") { Content = new StringContent("jdwp\t127.0.0.1:1\nmanifest\tdefault/app:1\nstarted\tnow\nlease\t60\n") };
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(lease)).StatusCode);

        var reads = 3 + 1 + 1;
        var after = await ScrapeUntilAsync(http, s => s.Value("fabric_registry_blob_reads_total") - before.Value("fabric_registry_blob_reads_total") >= reads + 2 + 3);
        double Delta(string name, params (string, string)[] labels) => after.Value(name, labels) - before.Value(name, labels);

        Assert.Equal(reads, Delta("fabric_registry_blob_reads_total", ("route", "http"), ("result", "hit")));
        Assert.Equal(2, Delta("fabric_registry_blob_reads_total", ("route", "http"), ("result", "miss")));
        Assert.Equal(2, Delta("fabric_registry_blob_reads_total", ("route", "grpc"), ("result", "hit")));
        Assert.Equal(1, Delta("fabric_registry_blob_reads_total", ("route", "grpc"), ("result", "miss")));
        Assert.Equal(4 * a.Length, Delta("fabric_registry_blob_read_bytes_total", ("route", "http")));
        Assert.Equal(a.Length + b.Length, Delta("fabric_registry_blob_read_bytes_total", ("route", "grpc")));
        Assert.Equal(reads, Delta("fabric_registry_blob_read_duration_seconds_count", ("route", "http"), ("result", "hit")));
        Assert.Equal(reads, Delta("fabric_registry_blob_read_duration_seconds_bucket", ("route", "http"), ("result", "hit"), ("le", "+Inf")));

        Assert.Equal(2, Delta("fabric_registry_upload_symbols_total", ("result", "stored")));
        Assert.Equal(1, Delta("fabric_registry_upload_symbols_total", ("result", "deduplicated")));
        Assert.Equal(a.Length + b.Length, Delta("fabric_registry_upload_bytes_total", ("result", "stored")));
        Assert.Equal(a.Length, Delta("fabric_registry_upload_bytes_total", ("result", "deduplicated")));
        Assert.Equal(1, Delta("fabric_registry_verification_failures_total", ("kind", "hash_mismatch")));
        Assert.Equal(1, Delta("fabric_registry_verification_failures_total", ("kind", "signature")));

        Assert.Equal(1, Delta("fabric_registry_publishes_total", ("outcome", "published")));
        Assert.Equal(1, Delta("fabric_registry_publishes_total", ("outcome", "already_published")));
        Assert.Equal(1, Delta("fabric_registry_publishes_total", ("outcome", "refused"), ("reason", "access")));
        Assert.Equal(1, Delta("fabric_registry_publishes_total", ("outcome", "refused"), ("reason", "signature")));
        Assert.Equal(1, Delta("fabric_registry_auth_refusals_total", ("protocol", "grpc"), ("reason", "unauthenticated")));
        Assert.Equal(1, Delta("fabric_registry_auth_refusals_total"));
        Assert.Equal(1, after.Value("fabric_registry_nodes_active"));

        // The memory level in front of the store: a's first read and b's HEAD loaded them, the three unknown IDs were
        // looked for below it; every later read of a or b was served from memory.
        Assert.Equal(5, Delta("fabric_registry_blob_cache_lookups_total", ("result", "hit")));
        Assert.Equal(5, Delta("fabric_registry_blob_cache_lookups_total", ("result", "miss")));
        Assert.Equal(a.Length + b.Length, after.Value("fabric_registry_blob_cache_bytes"));

        // ASP.NET Core's own request metrics come through the same endpoint.
        Assert.True(after.Has("http_server_request_duration_seconds_count"), after.Text);
    }

    [Fact]
    public async Task Prometheus_can_be_turned_off()
    {
        await using var serve = await ServeProcess.StartAsync("telemetry:\n  prometheus: false\n");
        using var http = serve.Http();
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/metrics")).StatusCode);
    }

    [Fact]
    public async Task Otlp_over_http_delivers_the_documented_metrics_and_spans_to_a_collector()
    {
        await using var collector = await OtlpReceiver.StartAsync();
        await using var serve = await ServeProcess.StartAsync($"""
            telemetry:
              serviceName: registry-under-test
              otlp:
                endpoint: {collector.Address}
                protocol: http
                exportIntervalSeconds: 0.5

            """);
        using var grpc = serve.Grpc();
        using var http = serve.Http();
        var content = "exported"u8.ToArray();
        var id = SymbolId.Of(content);
        Assert.True(await grpc.PutAsync(id, new MemoryStream(content), 1000));
        await grpc.RecordSymbolsAsync([new SymbolRecord(id, SymbolKind.Resource, "e.txt", content.Length, [])]);
        var manifest = new ReleaseManifest(ManifestName.Parse("app:1"), null, [new ManifestEntry("e.txt", SymbolKind.Resource, id, content.Length)]);
        Assert.Equal(PublishOutcome.Published, await grpc.PublishManifestAsync(serve.Key.Sign(manifest, DateTimeOffset.UtcNow)));
        Assert.NotNull(await grpc.OpenReadAsync(id));
        Assert.Equal(content, await http.GetByteArrayAsync($"/v1/blobs/{id}"));

        await collector.WaitForAsync(
            c => c.Spans.Any(s => s.Name == "fabric.registry.publish") && c.Spans.Any(s => s.Name == "fabric.registry.get_symbols")
                && c.Metrics.Any(m => m.Metric.Name == "fabric.registry.blob.reads" && m.Metric.Sum.DataPoints.Sum(p => p.AsInt) == 2),
            "the publish span and two blob reads");

        // Cumulative sums: the latest export of each series carries the whole count.
        var reads = collector.Metrics.Last(m => m.Metric.Name == "fabric.registry.blob.reads");
        Assert.Equal("registry-under-test", reads.Service);
        Assert.Equal("{read}", reads.Metric.Unit);
        Assert.True(reads.Metric.Sum.IsMonotonic);
        Assert.Equal(["grpc", "http"], reads.Metric.Sum.DataPoints.Select(p => OtlpReceiver.Attribute(p.Attributes, "route")).Order());
        var uploads = collector.Metrics.Last(m => m.Metric.Name == "fabric.registry.upload.symbols").Metric.Sum.DataPoints.Single();
        Assert.Equal(("stored", 1L), (OtlpReceiver.Attribute(uploads.Attributes, "result"), uploads.AsInt));
        var duration = collector.Metrics.Last(m => m.Metric.Name == "fabric.registry.blob.read.duration").Metric;
        Assert.Equal("s", duration.Unit);
        Assert.Equal(2UL, duration.Histogram.DataPoints.Aggregate(0UL, (n, p) => n + p.Count));

        var publish = collector.Spans.Single(s => s.Name == "fabric.registry.publish");
        Assert.Equal("default/app:1", OtlpReceiver.Attribute(publish.Attributes, "fabric.manifest"));
        var upload = collector.Spans.Single(s => s.Name == "fabric.registry.upload");
        Assert.Equal("1", OtlpReceiver.Attribute(upload.Attributes, "fabric.symbols.stored"));

        // Our spans are children of ASP.NET Core's server span for the gRPC call.
        var server = collector.Spans.Single(s => s.SpanId == publish.ParentSpanId);
        Assert.Equal(2, server.Kind);
        Assert.Equal(publish.TraceId, server.TraceId);
    }

    [Fact]
    public async Task Fabric_gc_exports_its_run_and_span_over_otlp()
    {
        await using var collector = await OtlpReceiver.StartAsync();
        await using var serve = await ServeProcess.StartAsync($"""
            telemetry:
              serviceName: registry-gc
              otlp:
                endpoint: {collector.Address}
                protocol: http

            """);
        using (var grpc = serve.Grpc())
        {
            // Uploaded, never named by a manifest: garbage once the grace period is over.
            foreach (var text in new[] { "orphan one", "orphan two" })
            {
                var bytes = System.Text.Encoding.UTF8.GetBytes(text);
                Assert.True(await grpc.PutAsync(SymbolId.Of(bytes), new MemoryStream(bytes), 1000));
            }
        }

        await serve.StopAsync();
        var gc = await FabricProcess.RunAsync(serve.Root, "gc", "--config", serve.ConfigPath, "--grace", "00:00:00");
        Assert.True(gc.Exit == 0, gc.Out + gc.Err);
        Assert.Contains("removed 2 of 2 blobs", gc.Out);

        // The command flushes as it ends: everything is there without waiting for an export interval.
        var runs = collector.Metrics.Single(m => m.Metric.Name == "fabric.registry.gc.runs");
        Assert.Equal("registry-gc", runs.Service);
        Assert.Equal(("sweep", 1L), (OtlpReceiver.Attribute(runs.Metric.Sum.DataPoints.Single().Attributes, "mode"), runs.Metric.Sum.DataPoints.Single().AsInt));
        Assert.Equal(2, collector.Metrics.Single(m => m.Metric.Name == "fabric.registry.gc.removed.blobs").Metric.Sum.DataPoints.Single().AsInt);
        Assert.Equal("orphan one".Length + "orphan two".Length, collector.Metrics.Single(m => m.Metric.Name == "fabric.registry.gc.removed.bytes").Metric.Sum.DataPoints.Single().AsInt);
        var span = collector.Spans.Single(s => s.Name == "fabric.registry.gc");
        Assert.Equal("2", OtlpReceiver.Attribute(span.Attributes, "fabric.gc.removed"));
    }

    [Fact]
    public void Telemetry_config_errors_name_their_key()
    {
        var e = Assert.Throws<RegistryConfigException>(() => RegistryConfigFile.Parse(
            "namespaces:\n  default:\n    anonymousRead: true\ntelemetry:\n  tracesSampleRatio: 2\n  otlp:\n    endpoint: collector:4317\n    protocol: udp\n",
            "registry.yaml",
            Path.GetTempPath()));
        Assert.Contains("telemetry.otlp.protocol 'udp' must be grpc or http", e.Message);
        Assert.Contains("telemetry.otlp.endpoint 'collector:4317'", e.Message);
        Assert.Contains("telemetry.tracesSampleRatio 2", e.Message);

        var defaults = RegistryConfigFile.Parse("namespaces:\n  default:\n    anonymousRead: true\n", "registry.yaml", Path.GetTempPath()).Telemetry;
        Assert.True(defaults.Prometheus);
        Assert.Null(defaults.Otlp);
        var grpc = RegistryConfigFile.Parse("namespaces:\n  default:\n    anonymousRead: true\ntelemetry:\n  otlp:\n    endpoint: http://127.0.0.1:4317\n", "registry.yaml", Path.GetTempPath()).Telemetry;
        Assert.Equal(Fabric.Registry.Server.Telemetry.OtlpProtocol.Grpc, grpc.Otlp!.Protocol);
    }

    private static async Task<PrometheusText> ScrapeUntilAsync(HttpClient http, Func<PrometheusText, bool> done)
    {
        // A request's measurement is recorded as its handler ends, which the client may see a moment before.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var scrape = await PrometheusText.ScrapeAsync(http);
            if (done(scrape) || DateTime.UtcNow > deadline)
            {
                return scrape;
            }

            await Task.Delay(50);
        }
    }
}
