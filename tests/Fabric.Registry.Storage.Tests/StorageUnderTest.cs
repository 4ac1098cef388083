namespace Fabric.Registry.Storage.Tests;

/// <summary>A blob store and a metadata store of one backend, fresh and empty, plus what only a test may do to them.</summary>
public abstract class StorageUnderTest : IAsyncDisposable
{
    public required IBlobStore Blobs { get; init; }

    public required IMetadataStore Metadata { get; init; }

    public required ManualClock Clock { get; init; }

    /// <summary>Replaces a stored blob's bytes behind the store's back (bit rot, a stray write).</summary>
    public abstract Task CorruptAsync(Symbols.SymbolId id, byte[] bytes);

    public abstract ValueTask DisposeAsync();
}
