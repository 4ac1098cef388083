using Fabric.Registry.Dependencies;
using Fabric.Registry.Manifests;
using Fabric.Registry.Publishing;
using Fabric.Registry.Signing;
using Fabric.Registry.Storage;
using Fabric.Registry.Storage.Embedded;
using Fabric.Registry.Symbolization;
using Fabric.Registry.Tests.Support;

namespace Fabric.Registry.Tests.Publishing;

/// <summary>The publisher against the real embedded stores (SQLite metadata, blob directory).</summary>
public sealed class PublisherTests : IDisposable
{
    private readonly TempDir _temp = new();
    private readonly DirectoryBlobStore _blobs;
    private readonly SqliteMetadataStore _metadata;
    private readonly SigningKey _key = SigningKey.Generate();
    private readonly TrustSet _trust;
    private readonly Publisher _publisher;

    private static readonly ManifestName Base = ManifestName.Parse("team/resolver-api:1.6.3");
    private static readonly string Api = DebianJars.Require("maven-resolver-api.jar");
    private static readonly string Util = DebianJars.Require("maven-resolver-util.jar");

    public PublisherTests()
    {
        _blobs = new DirectoryBlobStore(_temp["blobs"]);
        _metadata = new SqliteMetadataStore(_temp["registry.db"]);
        _trust = TrustSet.FromPems([_key.PublicKeyPem]);
        _publisher = new Publisher(_blobs, _metadata, _key, PlatformClasses.Load(Jdk.Home17, _temp["cache"]), _trust);
    }

    public void Dispose()
    {
        _key.Dispose();
        _trust.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _temp.Dispose();
    }

    [Fact]
    public async Task PublishesOnceAndRepublishingUploadsNothing()
    {
        var progress = new RecordingProgress();
        var first = await _publisher.PublishAsync(new PublishRequest(Base, [Api]), progress);
        var release = new Symbolizer().Symbolize([Api]);
        var distinct = release.DistinctBlobs;

        Assert.Equal(PublishOutcome.Published, first.Outcome);
        Assert.Equal(release.Symbols.Count, first.SymbolsTotal);
        Assert.Equal(distinct.Count, first.NewSymbols);
        Assert.Equal(distinct.Sum(s => s.Length), first.BytesUploaded);
        Assert.Equal(_key.KeyId, first.KeyId);
        await foreach (var blob in _blobs.ListAsync())
        {
            Assert.Contains(distinct, s => s.Id == blob.Id && s.Length == blob.Length);
        }

        foreach (var symbol in distinct)
        {
            Assert.True(await _blobs.ContainsAsync(symbol.Id));
            var record = await _metadata.GetSymbolAsync(symbol.Id);
            Assert.NotNull(record);
            Assert.Equal(symbol.References, record.References);
        }

        var stored = await _metadata.GetManifestAsync(Base);
        Assert.NotNull(stored);
        _trust.Verify(stored);
        var manifest = ManifestText.Parse(stored.CanonicalBytes);
        Assert.Equal(release.Entries, manifest.Entries);
        Assert.Equal(release.Metadata["maven"], manifest.Metadata["maven"]);

        Assert.Equal(PublishStage.Symbolizing, progress.Reports[0].Stage);
        Assert.Equal(PublishStage.Done, progress.Reports[^1].Stage);
        var lastUpload = progress.Reports.Last(r => r.Stage == PublishStage.Uploading);
        Assert.Equal((lastUpload.Total, first.BytesUploaded), (lastUpload.Done, lastUpload.BytesUploaded));

        var again = await _publisher.PublishAsync(new PublishRequest(Base, [Api]));
        Assert.Equal(PublishOutcome.AlreadyPublished, again.Outcome);
        Assert.Equal(0, again.BytesUploaded);
        Assert.Equal(0, again.NewSymbols);
        Assert.Equal(again.SymbolsTotal, again.DeduplicatedSymbols);

        // The same bytes under another name share every blob.
        var copy = await _publisher.PublishAsync(new PublishRequest(ManifestName.Parse("team/copy:1"), [Api]));
        Assert.Equal(PublishOutcome.Published, copy.Outcome);
        Assert.Equal(0, copy.BytesUploaded);
    }

    [Fact]
    public async Task AnIncompleteReleaseIsRefusedAndNothingIsWritten()
    {
        var name = ManifestName.Parse("util-alone:1");
        var e = await Assert.ThrowsAsync<IncompleteClosureException>(() => _publisher.PublishAsync(new PublishRequest(name, [Util])));
        Assert.Contains("org/eclipse/aether/", e.Message);
        Assert.Null(await _metadata.GetManifestAsync(name));
        await foreach (var blob in _blobs.ListAsync())
        {
            Assert.Fail($"blob {blob.Id} was stored for a refused release");
        }

        var ids = new Symbolizer().Symbolize([Util]).DistinctBlobs.Select(s => s.Id).ToList();
        Assert.Equal(ids.Count, (await _metadata.FindMissingAsync(ids)).Count);
    }

