using System.Collections.Concurrent;
using Fabric.Registry.Symbols;

namespace Fabric.Registry.Storage;

/// <summary>
/// Keeps small blobs in memory in front of another store. A blob's bytes never change (its ID is their hash), so a
/// cached copy can never be stale; only its memory is bounded. Nodes fetch the same class files over and over (every
/// node of a release, every cold start), and most class files are a few KiB: serving them from memory saves a file open,
/// read and close per request.
/// </summary>
/// <remarks>
/// Eviction is first-in first-out: a blob that is hot is fetched again soon after it leaves and comes back. A blob
/// deleted by the garbage collector is dropped here too; one deleted by another process (the <c>fabric gc</c> CLI on
/// the same store) may still be served from memory until evicted, which is harmless because its bytes still hash to
/// its ID, and no manifest references it.
/// </remarks>
public sealed class CachedBlobStore : IBlobStore
{
    /// <summary>Blobs above this size are never cached: they are rare, and one would displace hundreds of small ones.</summary>
    public const int MaxEntryBytes = 64 * 1024;

    private readonly IBlobStore _inner;
    private readonly long _capacityBytes;
    private readonly ConcurrentDictionary<SymbolId, byte[]> _entries = new();
    private readonly ConcurrentQueue<SymbolId> _order = new();
    private long _bytes;

    /// <summary>Caches up to <paramref name="capacityBytes"/> bytes of small blobs of <paramref name="inner"/>.</summary>
    public CachedBlobStore(IBlobStore inner, long capacityBytes)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacityBytes);
        _inner = inner;
        _capacityBytes = capacityBytes;
    }

    /// <summary>Bytes held now.</summary>
    public long CachedBytes => Interlocked.Read(ref _bytes);

    /// <summary>Blobs held now.</summary>
    public int CachedCount => _entries.Count;

    /// <inheritdoc />
    public Task<bool> ContainsAsync(SymbolId id, CancellationToken cancellationToken = default) =>
        _entries.ContainsKey(id) ? Task.FromResult(true) : _inner.ContainsAsync(id, cancellationToken);

    /// <inheritdoc />
    public Task<bool> PutAsync(SymbolId id, Stream content, long maxLength, CancellationToken cancellationToken = default) =>
        _inner.PutAsync(id, content, maxLength, cancellationToken);

    /// <inheritdoc />
    public async Task<Stream?> OpenReadAsync(SymbolId id, CancellationToken cancellationToken = default)
    {
        if (_entries.TryGetValue(id, out var cached))
        {
            return new MemoryStream(cached, writable: false);
        }

        var stream = await _inner.OpenReadAsync(id, cancellationToken).ConfigureAwait(false);
        if (stream is null || !stream.CanSeek || stream.Length > MaxEntryBytes)
        {
            return stream;
        }

        byte[] bytes;
        await using (stream.ConfigureAwait(false))
        {
            bytes = new byte[stream.Length];
            await stream.ReadExactlyAsync(bytes, cancellationToken).ConfigureAwait(false);
        }

        Add(id, bytes);
        return new MemoryStream(bytes, writable: false);
    }

    /// <inheritdoc />
    public IAsyncEnumerable<StoredBlob> ListAsync(CancellationToken cancellationToken = default) => _inner.ListAsync(cancellationToken);

    /// <inheritdoc />
    public Task<bool> DeleteAsync(SymbolId id, CancellationToken cancellationToken = default)
    {
        if (_entries.TryRemove(id, out var removed))
        {
            Interlocked.Add(ref _bytes, -removed.Length);
        }

        return _inner.DeleteAsync(id, cancellationToken);
    }

    private void Add(SymbolId id, byte[] bytes)
    {
        if (bytes.Length > _capacityBytes || !_entries.TryAdd(id, bytes))
        {
            return;
        }

        _order.Enqueue(id);
        var total = Interlocked.Add(ref _bytes, bytes.Length);
        while (total > _capacityBytes && _order.TryDequeue(out var oldest))
        {
            if (_entries.TryRemove(oldest, out var evicted))
            {
                total = Interlocked.Add(ref _bytes, -evicted.Length);
            }
        }
    }
}
