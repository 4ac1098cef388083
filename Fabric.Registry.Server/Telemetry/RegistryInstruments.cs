using System.Diagnostics;
using System.Diagnostics.Metrics;
using Fabric.Registry.Server.Nodes;
using Fabric.Registry.Storage;

namespace Fabric.Registry.Server.Telemetry;

/// <summary>
/// The registry's meter and activity source, both named <see cref="Name"/>, and the one place that records into them
/// (docs/architecture.md, "Observability", lists every instrument). One per server: the node gauge reads that
/// server's <see cref="NodeTable"/>.
/// </summary>
public sealed class RegistryInstruments : IDisposable
{
    public const string Name = "Fabric.Registry";

    private static readonly KeyValuePair<string, object?> Http = new("route", "http");
    private static readonly KeyValuePair<string, object?> Grpc = new("route", "grpc");
    private static readonly KeyValuePair<string, object?> Hit = new("result", "hit");
    private static readonly KeyValuePair<string, object?> Miss = new("result", "miss");
    private static readonly KeyValuePair<string, object?> Stored = new("result", "stored");
    private static readonly KeyValuePair<string, object?> Deduplicated = new("result", "deduplicated");

    private readonly Meter _meter;
    private readonly Counter<long> _blobReads;
    private readonly Counter<long> _blobReadBytes;
    private readonly Histogram<double> _blobReadDuration;
    private readonly Counter<long> _uploadSymbols;
    private readonly Counter<long> _uploadBytes;
    private readonly Counter<long> _publishes;
    private readonly Counter<long> _verificationFailures;
    private readonly Counter<long> _authRefusals;

    public RegistryInstruments(IMeterFactory meters, NodeTable nodes, IBlobStore blobs)
    {
        ArgumentNullException.ThrowIfNull(meters);
        ArgumentNullException.ThrowIfNull(nodes);
        _meter = meters.Create(Name);
        Source = new ActivitySource(Name);
        _blobReads = _meter.CreateCounter<long>("fabric.registry.blob.reads", "{read}", "Blob reads, by route (http, grpc) and result (hit: the blob was served, miss: not held)");
        _blobReadBytes = _meter.CreateCounter<long>("fabric.registry.blob.read.bytes", "By", "Blob bytes served, by route");
        _blobReadDuration = _meter.CreateHistogram<double>(
            "fabric.registry.blob.read.duration",
            "s",
            "Time to find and send one blob, by route and result",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] });
        _uploadSymbols = _meter.CreateCounter<long>("fabric.registry.upload.symbols", "{symbol}", "Uploaded blobs, by result (stored: new, deduplicated: already held)");
        _uploadBytes = _meter.CreateCounter<long>("fabric.registry.upload.bytes", "By", "Uploaded blob bytes, by result");
        _publishes = _meter.CreateCounter<long>("fabric.registry.publishes", "{manifest}", "Manifest publishes, by outcome (published, already_published, refused) and refusal reason");
        _verificationFailures = _meter.CreateCounter<long>("fabric.registry.verification.failures", "{failure}", "Content that failed verification, by kind (hash_mismatch, signature)");
        _authRefusals = _meter.CreateCounter<long>("fabric.registry.auth.refusals", "{request}", "Requests refused for want of a token or role, by protocol (http, grpc) and reason");
        _meter.CreateObservableGauge("fabric.registry.nodes.active", () => (long)nodes.Count, "{node}", "Nodes holding a live lease");
        if (blobs is CachedBlobStore cache)
        {
            // The memory level in front of the store (blobCacheMegabytes): read from its own counts when observed.
            _meter.CreateObservableCounter(
                "fabric.registry.blob.cache.lookups",
                () => new[] { new Measurement<long>(cache.Hits, Hit), new Measurement<long>(cache.Misses, Miss) },
                "{lookup}",
                "Blob reads by the memory cache's answer: hit (served from memory) or miss (went to the store)");
            _meter.CreateObservableGauge("fabric.registry.blob.cache.bytes", () => cache.CachedBytes, "By", "Bytes the memory cache holds");
        }
    }

    /// <summary>Spans: <c>fabric.registry.publish</c>, <c>fabric.registry.upload</c>, <c>fabric.registry.get_symbols</c>.</summary>
    public ActivitySource Source { get; }

    public void BlobRead(bool grpc, bool hit, long bytes, long startTimestamp)
    {
        var route = grpc ? Grpc : Http;
        var result = hit ? Hit : Miss;
        _blobReads.Add(1, route, result);
        if (bytes > 0)
        {
            _blobReadBytes.Add(bytes, route);
        }

        _blobReadDuration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, route, result);
    }

    public void Uploaded(bool stored, long bytes)
    {
        var result = stored ? Stored : Deduplicated;
        _uploadSymbols.Add(1, result);
        _uploadBytes.Add(bytes, result);
    }

    /// <param name="outcome">published, already_published or refused.</param>
    /// <param name="reason">For refusals: signature, invalid, incomplete, conflict or access; else null.</param>
    public void Published(string outcome, string? reason = null)
    {
        if (reason is null)
        {
            _publishes.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
        }
        else
        {
            _publishes.Add(1, new KeyValuePair<string, object?>("outcome", outcome), new KeyValuePair<string, object?>("reason", reason));
        }
    }

    /// <param name="kind">hash_mismatch (an upload's bytes are not what its ID names) or signature (a manifest's
    /// signature is missing, wrong or by an untrusted key).</param>
    public void VerificationFailed(string kind) => _verificationFailures.Add(1, new KeyValuePair<string, object?>("kind", kind));

    /// <param name="reason">unauthenticated (no token), forbidden (the token lacks the role) or unknown_namespace.</param>
    public void AuthRefused(bool grpc, string reason) => _authRefusals.Add(1, new KeyValuePair<string, object?>("protocol", grpc ? "grpc" : "http"), new KeyValuePair<string, object?>("reason", reason));

    public void Dispose()
    {
        Source.Dispose();
        _meter.Dispose();
    }
}