    [Fact]
    public async Task AForkResolvesThroughItsParentAndServesClosures()
    {
        await _publisher.PublishAsync(new PublishRequest(Base, [Api]));
        var fork = ManifestName.Parse("team/resolver-util:1.6.3");
        var summary = await _publisher.PublishAsync(new PublishRequest(
            fork, [Util], Base, new Dictionary<string, string> { ["built-by"] = "tests" }));
        Assert.Equal(PublishOutcome.Published, summary.Outcome);

        var chain = await ManifestChain.LoadAsync(_metadata, fork, _trust);
        Assert.Equal([fork, Base], chain.Manifests.Select(m => m.Name));
        Assert.Equal(Base, chain.Manifests[0].Parent);
        Assert.Equal("tests", chain.Manifests[0].Metadata["built-by"]);

        // The stored manifest re-checks from the store's recorded references: complete with its parent only.
        var platform = PlatformClasses.Load(Jdk.Home17, _temp["cache"]);
        var graph = await ClosureCheck.GraphOfAsync(chain.Manifests[0], ClassClosure.FromStore(_metadata));
        Assert.Equal(chain.Manifests[0].Entries.Count(e => e.Kind == Fabric.Registry.Symbols.SymbolKind.Class), graph.Classes.Count);
        Assert.True(ClosureCheck.Check(graph, new ManifestChain([chain.Manifests[1]]), platform).IsComplete);
        Assert.Contains(ClosureCheck.Check(graph, ManifestChain.Empty, platform).Missing, m => m.ClassName.StartsWith("org/eclipse/aether/artifact/", StringComparison.Ordinal));

        // A util class whose closure reaches into the parent's API classes.
        var release = new Symbolizer().Symbolize([Util]);
        var root = release.Classes.Values.First(c => c.References.Any(r => r.StartsWith("org/eclipse/aether/artifact/", StringComparison.Ordinal))).Name;
        var closure = await ClassClosure.FromClassAsync(chain, root, ClassClosure.FromStore(_metadata));
        Assert.Equal(root, closure[0].Path);
        Assert.Contains(closure, e => e.Path.StartsWith("org/eclipse/aether/artifact/", StringComparison.Ordinal));
        Assert.All(closure, e => Assert.True(chain.TryResolveClass(e.Path, out var resolved) && resolved == e));
    }

    [Fact]
    public async Task ATakenNameOrAMissingParentIsRefusedBeforeUploading()
    {
        await _publisher.PublishAsync(new PublishRequest(Base, [Api]));
        var blobsBefore = await CountBlobs();

        await Assert.ThrowsAsync<ManifestConflictException>(() => _publisher.PublishAsync(new PublishRequest(Base, [Util, Api])));
        Assert.Equal(blobsBefore, await CountBlobs());

        var e = await Assert.ThrowsAsync<ManifestChainException>(() =>
            _publisher.PublishAsync(new PublishRequest(ManifestName.Parse("fork:1"), [Util], ManifestName.Parse("team/nope:1"))));
        Assert.Contains("team/nope:1", e.Message);
        Assert.Equal(blobsBefore, await CountBlobs());

        await Assert.ThrowsAsync<SymbolizationException>(() =>
            _publisher.PublishAsync(new PublishRequest(ManifestName.Parse("broken:1"), [_temp["missing.jar"]])));
    }

    [Fact]
    public async Task AParentSignedByAnUntrustedKeyIsRefused()
    {
        using var stranger = SigningKey.Generate();
        var strangerPublisher = new Publisher(_blobs, _metadata, stranger, PlatformClasses.Load(Jdk.Home17, _temp["cache"]));
        await strangerPublisher.PublishAsync(new PublishRequest(Base, [Api]));
        var e = await Assert.ThrowsAsync<ManifestSignatureException>(() =>
            _publisher.PublishAsync(new PublishRequest(ManifestName.Parse("fork:1"), [Util], Base)));
        Assert.Contains("not trusted", e.Message);
    }

    [Fact]
    public async Task ABlobDeletedByACollectionDuringPublishingIsStoredAgain()
    {
        // The real blob store, with one blob deleted right after its first put: what a concurrent sweep of an old
        // record of the same bytes does.
        var release = new Symbolizer().Symbolize([Api]);
        var victim = release.DistinctBlobs.First();
        var racing = new DeleteAfterFirstPut(_blobs, victim.Id);
        var publisher = new Publisher(racing, _metadata, _key, PlatformClasses.Load(Jdk.Home17, _temp["cache"]));
        var summary = await publisher.PublishAsync(new PublishRequest(Base, [Api]));
        Assert.True(racing.Deleted);
        Assert.True(await _blobs.ContainsAsync(victim.Id));
        Assert.Equal(release.DistinctBlobs.Sum(s => s.Length) + victim.Length, summary.BytesUploaded);
    }

    private sealed class DeleteAfterFirstPut(IBlobStore inner, Fabric.Registry.Symbols.SymbolId victim) : IBlobStore
    {
        public bool Deleted { get; private set; }

        public Task<bool> ContainsAsync(Fabric.Registry.Symbols.SymbolId id, CancellationToken cancellationToken = default) => inner.ContainsAsync(id, cancellationToken);

        public async Task<bool> PutAsync(Fabric.Registry.Symbols.SymbolId id, Stream content, long maxLength, CancellationToken cancellationToken = default)
        {
            var wrote = await inner.PutAsync(id, content, maxLength, cancellationToken);
            if (id == victim && !Deleted)
            {
                Deleted = await inner.DeleteAsync(id, cancellationToken);
            }

            return wrote;
        }

        public Task<Stream?> OpenReadAsync(Fabric.Registry.Symbols.SymbolId id, CancellationToken cancellationToken = default) => inner.OpenReadAsync(id, cancellationToken);

        public IAsyncEnumerable<StoredBlob> ListAsync(CancellationToken cancellationToken = default) => inner.ListAsync(cancellationToken);

        public Task<bool> DeleteAsync(Fabric.Registry.Symbols.SymbolId id, CancellationToken cancellationToken = default) => inner.DeleteAsync(id, cancellationToken);
    }

    private async Task<int> CountBlobs()
    {
        var count = 0;
        await foreach (var unused in _blobs.ListAsync())
        {
            count++;
        }

        return count;
    }

    private sealed class RecordingProgress : IProgress<PublishProgress>
    {
        public List<PublishProgress> Reports { get; } = [];

        public void Report(PublishProgress value) => Reports.Add(value);
    }
}
