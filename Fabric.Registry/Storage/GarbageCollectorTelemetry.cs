using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Fabric.Registry.Storage;

/// <summary>
/// The collector's meter and activity source (both <see cref="Name"/>): GC runs wherever <c>fabric gc</c> or a host
/// calls <see cref="GarbageCollector"/>, so these are process-wide rather than owned by a server.
/// </summary>
public static class GarbageCollectorTelemetry
{
    public const string Name = "Fabric.Registry.GarbageCollector";

    private static readonly Meter Meter = new(Name);
    private static readonly Counter<long> Runs = Meter.CreateCounter<long>("fabric.registry.gc.runs", "{run}", "Collections run, by mode (sweep, dry_run)");
    private static readonly Counter<long> RemovedBlobs = Meter.CreateCounter<long>("fabric.registry.gc.removed.blobs", "{blob}", "Blobs a sweep deleted");
    private static readonly Counter<long> RemovedBytes = Meter.CreateCounter<long>("fabric.registry.gc.removed.bytes", "By", "Bytes of the blobs a sweep deleted");

    /// <summary>Span <c>fabric.registry.gc</c>, one per collection.</summary>
    public static ActivitySource Source { get; } = new(Name);

    internal static void Collected(CollectionReport report, Activity? activity)
    {
        Runs.Add(1, new KeyValuePair<string, object?>("mode", report.DryRun ? "dry_run" : "sweep"));
        if (!report.DryRun)
        {
            RemovedBlobs.Add(report.Removed.Count);
            RemovedBytes.Add(report.Bytes);
        }

        activity?.SetTag("fabric.gc.examined", report.BlobsExamined);
        activity?.SetTag("fabric.gc.removed", report.Removed.Count);
        activity?.SetTag("fabric.gc.dry_run", report.DryRun);
    }
}
