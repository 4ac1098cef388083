using Fabric.Registry.Manifests;
using Fabric.Registry.Storage.Embedded;
using Fabric.Registry.Symbols;

namespace Fabric.Registry.Storage.Tests;

/// <summary>
/// The entry point of this assembly when the crash tests start it as a child process (<c>dotnet
/// Fabric.Registry.Storage.Tests.dll MODE DIR</c>); the test host never calls it. Each mode writes to an embedded store
/// until it is killed.
/// </summary>
public static class CrashChild
{
    public const string WriteBlobMode = "crash-child-write-blob";
    public const string PublishMode = "crash-child-publish";
    public const string Ready = "READY";

    public static async Task<int> Main(string[] args)
    {
        if (args.Length != 2)
        {
            await Console.Error.WriteLineAsync($"usage: {WriteBlobMode}|{PublishMode} DIR");
            return 2;
        }

        switch (args[0])
        {
            case WriteBlobMode:
                // Half the blob arrives, then the upload stalls: the moment a crash leaves a partial temp file.
                var bytes = TestData.Random(4_000_000, 31);
                var stalled = new StallingStream(bytes, 2_000_000);
                await new DirectoryBlobStore(args[1]).PutAsync(SymbolId.Of(bytes), stalled, bytes.Length);
                return 1;
            case PublishMode:
                await PublishForeverAsync(args[1]);
                return 1;
            default:
                await Console.Error.WriteLineAsync($"unknown mode {args[0]}");
                return 2;
        }
    }

    /// <summary>Stores symbols and publishes a manifest naming them, over and over, reporting each publish.</summary>
    private static async Task PublishForeverAsync(string directory)
    {
        var blobs = new DirectoryBlobStore(Path.Combine(directory, "blobs"));
        var metadata = new SqliteMetadataStore(Path.Combine(directory, "registry.db"));
        for (var i = 0; ; i++)
        {
            var classes = Enumerable.Range(0, 20).Select(c => ($"com/app/C{c}", TestData.Random(2_000 + c, (i * 100) + c))).ToArray();
            foreach (var (path, bytes) in classes)
            {
                await blobs.PutAsync(SymbolId.Of(bytes), new MemoryStream(bytes), bytes.Length);
            }

            await metadata.RecordSymbolsAsync([.. classes.Select(c => TestData.Record(c.Item2, c.Item1))]);
            var parent = i == 0 ? null : ManifestName.Parse($"app:{i - 1}");
            await metadata.PublishManifestAsync(TestData.Manifest($"app:{i}", parent, classes));
            Console.WriteLine($"{Ready} {i}");
        }
    }

    private sealed class StallingStream(byte[] bytes, int stallAt) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => bytes.Length;

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_position >= stallAt)
            {
                // Flushed to the OS by now (the store writes through as it reads); tell the parent, then hang.
                Console.WriteLine(Ready);
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }

            var count = Math.Min(buffer.Length, stallAt - _position);
            bytes.AsMemory(_position, count).CopyTo(buffer);
            _position += count;
            return count;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
