using Fabric.Registry.Symbols;

namespace Fabric.Registry.Storage;

/// <summary>
/// Symbol bytes by ID. Implementations: a sharded directory (embedded) and an S3-compatible bucket (scale-out).
/// A blob is visible to readers only once complete, and only when its bytes hash to its ID.
/// </summary>
public interface IBlobStore
{
    Task<bool> ContainsAsync(SymbolId id, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores <paramref name="content"/> under <paramref name="id"/>. Idempotent: storing a blob that exists is a no-op
    /// that returns false. Throws <see cref="SymbolHashMismatchException"/> (and stores nothing) when the bytes do not
    /// hash to <paramref name="id"/>, and <see cref="BlobTooLargeException"/> past <paramref name="maxLength"/>.
    /// </summary>
    /// <returns>True when this call stored new bytes.</returns>
    Task<bool> PutAsync(SymbolId id, Stream content, long maxLength, CancellationToken cancellationToken = default);

    /// <summary>The blob's bytes, or null when it is not stored.</summary>
    Task<Stream?> OpenReadAsync(SymbolId id, CancellationToken cancellationToken = default);

    /// <summary>Every stored blob with its size and the time it was stored (the garbage collector's grace period
    /// starts there).</summary>
    IAsyncEnumerable<StoredBlob> ListAsync(CancellationToken cancellationToken = default);

    /// <returns>True when the blob existed.</returns>
    Task<bool> DeleteAsync(SymbolId id, CancellationToken cancellationToken = default);
}

public readonly record struct StoredBlob(SymbolId Id, long Length, DateTimeOffset StoredAt);

public sealed class SymbolHashMismatchException(SymbolId claimed, SymbolId actual)
    : Exception($"blob claimed to be {claimed} hashes to {actual}; refused")
{
    public SymbolId Claimed { get; } = claimed;

    public SymbolId Actual { get; } = actual;
}

public sealed class BlobTooLargeException(SymbolId id, long maxLength)
    : Exception($"blob {id} is larger than the limit of {maxLength} bytes; refused")
{
    public SymbolId Id { get; } = id;
}
