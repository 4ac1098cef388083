using System.Security.Cryptography;
using Fabric.Registry.Symbols;

namespace Fabric.Registry.Storage;

/// <summary>
/// Re-hashes every stored blob. A blob is only written when its bytes hash to its ID, so a mismatch here means the
/// storage changed it afterwards (bit rot, a stray write, a bad restore); the report names each one so an operator
/// can delete it and have it re-uploaded. Given the metadata store, it also names the symbols a manifest needs whose
/// blobs are gone (a lost file, a partial restore).
/// </summary>
public sealed class BlobVerifier(IBlobStore blobs, IMetadataStore? metadata = null)
{
    public async Task<VerificationReport> VerifyAsync(CancellationToken cancellationToken = default)
    {
        var corrupt = new List<CorruptBlob>();
        var checkedCount = 0;
        long bytes = 0;

        // Roots first: a manifest published during the walk then has its blobs walked too.
        var needed = metadata is null ? null : new HashSet<SymbolId>(await metadata.GetReferencedSymbolsAsync(cancellationToken).ConfigureAwait(false));
        await foreach (var blob in blobs.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            needed?.Remove(blob.Id);
            var stream = await blobs.OpenReadAsync(blob.Id, cancellationToken).ConfigureAwait(false);
            if (stream is null)
            {
                // Collected between the listing and now: nothing left to be corrupt.
                continue;
            }

            await using (stream.ConfigureAwait(false))
            {
                var counter = new CountingStream(stream);
                var actual = new SymbolId(await SHA256.HashDataAsync(counter, cancellationToken).ConfigureAwait(false));
                checkedCount++;
                bytes += counter.Count;
                if (actual != blob.Id)
                {
                    corrupt.Add(new CorruptBlob(blob.Id, actual, counter.Count));
                }
            }
        }

        return new VerificationReport(checkedCount, bytes, corrupt, [.. (needed ?? []).Order()]);
    }

    private sealed class CountingStream(Stream inner) : Stream
    {
        public long Count { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var read = inner.Read(buffer, offset, count);
            Count += read;
            return read;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            Count += read;
            return read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

/// <param name="Missing">Symbols a manifest names whose blob is not stored (only when the verifier has the
/// metadata store).</param>
public sealed record VerificationReport(int Checked, long Bytes, IReadOnlyList<CorruptBlob> Corrupt, IReadOnlyList<SymbolId> Missing);

/// <summary>A blob stored under <paramref name="Id"/> whose bytes now hash to <paramref name="Actual"/>.</summary>
public sealed record CorruptBlob(SymbolId Id, SymbolId Actual, long Length);
