using Fabric.Registry.Storage.Embedded;
using Fabric.Registry.Symbols;

namespace Fabric.Registry.Storage.Tests;

public sealed class EmbeddedStorageContractTests : StorageContractTests
{
    protected override Task<StorageUnderTest> CreateAsync() => Task.FromResult<StorageUnderTest>(EmbeddedStorage.Create());

    protected override Task AssertNothingElseStoredAsync(StorageUnderTest storage)
    {
        var files = System.IO.Directory.EnumerateFiles(((EmbeddedStorage)storage).BlobDirectory, "*", SearchOption.AllDirectories)
            .Where(f => !SymbolId.TryParse(Path.GetFileName(f), out _));
        Assert.Empty(files);
        return Task.CompletedTask;
    }
}

internal sealed class EmbeddedStorage : StorageUnderTest
{
    public required string Directory { get; init; }

    public string BlobDirectory => Path.Combine(Directory, "blobs");

    public static EmbeddedStorage Create()
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("fabric-embedded-").FullName;
        var clock = new ManualClock();
        return new EmbeddedStorage
        {
            Directory = directory,
            Clock = clock,
            Blobs = new DirectoryBlobStore(Path.Combine(directory, "blobs")),
            Metadata = new SqliteMetadataStore(Path.Combine(directory, "registry.db"), clock),
        };
    }

    public override Task CorruptAsync(SymbolId id, byte[] bytes) =>
        File.WriteAllBytesAsync(((DirectoryBlobStore)Blobs).PathOf(id), bytes);

    public override ValueTask DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                System.IO.Directory.Delete(Directory, recursive: true);
                return ValueTask.CompletedTask;
            }
            catch (IOException) when (attempt < 5)
            {
                // SQLite removes its -wal and -shm files as the last pooled connection closes.
                Thread.Sleep(100);
            }
        }
    }
}
