using Fabric.Registry.Storage.Configuration;
using Fabric.Registry.Storage.Embedded;
using Fabric.Registry.Symbols;

namespace Fabric.Registry.Storage.Tests;

public sealed class StorageConfigTests
{
    [Fact]
    public void EmbeddedIsTheDefault()
    {
        Assert.Equal(new EmbeddedStorageOptions(EmbeddedStorageOptions.DefaultPath), StorageConfigFile.Parse(""));
        Assert.Equal(new EmbeddedStorageOptions("/var/lib/fabric"), StorageConfigFile.Parse("storage:\n  kind: embedded\n  path: /var/lib/fabric\n"));
        Assert.Equal(new EmbeddedStorageOptions("data"), StorageConfigFile.Parse("storage:\n  path: data\n"));
    }

    [Fact]
    public void ScaleOutBindsPostgresAndS3()
    {
        var options = StorageConfigFile.Parse("""
            storage:
              kind: scaleout
              postgres: "Host=db;Username=fabric;Database=fabric"
              s3:
                endpoint: http://127.0.0.1:9000
                bucket: symbols
                accessKey: AK
                secretKey: SK
                prefix: blobs/
            """);

        var scaleOut = Assert.IsType<ScaleOutStorageOptions>(options);
        Assert.Equal("Host=db;Username=fabric;Database=fabric", scaleOut.Postgres);
        Assert.Equal(new S3Options("http://127.0.0.1:9000", "symbols", "AK", "SK", "us-east-1", "blobs/"), scaleOut.S3);
        Assert.DoesNotContain("SK", scaleOut.S3.ToString());
    }

    [Theory]
    [InlineData("storage:\n  kind: cloud\n", "storage.kind 'cloud' must be one of: embedded, scaleout")]
    [InlineData("storage:\n  kind: scaleout\n", "storage.postgres (a PostgreSQL connection string")]
    [InlineData("storage:\n  kind: scaleout\n", "storage.s3 (endpoint, bucket, accessKey, secretKey) is required")]
    [InlineData("storage:\n  kind: scaleout\n  postgres: Host=db\n  s3:\n    endpoint: 127.0.0.1:9000\n    bucket: b\n    accessKey: a\n    secretKey: s\n", "storage.s3.endpoint '127.0.0.1:9000' must be an http:// or https:// URL")]
    [InlineData("storage:\n  kind: scaleout\n  postgres: Host=db\n  s3:\n    endpoint: http://h\n    bucket: b\n    accessKey: a\n", "storage.s3.secretKey is required")]
    [InlineData("storage:\n  kind: embedded\n  postgres: Host=db\n", "storage.postgres and storage.s3 are for kind: scaleout")]
    [InlineData("storage:\n  kind: scaleout\n  path: x\n  postgres: Host=db\n  s3:\n    endpoint: http://h\n    bucket: b\n    accessKey: a\n    secretKey: s\n", "storage.path is for kind: embedded")]
    [InlineData("storage:\n  kind: embedded\n  pth: x\n", "line 3, column 3: unknown key 'pth' (known keys here: kind, path, postgres, s3)")]
    [InlineData("storage:\n  kind: scaleout\n  s3:\n    bucktet: b\n", "unknown key 'bucktet' (known keys here: endpoint, bucket, accessKey, secretKey, region, prefix)")]
    [InlineData("storge:\n  kind: embedded\n", "unknown key 'storge' (known keys here: storage)")]
    [InlineData("storage: [a, b]\n", "expected 'key: value' lines here, found a list or a plain value")]
    [InlineData("just words\n", "expected 'key: value' lines here, found a list or a plain value")]
    public void MistakesAreReportedWithTheKeyAndTheFix(string yaml, string expected)
    {
        var refused = Assert.Throws<StorageConfigException>(() => StorageConfigFile.Parse(yaml, "registry.yaml"));
        Assert.StartsWith("registry.yaml: ", refused.Message);
        Assert.Contains(expected, refused.Message);
    }

    [Fact]
    public async Task TheEmbeddedStorageOpensUnderItsPath()
    {
        var directory = Directory.CreateTempSubdirectory("fabric-config-").FullName;
        try
        {
            var bytes = "opened"u8.ToArray();
            var id = SymbolId.Of(bytes);
            await using (var storage = await OpenedStorage.OpenAsync(StorageConfigFile.Parse($"storage:\n  kind: embedded\n  path: {directory}/r\n")))
            {
                Assert.IsType<DirectoryBlobStore>(storage.Blobs);
                await storage.Blobs.PutAsync(id, new MemoryStream(bytes), 100);
                await storage.Metadata.RecordSymbolsAsync([new SymbolRecord(id, SymbolKind.Resource, "r.txt", bytes.Length, [])]);
            }

            Assert.True(File.Exists(Path.Combine(directory, "r", "registry.db")));
            Assert.True(File.Exists(Path.Combine(directory, "r", "blobs", id.ToString()[..2], id.ToString()[2..4], id.ToString())));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }
}

[Collection(ScaleOutCollection.Name)]
public sealed class ScaleOutStorageConfigTests(ScaleOutServers servers)
{
    [Fact]
    public async Task TheScaleOutStorageOpensAgainstPostgresAndS3()
    {
        var bucket = "c-" + Guid.NewGuid().ToString("N");
        using (var client = Storage.ScaleOut.S3BlobStore.CreateClient(servers.S3Endpoint, ScaleOutServers.S3AccessKey, ScaleOutServers.S3SecretKey))
        {
            await client.PutBucketAsync(bucket);
        }

        var options = new ScaleOutStorageOptions(await servers.CreateDatabaseAsync(), new S3Options(servers.S3Endpoint, bucket, ScaleOutServers.S3AccessKey, ScaleOutServers.S3SecretKey, Prefix: "blobs/"));
        var bytes = "scale-out"u8.ToArray();
        var id = SymbolId.Of(bytes);
        await using (var storage = await OpenedStorage.OpenAsync(options))
        {
            Assert.True(await storage.Blobs.PutAsync(id, new MemoryStream(bytes), 100));
            await storage.Metadata.RecordSymbolsAsync([new SymbolRecord(id, SymbolKind.Resource, "r.txt", bytes.Length, [])]);
        }

        await using var reopened = await OpenedStorage.OpenAsync(options);
        Assert.True(await reopened.Blobs.ContainsAsync(id));
        Assert.NotNull(await reopened.Metadata.GetSymbolAsync(id));
    }

    [Fact]
    public async Task AMissingBucketOrDatabaseFailsAtOpenWithTheReason()
    {
        var database = await servers.CreateDatabaseAsync();
        var noBucket = new ScaleOutStorageOptions(database, new S3Options(servers.S3Endpoint, "no-such-bucket", ScaleOutServers.S3AccessKey, ScaleOutServers.S3SecretKey));
        var refused = await Assert.ThrowsAsync<StorageConfigException>(() => OpenedStorage.OpenAsync(noBucket));
        Assert.Contains("storage.s3: S3 bucket 'no-such-bucket' is not usable", refused.Message);

        var noDatabase = noBucket with { Postgres = new Npgsql.NpgsqlConnectionStringBuilder(database) { Database = "no_such_database" }.ToString() };
        refused = await Assert.ThrowsAsync<StorageConfigException>(() => OpenedStorage.OpenAsync(noDatabase));
        Assert.Contains("storage.postgres: cannot open the metadata database", refused.Message);
        Assert.Contains("no_such_database", refused.Message);
    }
}
