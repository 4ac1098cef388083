using System.Runtime.InteropServices;
using Fabric.Registry.Dependencies;
using Fabric.Registry.Manifests;
using Fabric.Registry.Signing;
using Fabric.Registry.Storage;
using Fabric.Registry.Symbolization;

namespace Fabric.Registry.Publishing;

/// <summary>
/// Publishes a release: symbolize the inputs, load the parent chain, check the closure (before anything is written,
/// so a refused release leaves no trace), upload only the blobs the registry lacks, record them and confirm they survived
/// any concurrent garbage collection, then sign and publish
/// the manifest in one transaction. Republishing the same inputs uploads nothing and is a no-op.
/// </summary>
public sealed class Publisher(
    IBlobStore blobs,
    IMetadataStore metadata,
    SigningKey signingKey,
    PlatformClasses platform,
    TrustSet? trustedParents = null,
    TimeProvider? clock = null)
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    /// <exception cref="SymbolizationException">An input is unreadable or inputs conflict.</exception>
    /// <exception cref="ManifestChainException">The parent (or one of its ancestors) is not published.</exception>
    /// <exception cref="IncompleteClosureException">Referenced classes are provided nowhere; nothing was written.</exception>
    /// <exception cref="ManifestConflictException">The name is taken by a different release.</exception>
    public async Task<PublishSummary> PublishAsync(
        PublishRequest request, IProgress<PublishProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        progress?.Report(new(PublishStage.Symbolizing, 0, request.Inputs.Count, 0));
        var options = request.Symbolizer ?? new SymbolizerOptions();
        var release = new Symbolizer(options).Symbolize(request.Inputs);
        var warnings = new List<string>(release.Warnings);

        progress?.Report(new(PublishStage.CheckingClosure, 0, release.Classes.Count, 0));
        var parents = request.Parent is { } parent
            ? await ManifestChain.LoadAsync(metadata, parent, trustedParents, cancellationToken).ConfigureAwait(false)
            : ManifestChain.Empty;
        var report = ClosureCheck.EnsureComplete(request.Name.ToString(), ClosureCheck.GraphOf(release), parents, platform);
        warnings.AddRange(report.Cycles.Select(c => c.ToString()));

        var manifestMetadata = new Dictionary<string, string>(release.Metadata, StringComparer.Ordinal);
        foreach (var (key, value) in request.Metadata ?? new Dictionary<string, string>())
        {
            manifestMetadata[key] = value;
        }

        // Built (and so validated) before any upload: a name or metadata the manifest cannot hold fails early too.
        var manifest = new ReleaseManifest(request.Name, request.Parent, release.Entries, manifestMetadata);

        // A taken name is refused before any upload; the store refuses it again atomically should a race win.
        var existing = await metadata.GetManifestAsync(request.Name, cancellationToken).ConfigureAwait(false);
        if (existing is not null && !existing.CanonicalBytes.AsSpan().SequenceEqual(manifest.ToCanonicalBytes()))
        {
            throw new ManifestConflictException(request.Name);
        }

        var blobsById = release.DistinctBlobs.ToDictionary(s => s.Id);
        progress?.Report(new(PublishStage.FindingMissing, 0, blobsById.Count, 0));
        var missing = await metadata.FindMissingAsync(blobsById.Keys, cancellationToken).ConfigureAwait(false);

        long uploaded = 0;
        var done = 0;
        var toRecord = new List<SymbolRecord>(missing.Count);
        foreach (var id in missing.Order())
        {
            var symbol = blobsById[id];
            using var content = MemoryMarshal.TryGetArray(symbol.Content, out var segment)
                ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
                : new MemoryStream(symbol.Content.ToArray(), writable: false);
            if (await blobs.PutAsync(id, content, symbol.Length, cancellationToken).ConfigureAwait(false))
            {
                uploaded += symbol.Length;
            }

            toRecord.Add(new SymbolRecord(id, symbol.Kind, symbol.Name, symbol.Length, symbol.References));
            progress?.Report(new(PublishStage.Uploading, ++done, missing.Count, uploaded));
        }

        progress?.Report(new(PublishStage.Recording, 0, toRecord.Count, uploaded));
        if (toRecord.Count > 0)
        {
            await metadata.RecordSymbolsAsync(toRecord, cancellationToken).ConfigureAwait(false);

            // A put that found its blob present wrote nothing, and a collection sweeping that blob's old record may
            // have deleted it since. Sweeps finish before a record returns, so one look now tells; the rare loss is
            // repaired one symbol at a time (see SymbolUpload).
            foreach (var record in toRecord)
            {
                if (!await blobs.ContainsAsync(record.Id, cancellationToken).ConfigureAwait(false)
                    && await SymbolUpload.StoreAsync(blobs, metadata, record, blobsById[record.Id].Content, record.Length, cancellationToken).ConfigureAwait(false))
                {
                    uploaded += record.Length;
                }
            }
        }

        progress?.Report(new(PublishStage.Publishing, 0, 1, uploaded));
        var stored = signingKey.Sign(manifest, _clock.GetUtcNow());
        var outcome = await metadata.PublishManifestAsync(stored, cancellationToken).ConfigureAwait(false);
        progress?.Report(new(PublishStage.Done, 1, 1, uploaded));

        return new PublishSummary(
            request.Name,
            outcome,
            signingKey.KeyId,
            release.Symbols.Count,
            missing.Count,
            release.Symbols.Count - missing.Count,
            uploaded,
            warnings);
    }
}
