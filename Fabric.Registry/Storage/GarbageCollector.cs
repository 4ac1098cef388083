using Fabric.Registry.Symbols;

namespace Fabric.Registry.Storage;

/// <summary>
/// Removes blobs no manifest needs. <b>Mark</b>: every symbol a manifest names is a root (a fork's parent is a
/// manifest too, so what a fork inherits stays); so is every symbol inside the grace period, either because its blob
/// was stored then or because <see cref="IMetadataStore.FindMissingAsync"/> told a publisher it was held (the
/// publisher will not upload it again and is about to name it). <b>Sweep</b>: the metadata store re-decides the
/// marked set in one transaction (<see cref="IMetadataStore.ForgetUnreferencedSymbolsAsync"/>), so a manifest
/// published or a symbol claimed after the mark still saves its symbols, and deletes the blobs before that transaction
/// commits. An upload racing the sweep (its put found the blob still there, so wrote nothing) therefore records the
/// symbol only after the blob is gone, and <see cref="SymbolUpload"/>, seeing it gone, puts it again.
/// </summary>
public sealed class GarbageCollector(IBlobStore blobs, IMetadataStore metadata, GarbageCollectorOptions? options = null, TimeProvider? clock = null)
{
    // Small batches: each holds its symbols' locks while its blobs are deleted.
    private const int SweepBatch = 200;

    private readonly GarbageCollectorOptions _options = options ?? new GarbageCollectorOptions();
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    /// <param name="dryRun">Report what would be removed, remove nothing.</param>
    public async Task<CollectionReport> CollectAsync(bool dryRun = false, CancellationToken cancellationToken = default)
    {
        using var activity = GarbageCollectorTelemetry.Source.StartActivity("fabric.registry.gc");
        var report = await CollectCoreAsync(dryRun, cancellationToken).ConfigureAwait(false);
        GarbageCollectorTelemetry.Collected(report, activity);
        return report;
    }

    private async Task<CollectionReport> CollectCoreAsync(bool dryRun, CancellationToken cancellationToken)
    {
        var cutoff = _clock.GetUtcNow() - _options.GracePeriod;

        // Blobs first, roots after: a manifest published while the listing runs is then among the roots.
        var old = new List<StoredBlob>();
        var examined = 0;
        await foreach (var blob in blobs.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            examined++;
            if (blob.StoredAt < cutoff)
            {
                old.Add(blob);
            }
        }

        var roots = await metadata.GetReferencedSymbolsAsync(cancellationToken).ConfigureAwait(false);
        var claimed = await metadata.GetProtectedSymbolsAsync(cutoff, cancellationToken).ConfigureAwait(false);
        var marked = old.Where(b => !roots.Contains(b.Id) && !claimed.Contains(b.Id)).ToDictionary(b => b.Id);
        if (dryRun)
        {
            return new CollectionReport(true, examined, [.. marked.Keys.Order()], marked.Values.Sum(b => b.Length), []);
        }

        if (_options.AfterMark is { } afterMark)
        {
            await afterMark([.. marked.Keys], cancellationToken).ConfigureAwait(false);
        }

        var removed = new List<SymbolId>();
        long bytes = 0;
        foreach (var batch in marked.Keys.Order().Chunk(SweepBatch))
        {
            await metadata.ForgetUnreferencedSymbolsAsync(
                batch,
                cutoff,
                async (doomed, ct) =>
                {
                    foreach (var id in batch.Where(doomed.Contains))
                    {
                        if (await blobs.DeleteAsync(id, ct).ConfigureAwait(false))
                        {
                            removed.Add(id);
                            bytes += marked[id].Length;
                        }
                    }
                },
                cancellationToken).ConfigureAwait(false);
        }

        var spared = marked.Keys.Except(removed).Order().ToList();
        return new CollectionReport(false, examined, removed, bytes, spared);
    }
}

public sealed record GarbageCollectorOptions
{
    /// <summary>How long a new blob, or one a publisher was told is held, is safe from collection. Longer than any
    /// publish takes from its first FindMissing to its manifest.</summary>
    public TimeSpan GracePeriod { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Runs between mark and sweep with the marked IDs. For tests that put a publish into that gap.</summary>
    public Func<IReadOnlyCollection<SymbolId>, CancellationToken, Task>? AfterMark { get; init; }
}

/// <summary>The outcome of a collection. <paramref name="Removed"/> and <paramref name="Bytes"/> are what a dry run
/// would remove; <paramref name="Spared"/> were marked but saved by a publish or claim that came after the mark (or
/// deleted by someone else meanwhile).</summary>
public sealed record CollectionReport(bool DryRun, int BlobsExamined, IReadOnlyList<SymbolId> Removed, long Bytes, IReadOnlyList<SymbolId> Spared);
