using Fabric.Registry.Manifests;
using Fabric.Registry.Symbols;

namespace Fabric.Registry.Storage;

/// <summary>
/// What the registry knows about symbols and releases. Implementations: SQLite (embedded) and PostgreSQL (scale-out).
/// Every write is one transaction: readers see a manifest whole or not at all.
/// </summary>
public interface IMetadataStore
{
    /// <summary>Records symbols whose blobs are stored (idempotent; the first record of an ID wins; recording again
    /// restarts the symbol's garbage-collection grace period). A collection that swept one of them concurrently has
    /// deleted its blob before this returns, so confirm the blob afterwards: <see cref="SymbolUpload"/> does.</summary>
    Task RecordSymbolsAsync(IReadOnlyCollection<SymbolRecord> symbols, CancellationToken cancellationToken = default);

    Task<SymbolRecord?> GetSymbolAsync(SymbolId id, CancellationToken cancellationToken = default);

    /// <summary>
    /// The IDs among <paramref name="ids"/> the registry does not hold. The ones it does hold are protected from the
    /// garbage collector for its grace period from now, so a publisher that skips uploading them does not race a
    /// collection.
    /// </summary>
    Task<IReadOnlySet<SymbolId>> FindMissingAsync(IReadOnlyCollection<SymbolId> ids, CancellationToken cancellationToken = default);

    /// <summary>
    /// Publishes atomically. Publishing the same bytes under the same name again is a no-op
    /// (<see cref="PublishOutcome.AlreadyPublished"/>); different bytes under an existing name are refused
    /// (<see cref="ManifestConflictException"/>); so is a manifest naming a symbol or parent the registry does not hold
    /// (<see cref="ManifestIncompleteException"/>).
    /// </summary>
    Task<PublishOutcome> PublishManifestAsync(StoredManifest manifest, CancellationToken cancellationToken = default);

    Task<StoredManifest?> GetManifestAsync(ManifestName name, CancellationToken cancellationToken = default);

    IAsyncEnumerable<ManifestName> ListManifestsAsync(string? @namespace = null, CancellationToken cancellationToken = default);

    /// <summary>Every symbol any manifest names: the roots the garbage collector must keep.</summary>
    Task<IReadOnlySet<SymbolId>> GetReferencedSymbolsAsync(CancellationToken cancellationToken = default);

    /// <summary>Removes the records of symbols whose blobs were collected.</summary>
    Task ForgetSymbolsAsync(IReadOnlyCollection<SymbolId> ids, CancellationToken cancellationToken = default);

    /// <summary>The symbols <see cref="FindMissingAsync"/> reported as held, or that were recorded, at or after
    /// <paramref name="since"/>: the garbage collector protects them for its grace period.</summary>
    Task<IReadOnlySet<SymbolId>> GetProtectedSymbolsAsync(DateTimeOffset since, CancellationToken cancellationToken = default);

    /// <summary>
    /// The garbage collector's sweep, decided in one transaction so it cannot interleave with a publish or a record:
    /// of <paramref name="ids"/>, those no manifest references and that were neither reported held by
    /// <see cref="FindMissingAsync"/> nor recorded at or after <paramref name="protectedSince"/> lose their records;
    /// <paramref name="deleteBlobs"/> runs with them before the transaction commits (so a concurrent
    /// <see cref="RecordSymbolsAsync"/> of one of them returns only after its blob is gone), and they are returned.
    /// </summary>
    Task<IReadOnlySet<SymbolId>> ForgetUnreferencedSymbolsAsync(
        IReadOnlyCollection<SymbolId> ids,
        DateTimeOffset protectedSince,
        Func<IReadOnlySet<SymbolId>, CancellationToken, Task> deleteBlobs,
        CancellationToken cancellationToken = default);
}

/// <summary>A stored symbol: <paramref name="Name"/> is the class's internal name or the resource path it was first
/// published under; <paramref name="References"/> are the class names its constant pool refers to (empty for
/// resources).</summary>
public sealed record SymbolRecord(
    SymbolId Id,
    SymbolKind Kind,
    string Name,
    long Length,
    IReadOnlyList<string> References);

/// <summary>A manifest as published: its canonical bytes and the DER-encoded ECDSA P-256 signature over them.</summary>
public sealed record StoredManifest(
    ManifestName Name,
    byte[] CanonicalBytes,
    byte[] Signature,
    string KeyId,
    DateTimeOffset PublishedAt);

public enum PublishOutcome
{
    Published,
    AlreadyPublished,
}

public sealed class ManifestConflictException(ManifestName name)
    : Exception($"{name} is already published with different content; tags are immutable")
{
    public ManifestName Name { get; } = name;
}

public sealed class ManifestIncompleteException(ManifestName name, IReadOnlyCollection<string> missing)
    : Exception($"{name} cannot be published: the registry does not hold {string.Join(", ", missing.Take(10))}"
        + (missing.Count > 10 ? $" and {missing.Count - 10} more" : string.Empty))
{
    public ManifestName Name { get; } = name;

    public IReadOnlyCollection<string> Missing { get; } = missing;
}
