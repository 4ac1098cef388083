using Fabric.Registry.Storage.Embedded;
using Fabric.Registry.Symbols;

namespace Fabric.Registry.Storage.Tests;

/// <summary>The registry server's memory cache in front of a real blob directory.</summary>
public sealed class CachedBlobStoreTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("fabric-cache-").FullName;
    private readonly DirectoryBlobStore _disk;

    public CachedBlobStoreTests() => _disk = new DirectoryBlobStore(_root);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task A_small_blob_read_once_is_served_from_memory_with_the_same_bytes()
    {
        var cache = new CachedBlobStore(_disk, 1 << 20);
        var (id, bytes) = await StoreAsync(1000, seed: 1);
        Assert.Equal(bytes, await ReadAsync(cache, id));

        // Gone from disk (as a concurrent `fabric gc` in another process could do): the copy in memory still serves,
        // and its bytes still hash to the ID.
        File.Delete(_disk.PathOf(id));
        var again = await ReadAsync(cache, id);
        Assert.Equal(bytes, again);
        Assert.Equal(id, SymbolId.Of(again!));
        Assert.True(await cache.ContainsAsync(id));
    }

    [Fact]
    public async Task Large_blobs_and_missing_blobs_are_not_cached()
    {
        var cache = new CachedBlobStore(_disk, 1 << 20);
        var (id, bytes) = await StoreAsync(CachedBlobStore.MaxEntryBytes + 1, seed: 2);
        Assert.Equal(bytes, await ReadAsync(cache, id));
        Assert.Equal(0, cache.CachedCount);
        File.Delete(_disk.PathOf(id));
        Assert.Null(await ReadAsync(cache, id));
        Assert.Null(await ReadAsync(cache, SymbolId.Of([9, 9, 9])));
    }

    [Fact]
    public async Task Memory_stays_within_capacity_and_the_oldest_blobs_leave_first()
    {
        const int capacity = 10_000;
        var cache = new CachedBlobStore(_disk, capacity);
        var ids = new List<SymbolId>();
        for (var i = 0; i < 25; i++)
        {
            var (id, _) = await StoreAsync(1000, seed: 100 + i);
            ids.Add(id);
            await ReadAsync(cache, id);
            Assert.InRange(cache.CachedBytes, 0, capacity);
        }

        Assert.Equal(10, cache.CachedCount);
        foreach (var id in ids)
        {
            File.Delete(_disk.PathOf(id));
        }

        Assert.Null(await ReadAsync(cache, ids[0]));
        Assert.NotNull(await ReadAsync(cache, ids[^1]));
    }

    [Fact]
    public async Task A_deleted_blob_leaves_the_cache_too()
    {
        var cache = new CachedBlobStore(_disk, 1 << 20);
        var (id, _) = await StoreAsync(500, seed: 3);
        await ReadAsync(cache, id);
        Assert.True(await cache.DeleteAsync(id));
        Assert.Equal(0, cache.CachedBytes);
        Assert.Null(await ReadAsync(cache, id));
    }

    private async Task<(SymbolId Id, byte[] Bytes)> StoreAsync(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        var id = SymbolId.Of(bytes);
        Assert.True(await _disk.PutAsync(id, new MemoryStream(bytes), long.MaxValue));
        return (id, bytes);
    }

    private static async Task<byte[]?> ReadAsync(IBlobStore store, SymbolId id)
    {
        var stream = await store.OpenReadAsync(id);
        if (stream is null)
        {
            return null;
        }

        await using (stream)
        {
            var copy = new MemoryStream();
            await stream.CopyToAsync(copy);
            return copy.ToArray();
        }
    }
}
