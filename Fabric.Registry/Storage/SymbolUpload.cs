namespace Fabric.Registry.Storage;

/// <summary>
/// Stores a symbol's blob and its record so that a concurrent garbage collection cannot leave the record without the
/// blob. The hazard: a put that finds the blob already there writes nothing, and a sweep that had just forgotten the
/// old record then deletes that blob. Sweeps delete inside their transaction, so once
/// <see cref="IMetadataStore.RecordSymbolsAsync"/> returns, any sweep of this symbol is finished or will see the
/// fresh record and spare it; one look at the blob after recording tells which, and a put again repairs the first case.
/// </summary>
public static class SymbolUpload
{
    private const int Attempts = 3;

    /// <param name="openContent">Opens the bytes; called again when the blob must be put a second time.</param>
    /// <returns>True when a put wrote new bytes.</returns>
    /// <exception cref="SymbolHashMismatchException">The bytes do not hash to the record's ID; nothing is stored or recorded.</exception>
    /// <exception cref="BlobTooLargeException">The bytes are longer than <paramref name="maxLength"/>; nothing is stored or recorded.</exception>
    public static async Task<bool> StoreAsync(
        IBlobStore blobs,
        IMetadataStore metadata,
        SymbolRecord record,
        Func<CancellationToken, Task<Stream>> openContent,
        long maxLength,
        CancellationToken cancellationToken = default)
    {
        var wrote = false;
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            var content = await openContent(cancellationToken).ConfigureAwait(false);
            await using (content.ConfigureAwait(false))
            {
                wrote |= await blobs.PutAsync(record.Id, content, maxLength, cancellationToken).ConfigureAwait(false);
            }

            await metadata.RecordSymbolsAsync([record], cancellationToken).ConfigureAwait(false);
            if (await blobs.ContainsAsync(record.Id, cancellationToken).ConfigureAwait(false))
            {
                return wrote;
            }
        }

        throw new IOException($"blob {record.Id} was deleted {Attempts} times while it was being stored; is a garbage collector running with a grace period of zero?");
    }

    /// <summary><see cref="StoreAsync(IBlobStore, IMetadataStore, SymbolRecord, Func{CancellationToken, Task{Stream}}, long, CancellationToken)"/>
    /// for bytes in memory.</summary>
    public static Task<bool> StoreAsync(IBlobStore blobs, IMetadataStore metadata, SymbolRecord record, ReadOnlyMemory<byte> content, long maxLength, CancellationToken cancellationToken = default) =>
        StoreAsync(blobs, metadata, record, _ => Task.FromResult<Stream>(new MemoryStream(content.ToArray(), writable: false)), maxLength, cancellationToken);
}
