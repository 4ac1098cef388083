using Fabric.Registry.Storage.Embedded;
using Fabric.Registry.Symbols;
using Microsoft.Data.Sqlite;
using static Fabric.Registry.Storage.Tests.TestData;

namespace Fabric.Registry.Storage.Tests;

/// <summary>What only the embedded backend promises: its files on disk.</summary>
public sealed class EmbeddedStoreTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("fabric-embedded-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task BlobsAreShardedByTheirFirstTwoBytes()
    {
        var store = new DirectoryBlobStore(_directory);
        var bytes = Bytes("sharded");
        var id = SymbolId.Of(bytes);
        await store.PutAsync(id, new MemoryStream(bytes), 100);

        var hex = id.ToString();
        Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(_directory, hex[..2], hex[2..4], hex)));
    }

    [Fact]
    public async Task ATempFileLeftByACrashIsInvisibleAndRemovedByTheNextOpen()
    {
        var store = new DirectoryBlobStore(_directory);
        var bytes = Random(50_000, 7);
        var id = SymbolId.Of(bytes);
        var hex = id.ToString();
        var shard = Directory.CreateDirectory(Path.Combine(_directory, hex[..2], hex[2..4])).FullName;
        var stale = Path.Combine(shard, $"{hex}.{Guid.NewGuid():N}.tmp");
        var fresh = Path.Combine(shard, $"{hex}.{Guid.NewGuid():N}.tmp");
        await File.WriteAllBytesAsync(stale, bytes.AsMemory(0, 20_000).ToArray());
        await File.WriteAllBytesAsync(fresh, bytes.AsMemory(0, 10_000).ToArray());
        File.SetLastWriteTimeUtc(stale, DateTime.UtcNow.AddHours(-1));

        Assert.False(await store.ContainsAsync(id));
        Assert.Null(await store.OpenReadAsync(id));
        Assert.Empty(await ToListAsync(store.ListAsync()));

        _ = new DirectoryBlobStore(_directory, staleTempAge: TimeSpan.FromMinutes(10));

        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(fresh), "a young temp file may be another writer's, in progress");
        Assert.True(await store.PutAsync(id, new MemoryStream(bytes), bytes.Length));
        Assert.Equal(bytes, File.ReadAllBytes(store.PathOf(id)));
    }

    [Fact]
    public async Task AWriteInProgressIsInvisibleUntilItCompletes()
    {
        var store = new DirectoryBlobStore(_directory);
        var bytes = Random(1_000_000, 8);
        var id = SymbolId.Of(bytes);
        var pipe = new System.IO.Pipelines.Pipe();
        var put = store.PutAsync(id, pipe.Reader.AsStream(), bytes.Length);
        await pipe.Writer.WriteAsync(bytes.AsMemory(0, 600_000));
        await WaitUntilAsync(() => Directory.EnumerateFiles(_directory, "*.tmp", SearchOption.AllDirectories).Any());

        Assert.False(await store.ContainsAsync(id));
        Assert.Null(await store.OpenReadAsync(id));
        Assert.Empty(await ToListAsync(store.ListAsync()));

        await pipe.Writer.WriteAsync(bytes.AsMemory(600_000));
        await pipe.Writer.CompleteAsync();
        Assert.True(await put);
        Assert.True(await store.ContainsAsync(id));
        Assert.Empty(Directory.EnumerateFiles(_directory, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task ACancelledPutLeavesNothing()
    {
        var store = new DirectoryBlobStore(_directory);
        var bytes = Random(100_000, 9);
        var id = SymbolId.Of(bytes);
        var pipe = new System.IO.Pipelines.Pipe();
        using var cancel = new CancellationTokenSource();
        var put = store.PutAsync(id, pipe.Reader.AsStream(), bytes.Length, cancel.Token);
        await pipe.Writer.WriteAsync(bytes.AsMemory(0, 50_000));
        await WaitUntilAsync(() => Directory.EnumerateFiles(_directory, "*.tmp", SearchOption.AllDirectories).Any());

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => put);
        Assert.Empty(Directory.EnumerateFiles(_directory, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task TheDatabaseIsInWalModeWithASchemaVersionAndKeepsItsDataAcrossOpens()
    {
        var path = Path.Combine(_directory, "registry.db");
        var record = Record(Bytes("kept"), "com/app/Kept");
        await new SqliteMetadataStore(path).RecordSymbolsAsync([record]);

        var reopened = new SqliteMetadataStore(path);

        Assert.NotNull(await reopened.GetSymbolAsync(record.Id));
        using var connection = new SqliteConnection($"Data Source={path}");
        connection.Open();
        Assert.Equal("wal", Scalar(connection, "PRAGMA journal_mode"));
        Assert.Equal((long)SqliteMetadataStore.SchemaVersion, Scalar(connection, "SELECT max(version) FROM schema_version"));
    }

    [Fact]
    public void ADatabaseFromANewerRegistryIsRefusedWithTheReason()
    {
        var path = Path.Combine(_directory, "registry.db");
        _ = new SqliteMetadataStore(path);
        using (var connection = new SqliteConnection($"Data Source={path}"))
        {
            connection.Open();
            Scalar(connection, "INSERT INTO schema_version (version) VALUES (99)");
        }

        var refused = Assert.Throws<InvalidOperationException>(() => new SqliteMetadataStore(path));
        Assert.Contains("version 99", refused.Message);
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 500 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition(), "condition not reached within 5 s");
    }

    private static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> items)
    {
        var list = new List<T>();
        await foreach (var item in items)
        {
            list.Add(item);
        }

        return list;
    }
}
