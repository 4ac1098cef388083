using System.Net;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Fabric.Registry.Symbols;

namespace Fabric.Registry.Storage.ScaleOut;

/// <summary>
/// Blobs as objects in an S3-compatible bucket, keyed <c>{prefix}{64 hex}</c>.
/// <para>
/// How an unverified byte never becomes visible: the upload is spooled locally (memory for small blobs, a
/// delete-on-close temp file past <see cref="MemorySpoolLimit"/>) while it is hashed and its length checked, and only
/// verified bytes are sent, with one PutObject under the final key. S3 makes an object visible only once its PUT
/// completes, so readers never see a partial blob either. The alternative, uploading to a temp key and copying, would
/// move the bytes through the object store twice, need a read-back to verify, and leave temp keys behind after a crash;
/// spooling costs local disk the size of one blob, and blobs are class files.
/// </para>
/// </summary>
public sealed class S3BlobStore : IBlobStore, IDisposable
{
    public const int MemorySpoolLimit = 1 << 20;
    private const int BufferSize = 81920;

    private readonly IAmazonS3 _s3;
    private readonly string _bucket;
    private readonly string _prefix;

    public S3BlobStore(IAmazonS3 s3, string bucket, string prefix = "")
    {
        _s3 = s3;
        _bucket = bucket;
        _prefix = prefix;
    }

    /// <summary>A client for an S3-compatible endpoint (MinIO, s3rver, Ceph...): path-style addressing, and
    /// checksums only where S3 requires them, since not every compatible server speaks the newer trailing-checksum
    /// uploads.</summary>
    public static AmazonS3Client CreateClient(string endpoint, string accessKey, string secretKey, string region = "us-east-1") =>
        new(new BasicAWSCredentials(accessKey, secretKey), new AmazonS3Config
        {
            ServiceURL = endpoint,
            ForcePathStyle = true,
            AuthenticationRegion = region,
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        });

    public void Dispose() => _s3.Dispose();

    /// <summary>Fails with the reason when the bucket cannot be reached, so a misconfiguration shows at startup.</summary>
    public async Task CheckBucketAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await _s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = _bucket, MaxKeys = 1 }, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception ex)
        {
            throw new InvalidOperationException($"S3 bucket '{_bucket}' is not usable: {ex.StatusCode} {ex.ErrorCode} {ex.Message}", ex);
        }
    }

    public string KeyOf(SymbolId id) => _prefix + id.ToString();

    public async Task<bool> ContainsAsync(SymbolId id, CancellationToken cancellationToken = default)
    {
        try
        {
            await _s3.GetObjectMetadataAsync(_bucket, KeyOf(id), cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    public async Task<bool> PutAsync(SymbolId id, Stream content, long maxLength, CancellationToken cancellationToken = default)
    {
        if (await ContainsAsync(id, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        await using var spool = await SpoolVerifiedAsync(id, content, maxLength, cancellationToken).ConfigureAwait(false);
        spool.Position = 0;
        await _s3.PutObjectAsync(
            new PutObjectRequest
            {
                BucketName = _bucket,
                Key = KeyOf(id),
                InputStream = spool,
                AutoCloseStream = false,
                UseChunkEncoding = false,
                ContentType = "application/octet-stream",
            },
            cancellationToken).ConfigureAwait(false);
        return true;
    }

    public async Task<Stream?> OpenReadAsync(SymbolId id, CancellationToken cancellationToken = default)
    {
        try
        {
            var response = await _s3.GetObjectAsync(_bucket, KeyOf(id), cancellationToken).ConfigureAwait(false);
            return new ResponseStream(response);
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async IAsyncEnumerable<StoredBlob> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var request = new ListObjectsV2Request { BucketName = _bucket, Prefix = _prefix };
        while (true)
        {
            var page = await _s3.ListObjectsV2Async(request, cancellationToken).ConfigureAwait(false);
            foreach (var item in page.S3Objects ?? [])
            {
                var name = item.Key[_prefix.Length..];
                if (SymbolId.TryParse(name, out var id) && name == id.ToString())
                {
                    yield return new StoredBlob(id, item.Size ?? 0, new DateTimeOffset((item.LastModified ?? DateTime.UnixEpoch).ToUniversalTime(), TimeSpan.Zero));
                }
            }

            if (page.IsTruncated != true)
            {
                yield break;
            }

            request.ContinuationToken = page.NextContinuationToken;
        }
    }

    public async Task<bool> DeleteAsync(SymbolId id, CancellationToken cancellationToken = default)
    {
        // S3's DELETE succeeds whether or not the key exists; the answer has to come from a look first.
        if (!await ContainsAsync(id, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        await _s3.DeleteObjectAsync(_bucket, KeyOf(id), cancellationToken).ConfigureAwait(false);
        return true;
    }

    private static async Task<Stream> SpoolVerifiedAsync(SymbolId id, Stream content, long maxLength, CancellationToken cancellationToken)
    {
        Stream spool = new MemoryStream();
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long length = 0;
            int read;
            while ((read = await content.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken).ConfigureAwait(false)) > 0)
            {
                length += read;
                if (length > maxLength)
                {
                    throw new BlobTooLargeException(id, maxLength);
                }

                hash.AppendData(buffer, 0, read);
                if (spool is MemoryStream memory && length > MemorySpoolLimit)
                {
                    spool = await MoveToTempFileAsync(memory, cancellationToken).ConfigureAwait(false);
                }

                await spool.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }

            Span<byte> digest = stackalloc byte[SymbolId.ByteLength];
            hash.GetHashAndReset(digest);
            var actual = new SymbolId(digest);
            if (actual != id)
            {
                throw new SymbolHashMismatchException(id, actual);
            }

            return spool;
        }
        catch
        {
            await spool.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task<Stream> MoveToTempFileAsync(MemoryStream memory, CancellationToken cancellationToken)
    {
        var file = new FileStream(
            Path.Combine(Path.GetTempPath(), $"fabric-upload-{Guid.NewGuid():N}.tmp"),
            FileMode.CreateNew,
            FileAccess.ReadWrite,
            FileShare.None,
            BufferSize,
            FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        memory.Position = 0;
        await memory.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
        await memory.DisposeAsync().ConfigureAwait(false);
        return file;
    }

    /// <summary>The object's body; disposing it releases the HTTP response too.</summary>
    private sealed class ResponseStream(GetObjectResponse response) : Stream
    {
        private readonly Stream _inner = response.ResponseStream;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => response.ContentLength;

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => _inner.ReadAsync(buffer, cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => _inner.ReadAsync(buffer, offset, count, cancellationToken);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _inner.Dispose();
                response.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
