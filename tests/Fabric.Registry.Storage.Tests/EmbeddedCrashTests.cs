using System.Diagnostics;
using Fabric.Registry.Manifests;
using Fabric.Registry.Storage.Embedded;
using Microsoft.Data.Sqlite;

namespace Fabric.Registry.Storage.Tests;

/// <summary>
/// Kills a real process (this assembly run as <see cref="CrashChild"/>) in the middle of writing to an embedded
/// store, then opens the store again as the next registry start would.
/// </summary>
public sealed class EmbeddedCrashTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("fabric-crash-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task AnUploadKilledHalfwayLeavesNoBlobAndTheNextOpenRemovesItsTempFile()
    {
        using var child = StartChild(CrashChild.WriteBlobMode, _directory);
        Assert.Equal(CrashChild.Ready, await ReadLineAsync(child));
        var partial = Assert.Single(Directory.EnumerateFiles(_directory, "*", SearchOption.AllDirectories));
        Assert.EndsWith(".tmp", partial);
        Assert.Equal(2_000_000, new FileInfo(partial).Length);

        child.Kill();
        await child.WaitForExitAsync();

        var bytes = TestData.Random(4_000_000, 31);
        var id = Symbols.SymbolId.Of(bytes);
        var before = new DirectoryBlobStore(_directory, staleTempAge: TimeSpan.FromDays(1));
        Assert.True(File.Exists(partial), "a young temp file is left alone");
        Assert.False(await before.ContainsAsync(id));
        Assert.Null(await before.OpenReadAsync(id));
        await foreach (var _ in before.ListAsync())
        {
            Assert.Fail("a partial upload is listed");
        }

        var reopened = new DirectoryBlobStore(_directory, staleTempAge: TimeSpan.Zero);
        Assert.False(File.Exists(partial));
        Assert.True(await reopened.PutAsync(id, new MemoryStream(bytes), bytes.Length));
        Assert.Equal(bytes, await File.ReadAllBytesAsync(reopened.PathOf(id)));
    }

    [Fact]
    public async Task APublisherKilledMidStreamLeavesEveryAcknowledgedManifestWholeAndNothingHalf()
    {
        using var child = StartChild(CrashChild.PublishMode, _directory);
        var acknowledged = -1;
        while (acknowledged < 15)
        {
            var line = await ReadLineAsync(child);
            Assert.StartsWith(CrashChild.Ready, line);
            acknowledged = int.Parse(line![(CrashChild.Ready.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        }

        // Somewhere inside the next publish: its uploads, its records or its transaction.
        await Task.Delay(new Random().Next(1, 30));
        child.Kill();
        await child.WaitForExitAsync();

        // Every publish the child reported before it died was acknowledged, so it must be there.
        foreach (var line in (await child.StandardOutput.ReadToEndAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            acknowledged = int.Parse(line[(CrashChild.Ready.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        }

        using (var connection = new SqliteConnection($"Data Source={Path.Combine(_directory, "registry.db")}"))
        {
            connection.Open();
            using var check = connection.CreateCommand();
            check.CommandText = "PRAGMA integrity_check";
            Assert.Equal("ok", check.ExecuteScalar());
        }

        var blobs = new DirectoryBlobStore(Path.Combine(_directory, "blobs"), staleTempAge: TimeSpan.Zero);
        var metadata = new SqliteMetadataStore(Path.Combine(_directory, "registry.db"));
        var names = new List<ManifestName>();
        await foreach (var name in metadata.ListManifestsAsync())
        {
            names.Add(name);
        }

        Assert.InRange(names.Count, acknowledged + 1, acknowledged + 2);
        foreach (var name in names)
        {
            var stored = await metadata.GetManifestAsync(name);
            var manifest = ManifestText.Parse(stored!.CanonicalBytes);
            Assert.Equal(20, manifest.Entries.Count);
            foreach (var entry in manifest.Entries)
            {
                Assert.NotNull(await metadata.GetSymbolAsync(entry.Symbol));
                await using var blob = await blobs.OpenReadAsync(entry.Symbol);
                Assert.NotNull(blob);
                Assert.Equal(entry.Symbol, await Symbols.SymbolId.OfAsync(blob));
            }
        }

        Assert.Empty(Directory.EnumerateFiles(_directory, "*.tmp", SearchOption.AllDirectories));
        Assert.Empty((await new BlobVerifier(blobs).VerifyAsync()).Corrupt);
    }

    private static Process StartChild(string mode, string directory)
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        var start = new ProcessStartInfo(dotnet) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(typeof(CrashChild).Assembly.Location);
        start.ArgumentList.Add(mode);
        start.ArgumentList.Add(directory);
        var child = Process.Start(start)!;
        child.ErrorDataReceived += (_, _) => { };
        child.BeginErrorReadLine();
        return child;
    }

    private static async Task<string?> ReadLineAsync(Process child)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var line = await child.StandardOutput.ReadLineAsync(timeout.Token);
        Assert.True(line is not null, $"the child exited ({(child.HasExited ? child.ExitCode : "running")}) without reporting");
        return line;
    }
}
