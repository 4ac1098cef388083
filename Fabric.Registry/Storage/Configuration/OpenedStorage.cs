using Fabric.Registry.Storage.Embedded;
using Fabric.Registry.Storage.ScaleOut;

namespace Fabric.Registry.Storage.Configuration;

/// <summary>The blob and metadata stores a configuration names, opened and checked; disposing closes them.</summary>
public sealed class OpenedStorage : IAsyncDisposable
{
    private readonly Func<ValueTask> _close;

    private OpenedStorage(IBlobStore blobs, IMetadataStore metadata, Func<ValueTask> close)
    {
        Blobs = blobs;
        Metadata = metadata;
        _close = close;
    }

    public IBlobStore Blobs { get; }

    public IMetadataStore Metadata { get; }

    /// <summary>Opens the stores: creates the embedded directory and schema, or connects to PostgreSQL (creating the
    /// schema) and checks the bucket, so a wrong setting fails here with its reason rather than at the first upload.</summary>
    /// <exception cref="StorageConfigException">A store cannot be opened; the message says which and why.</exception>
    public static async Task<OpenedStorage> OpenAsync(StorageOptions options, TimeProvider? clock = null, CancellationToken cancellationToken = default)
    {
        switch (options)
        {
            case EmbeddedStorageOptions embedded:
                try
                {
                    var blobs = new DirectoryBlobStore(Path.Combine(embedded.Path, "blobs"));
                    var metadata = new SqliteMetadataStore(Path.Combine(embedded.Path, "registry.db"), clock);
                    return new OpenedStorage(blobs, metadata, () => ValueTask.CompletedTask);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException)
                {
                    throw new StorageConfigException($"embedded storage at '{embedded.Path}' cannot be opened: {ex.Message}", ex);
                }

            case ScaleOutStorageOptions scaleOut:
                PostgresMetadataStore postgres;
                try
                {
                    postgres = await PostgresMetadataStore.OpenAsync(scaleOut.Postgres, clock, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is Npgsql.NpgsqlException or ArgumentException)
                {
                    throw new StorageConfigException($"storage.postgres: cannot open the metadata database: {ex.Message}", ex);
                }

                var s3 = new S3BlobStore(
                    S3BlobStore.CreateClient(scaleOut.S3.Endpoint, scaleOut.S3.AccessKey, scaleOut.S3.SecretKey, scaleOut.S3.Region),
                    scaleOut.S3.Bucket,
                    scaleOut.S3.Prefix);
                try
                {
                    await s3.CheckBucketAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is InvalidOperationException or Amazon.Runtime.AmazonServiceException or HttpRequestException)
                {
                    s3.Dispose();
                    await postgres.DisposeAsync().ConfigureAwait(false);
                    throw new StorageConfigException($"storage.s3: {ex.Message}", ex);
                }

                return new OpenedStorage(s3, postgres, async () =>
                {
                    s3.Dispose();
                    await postgres.DisposeAsync().ConfigureAwait(false);
                });
            default:
                throw new ArgumentException($"unknown storage options {options.GetType().Name}", nameof(options));
        }
    }

    public ValueTask DisposeAsync() => _close();
}
