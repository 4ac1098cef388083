using Amazon.S3;
using Amazon.S3.Model;
using Fabric.Registry.Storage.ScaleOut;
using Fabric.Registry.Symbols;

namespace Fabric.Registry.Storage.Tests;

[Collection(ScaleOutCollection.Name)]
public sealed class ScaleOutStorageContractTests(ScaleOutServers servers) : StorageContractTests
{
    protected override async Task<StorageUnderTest> CreateAsync() => await ScaleOutStorage.CreateAsync(servers);

    protected override async Task AssertNothingElseStoredAsync(StorageUnderTest storage)
    {
        var s = (ScaleOutStorage)storage;
        var keys = await s.Client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = s.Bucket });
        Assert.All(keys.S3Objects ?? [], o => Assert.True(SymbolId.TryParse(o.Key, out _), $"unexpected object {o.Key}"));
    }
}

internal sealed class ScaleOutStorage : StorageUnderTest
{
    public required AmazonS3Client Client { get; init; }

    public required string Bucket { get; init; }

    public static async Task<ScaleOutStorage> CreateAsync(ScaleOutServers servers)
    {
        var clock = new ManualClock();
        var bucket = "t-" + Guid.NewGuid().ToString("N");
        var client = S3BlobStore.CreateClient(servers.S3Endpoint, ScaleOutServers.S3AccessKey, ScaleOutServers.S3SecretKey);
        await client.PutBucketAsync(bucket);
        return new ScaleOutStorage
        {
            Client = client,
            Bucket = bucket,
            Clock = clock,
            Blobs = new S3BlobStore(S3BlobStore.CreateClient(servers.S3Endpoint, ScaleOutServers.S3AccessKey, ScaleOutServers.S3SecretKey), bucket),
            Metadata = await PostgresMetadataStore.OpenAsync(await servers.CreateDatabaseAsync(), clock),
        };
    }

    public override Task CorruptAsync(SymbolId id, byte[] bytes) =>
        Client.PutObjectAsync(new PutObjectRequest { BucketName = Bucket, Key = id.ToString(), InputStream = new MemoryStream(bytes), UseChunkEncoding = false });

    public override async ValueTask DisposeAsync()
    {
        await ((PostgresMetadataStore)Metadata).DisposeAsync();
        ((S3BlobStore)Blobs).Dispose();
        Client.Dispose();
    }
}
