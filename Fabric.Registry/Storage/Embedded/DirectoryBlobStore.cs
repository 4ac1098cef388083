using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Fabric.Registry.Symbols;

namespace Fabric.Registry.Storage.Embedded;

/// <summary>
/// Blobs as files in a sharded directory: <c>{root}/ab/cd/abcd…</c> (the first two bytes of the ID pick the
/// directories, so no directory grows past 65,536 entries). A blob is written to a temp file beside its final place,
/// fsynced, renamed without replacing (link semantics) and the directory fsynced, so a crash leaves either the
/// whole verified blob or an invisible temp file that the next open removes.
/// </summary>
public sealed class DirectoryBlobStore : IBlobStore
{
    private const string TempSuffix = ".tmp";
    private const int BufferSize = 81920;

    private readonly string _root;

    /// <param name="root">The directory; created when missing.</param>
    /// <param name="staleTempAge">Temp files older than this are left over from a crash and are deleted when the
    /// store opens. Younger ones may belong to another process writing right now, so they stay.</param>
    public DirectoryBlobStore(string root, TimeSpan? staleTempAge = null)
    {
        _root = Path.GetFullPath(root);
        Directory.CreateDirectory(_root);
        RemoveStaleTempFiles(DateTime.UtcNow - (staleTempAge ?? TimeSpan.FromMinutes(10)));
    }

    public string Root => _root;

    /// <summary>Where the blob lives (or would live).</summary>
    public string PathOf(SymbolId id)
    {
        var hex = id.ToString();
        return Path.Combine(_root, hex[..2], hex[2..4], hex);
    }

    public Task<bool> ContainsAsync(SymbolId id, CancellationToken cancellationToken = default) =>
        Task.FromResult(File.Exists(PathOf(id)));

    public async Task<bool> PutAsync(SymbolId id, Stream content, long maxLength, CancellationToken cancellationToken = default)
    {
        var final = PathOf(id);
        if (TouchIfPresent(final))
        {
            return false;
        }

        var directory = Path.GetDirectoryName(final)!;
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, $"{id}.{Guid.NewGuid():N}{TempSuffix}");
        try
        {
            await WriteVerifiedAsync(id, content, maxLength, temp, cancellationToken).ConfigureAwait(false);
            try
            {
                File.Move(temp, final, overwrite: false);
            }
            catch (IOException) when (File.Exists(final))
            {
                // A concurrent put of the same ID won; its bytes are the same bytes.
                File.Delete(temp);
                return false;
            }

            FsyncDirectory(directory);
            return true;
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    public Task<Stream?> OpenReadAsync(SymbolId id, CancellationToken cancellationToken = default)
    {
        try
        {
            Stream stream = new FileStream(PathOf(id), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, BufferSize, FileOptions.Asynchronous | FileOptions.SequentialScan);
            return Task.FromResult<Stream?>(stream);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return Task.FromResult<Stream?>(null);
        }
    }

    public async IAsyncEnumerable<StoredBlob> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var first in SafeEnumerate(_root))
        {
            foreach (var second in SafeEnumerate(first))
            {
                cancellationToken.ThrowIfCancellationRequested();
                foreach (var file in new DirectoryInfo(second).EnumerateFiles())
                {
                    // Temp files and anything foreign are not blobs.
                    if (SymbolId.TryParse(file.Name, out var id) && file.Name == id.ToString())
                    {
                        yield return new StoredBlob(id, file.Length, new DateTimeOffset(file.LastWriteTimeUtc, TimeSpan.Zero));
                    }
                }

                await Task.Yield();
            }
        }
    }

    public Task<bool> DeleteAsync(SymbolId id, CancellationToken cancellationToken = default)
    {
        var path = PathOf(id);
        if (!File.Exists(path))
        {
            return Task.FromResult(false);
        }

        File.Delete(path);
        return Task.FromResult(true);
    }

    private static async Task WriteVerifiedAsync(SymbolId id, Stream content, long maxLength, string temp, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            await using var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 0, FileOptions.Asynchronous);
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
                await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }

            Span<byte> digest = stackalloc byte[SymbolId.ByteLength];
            hash.GetHashAndReset(digest);
            var actual = new SymbolId(digest);
            if (actual != id)
            {
                throw new SymbolHashMismatchException(id, actual);
            }

            file.Flush(flushToDisk: true);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>An upload of a blob already held restarts its garbage-collection grace period, so a publisher that
    /// re-sends a blob a collection is about to judge keeps it.</summary>
    private static bool TouchIfPresent(string path)
    {
        try
        {
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow);
            return true;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }
    }

    private void RemoveStaleTempFiles(DateTime olderThan)
    {
        foreach (var first in SafeEnumerate(_root))
        {
            foreach (var second in SafeEnumerate(first))
            {
                foreach (var file in new DirectoryInfo(second).EnumerateFiles("*" + TempSuffix))
                {
                    if (file.LastWriteTimeUtc < olderThan)
                    {
                        TryDelete(file.FullName);
                    }
                }
            }
        }
    }

    private static IEnumerable<string> SafeEnumerate(string directory) =>
        Directory.Exists(directory)
            ? Directory.EnumerateDirectories(directory).Where(d => Path.GetFileName(d) is { Length: 2 } n && Uri.IsHexDigit(n[0]) && Uri.IsHexDigit(n[1]))
            : [];

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Left for the next open to clean; it is invisible to readers either way.
        }
    }

    /// <summary>The rename is durable only once the directory entry is on disk; .NET has no API for that.</summary>
    private static void FsyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return;
        }

        var fd = NativeMethods.open(directory, NativeMethods.O_RDONLY);
        if (fd < 0)
        {
            return;
        }

        try
        {
            NativeMethods.fsync(fd);
        }
        finally
        {
            NativeMethods.close(fd);
        }
    }

    private static partial class NativeMethods
    {
        public const int O_RDONLY = 0;

        [DllImport("libc", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
        public static extern int open(string path, int flags);

        [DllImport("libc", SetLastError = true)]
        public static extern int fsync(int fd);

        [DllImport("libc", SetLastError = true)]
        public static extern int close(int fd);
    }
}
