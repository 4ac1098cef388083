using Fabric.Registry.Manifests;
using Fabric.Registry.Symbols;
using static Fabric.Registry.Storage.Tests.TestData;

namespace Fabric.Registry.Storage.Tests;

/// <summary>
/// What every storage backend must do, run against each one (embedded; PostgreSQL + S3). A backend passes only by
/// behaving, since each test reads back through the same public interfaces a registry uses.
/// </summary>
public abstract class StorageContractTests
{
    protected abstract Task<StorageUnderTest> CreateAsync();

    [Fact]
    public async Task BlobsArePutReadListedAndDeleted()
    {
        await using var s = await CreateAsync();
        var a = Bytes("class A");
        var b = Random(300_000, 1);
        var idA = SymbolId.Of(a);
        var idB = SymbolId.Of(b);
        Assert.False(await s.Blobs.ContainsAsync(idA));
        Assert.Null(await s.Blobs.OpenReadAsync(idA));

        Assert.True(await s.Blobs.PutAsync(idA, new MemoryStream(a), 1 << 20));
        Assert.True(await s.Blobs.PutAsync(idB, new MemoryStream(b), 1 << 20));

        Assert.True(await s.Blobs.ContainsAsync(idA));
        Assert.Equal(a, await ReadAllAsync(s.Blobs, idA));
        Assert.Equal(b, await ReadAllAsync(s.Blobs, idB));
        var listed = await ListAsync(s.Blobs);
        Assert.Equal(new[] { idA, idB }.Order(), listed.Select(x => x.Id).Order());
        Assert.Equal(b.Length, listed.Single(x => x.Id == idB).Length);
        Assert.All(listed, x => Assert.InRange(x.StoredAt, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(5)));

        Assert.True(await s.Blobs.DeleteAsync(idA));
        Assert.False(await s.Blobs.DeleteAsync(idA));
        Assert.False(await s.Blobs.ContainsAsync(idA));
        Assert.Null(await s.Blobs.OpenReadAsync(idA));
        Assert.Equal([idB], (await ListAsync(s.Blobs)).Select(x => x.Id));
    }

    [Fact]
    public async Task ABlobWhoseBytesDoNotHashToItsIdIsRefusedAndLeavesNothing()
    {
        await using var s = await CreateAsync();
        var claimed = SymbolId.Of(Bytes("what the client said"));
        var sent = Random(200_000, 2);

        var refused = await Assert.ThrowsAsync<SymbolHashMismatchException>(() => s.Blobs.PutAsync(claimed, new MemoryStream(sent), 1 << 20));

        Assert.Equal(SymbolId.Of(sent), refused.Actual);
        Assert.False(await s.Blobs.ContainsAsync(claimed));
        Assert.False(await s.Blobs.ContainsAsync(SymbolId.Of(sent)));
        Assert.Null(await s.Blobs.OpenReadAsync(claimed));
        Assert.Empty(await ListAsync(s.Blobs));
        await AssertNothingElseStoredAsync(s);
    }

    [Fact]
    public async Task ABlobPastTheLimitIsRefusedAndLeavesNothing()
    {
        await using var s = await CreateAsync();
        var bytes = Random(100_001, 3);
        var id = SymbolId.Of(bytes);

        await Assert.ThrowsAsync<BlobTooLargeException>(() => s.Blobs.PutAsync(id, new MemoryStream(bytes), bytes.Length - 1));
        Assert.False(await s.Blobs.ContainsAsync(id));
        Assert.Empty(await ListAsync(s.Blobs));
        await AssertNothingElseStoredAsync(s);

        Assert.True(await s.Blobs.PutAsync(id, new MemoryStream(bytes), bytes.Length));
        Assert.Equal(bytes, await ReadAllAsync(s.Blobs, id));
    }

    [Fact]
    public async Task PuttingABlobAgainIsANoOp()
    {
        await using var s = await CreateAsync();
        var bytes = Bytes("same bytes");
        var id = SymbolId.Of(bytes);

        Assert.True(await s.Blobs.PutAsync(id, new MemoryStream(bytes), 1024));
        Assert.False(await s.Blobs.PutAsync(id, new MemoryStream(bytes), 1024));

        Assert.Equal(bytes, await ReadAllAsync(s.Blobs, id));
        Assert.Single(await ListAsync(s.Blobs));
    }

    [Fact]
    public async Task ConcurrentPutsOfOneBlobAllSucceedAndStoreItOnce()
    {
        await using var s = await CreateAsync();
        var bytes = Random(2_000_000, 4);
        var id = SymbolId.Of(bytes);

        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() => s.Blobs.PutAsync(id, new MemoryStream(bytes), bytes.Length))));

        Assert.Contains(true, results);
        Assert.Equal(bytes, await ReadAllAsync(s.Blobs, id));
        Assert.Equal([id], (await ListAsync(s.Blobs)).Select(x => x.Id));
        await AssertNothingElseStoredAsync(s);
    }

    [Fact]
    public async Task SymbolsAreRecordedOnceAndFindMissingNamesTheOthers()
    {
        await using var s = await CreateAsync();
        var a = Record(Bytes("a"), "com/app/A") with { References = ["java/lang/Object", "com/app/B"] };
        var b = Record(Bytes("b"), "META-INF/b.properties") with { Kind = SymbolKind.Resource, References = [] };
        await s.Metadata.RecordSymbolsAsync([a, b]);
        await s.Metadata.RecordSymbolsAsync([a with { Name = "com/other/A" }]);

        var stored = await s.Metadata.GetSymbolAsync(a.Id);
        Assert.NotNull(stored);
        Assert.Equal("com/app/A", stored.Name);
        Assert.Equal(SymbolKind.Class, stored.Kind);
        Assert.Equal(a.Length, stored.Length);
        Assert.Equal(["java/lang/Object", "com/app/B"], stored.References);
        var resource = await s.Metadata.GetSymbolAsync(b.Id);
        Assert.Equal(SymbolKind.Resource, resource!.Kind);
        Assert.Empty(resource.References);

        var unknown = SymbolId.Of(Bytes("unknown"));
        Assert.Null(await s.Metadata.GetSymbolAsync(unknown));
        Assert.Equal([unknown], await s.Metadata.FindMissingAsync([a.Id, unknown, b.Id]));
        Assert.Empty(await s.Metadata.FindMissingAsync([]));
    }

    [Fact]
    public async Task ThousandsOfSymbolsGoThroughOneCallEach()
    {
        await using var s = await CreateAsync();
        var held = Enumerable.Range(0, 3000).Select(i => Bytes($"held {i}")).ToArray();
        var lacking = Enumerable.Range(0, 3000).Select(i => SymbolId.Of(Bytes($"lacking {i}"))).ToArray();
        await s.Metadata.RecordSymbolsAsync([.. held.Select((b, i) => Record(b, $"com/app/C{i}"))]);

        var missing = await s.Metadata.FindMissingAsync([.. held.Select(b => SymbolId.Of(b)), .. lacking]);

        Assert.Equal(lacking.Order(), missing.Order());
        var big = Manifest("big:1", null, [.. held.Select((b, i) => ($"com/app/C{i}", b))]);
        Assert.Equal(PublishOutcome.Published, await s.Metadata.PublishManifestAsync(big));
        Assert.Equal(3000, (await s.Metadata.GetReferencedSymbolsAsync()).Count);
    }

    [Fact]
    public async Task ManifestsArePublishedReadAndListed()
    {
        await using var s = await CreateAsync();
        var main = Bytes("Main");
        var util = Bytes("Util");
        await s.Metadata.RecordSymbolsAsync([Record(main, "com/app/Main"), Record(util, "com/app/Util")]);
        var app = Manifest("app:1.0", null, ("com/app/Main", main), ("com/app/Util", util));
        var team = Manifest("team/svc:2", null, ("com/app/Main", main));

        Assert.Equal(PublishOutcome.Published, await s.Metadata.PublishManifestAsync(app));
        Assert.Equal(PublishOutcome.Published, await s.Metadata.PublishManifestAsync(team));

        var read = await s.Metadata.GetManifestAsync(ManifestName.Parse("default/app:1.0"));
        Assert.NotNull(read);
        Assert.Equal(app.CanonicalBytes, read.CanonicalBytes);
        Assert.Equal(app.Signature, read.Signature);
        Assert.Equal(app.KeyId, read.KeyId);
        Assert.Equal(app.PublishedAt, read.PublishedAt);
        Assert.Equal(app.Name, read.Name);
        Assert.Null(await s.Metadata.GetManifestAsync(ManifestName.Parse("app:2.0")));

        Assert.Equal([app.Name, team.Name], await ToListAsync(s.Metadata.ListManifestsAsync()));
        Assert.Equal([team.Name], await ToListAsync(s.Metadata.ListManifestsAsync("team")));
        Assert.Empty(await ToListAsync(s.Metadata.ListManifestsAsync("nobody")));
        Assert.Equal(new[] { SymbolId.Of(main), SymbolId.Of(util) }.Order(), (await s.Metadata.GetReferencedSymbolsAsync()).Order());
    }

    [Fact]
    public async Task TheSameBytesAgainAreAlreadyPublishedAndOtherBytesConflict()
    {
        await using var s = await CreateAsync();
        var v1 = Bytes("v1");
        var v2 = Bytes("v2");
        await s.Metadata.RecordSymbolsAsync([Record(v1, "com/app/Main"), Record(v2, "com/app/Main")]);
        var first = Manifest("app:1", null, ("com/app/Main", v1));
        Assert.Equal(PublishOutcome.Published, await s.Metadata.PublishManifestAsync(first));

        Assert.Equal(PublishOutcome.AlreadyPublished, await s.Metadata.PublishManifestAsync(first with { Signature = [0x30, 0x09] }));
        var conflict = await Assert.ThrowsAsync<ManifestConflictException>(() => s.Metadata.PublishManifestAsync(Manifest("app:1", null, ("com/app/Main", v2))));

        Assert.Equal(first.Name, conflict.Name);
        var kept = await s.Metadata.GetManifestAsync(first.Name);
        Assert.Equal(first.CanonicalBytes, kept!.CanonicalBytes);
        Assert.Equal(first.Signature, kept.Signature);
        Assert.Equal([SymbolId.Of(v1)], await s.Metadata.GetReferencedSymbolsAsync());
    }

    [Fact]
    public async Task ConcurrentPublishesOfOneNameHaveOneWinner()
    {
        await using var s = await CreateAsync();
        var versions = Enumerable.Range(0, 6).Select(i => Bytes($"version {i}")).ToArray();
        await s.Metadata.RecordSymbolsAsync([.. versions.Select(v => Record(v, "com/app/Main"))]);

        var same = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() => s.Metadata.PublishManifestAsync(Manifest("same:1", null, ("com/app/Main", versions[0]))))));
        Assert.Equal(1, same.Count(o => o == PublishOutcome.Published));
        Assert.Equal(5, same.Count(o => o == PublishOutcome.AlreadyPublished));

        var attempts = versions.Select(v => Task.Run(() => s.Metadata.PublishManifestAsync(Manifest("race:1", null, ("com/app/Main", v))))).ToArray();
        var outcomes = await Task.WhenAll(attempts.Select(async t =>
        {
            try
            {
                return await t;
            }
            catch (ManifestConflictException)
            {
                return (PublishOutcome?)null;
            }
        }));
        Assert.Equal(1, outcomes.Count(o => o == PublishOutcome.Published));
        Assert.Equal(5, outcomes.Count(o => o is null));
        Assert.Single(await ToListAsync(s.Metadata.ListManifestsAsync()), n => n.Name == "race");
    }

    [Fact]
    public async Task AManifestNamingWhatTheRegistryLacksIsRefusedWhole()
    {
        await using var s = await CreateAsync();
        var held = Bytes("held");
        var lacking = Bytes("never uploaded");
        await s.Metadata.RecordSymbolsAsync([Record(held, "com/app/Held")]);

        var incomplete = await Assert.ThrowsAsync<ManifestIncompleteException>(() =>
            s.Metadata.PublishManifestAsync(Manifest("app:1", null, ("com/app/Held", held), ("com/app/Lacking", lacking))));
        Assert.Equal([$"symbol {SymbolId.Of(lacking)}"], incomplete.Missing);
        Assert.Contains(SymbolId.Of(lacking).ToString(), incomplete.Message);

        var orphan = await Assert.ThrowsAsync<ManifestIncompleteException>(() =>
            s.Metadata.PublishManifestAsync(Manifest("fork:1", ManifestName.Parse("app:0"), ("com/app/Held", held))));
        Assert.Equal(["parent manifest default/app:0"], orphan.Missing);

        Assert.Null(await s.Metadata.GetManifestAsync(ManifestName.Parse("app:1")));
        Assert.Empty(await ToListAsync(s.Metadata.ListManifestsAsync()));
        Assert.Empty(await s.Metadata.GetReferencedSymbolsAsync());
    }

    [Fact]
    public async Task AForkIsPublishedOnItsParentAndBothAreRoots()
    {
        await using var s = await CreateAsync();
        var baseMain = Bytes("base main");
        var forkMain = Bytes("fork main");
        await s.Metadata.RecordSymbolsAsync([Record(baseMain, "com/app/Main"), Record(forkMain, "com/app/Main")]);
        await s.Metadata.PublishManifestAsync(Manifest("base:1", null, ("com/app/Main", baseMain)));

        Assert.Equal(PublishOutcome.Published, await s.Metadata.PublishManifestAsync(Manifest("fork:1", ManifestName.Parse("base:1"), ("com/app/Main", forkMain))));

        Assert.Equal(new[] { SymbolId.Of(baseMain), SymbolId.Of(forkMain) }.Order(), (await s.Metadata.GetReferencedSymbolsAsync()).Order());
    }

    [Fact]
    public async Task BytesThatAreNotTheNamedManifestAreRefused()
    {
        await using var s = await CreateAsync();
        var good = Manifest("app:1", null);
        await Assert.ThrowsAsync<ArgumentException>(() => s.Metadata.PublishManifestAsync(good with { Name = ManifestName.Parse("other:1") }));
        await Assert.ThrowsAsync<FormatException>(() => s.Metadata.PublishManifestAsync(good with { CanonicalBytes = Bytes("not a manifest\n") }));
        Assert.Empty(await ToListAsync(s.Metadata.ListManifestsAsync()));
    }

    [Fact]
    public async Task ForgottenSymbolsAreMissingAgain()
    {
        await using var s = await CreateAsync();
        var a = Record(Bytes("a"), "A");
        var b = Record(Bytes("b"), "B");
        await s.Metadata.RecordSymbolsAsync([a, b]);

        await s.Metadata.ForgetSymbolsAsync([a.Id]);

        Assert.Null(await s.Metadata.GetSymbolAsync(a.Id));
        Assert.NotNull(await s.Metadata.GetSymbolAsync(b.Id));
        Assert.Equal([a.Id], await s.Metadata.FindMissingAsync([a.Id, b.Id]));
    }

    [Fact]
    public async Task CollectionRemovesOnlyOldUnreferencedBlobsAndADryRunRemovesNothing()
    {
        await using var s = await CreateAsync();
        var baseMain = Bytes("base main");
        var forkOnly = Bytes("fork only");
        var unreferenced = Random(10_000, 11);
        var orphan = Random(5_000, 12);
        await StoreAsync(s, baseMain, "com/app/Main");
        await StoreAsync(s, forkOnly, "com/app/Fork");
        await StoreAsync(s, unreferenced, "com/app/Gone");
        await s.Blobs.PutAsync(SymbolId.Of(orphan), new MemoryStream(orphan), orphan.Length);
        await s.Metadata.PublishManifestAsync(Manifest("base:1", null, ("com/app/Main", baseMain)));
        await s.Metadata.PublishManifestAsync(Manifest("fork:1", ManifestName.Parse("base:1"), ("com/app/Fork", forkOnly)));
        s.Clock.Advance(TimeSpan.FromHours(2));
        var collector = new GarbageCollector(s.Blobs, s.Metadata, new GarbageCollectorOptions { GracePeriod = TimeSpan.FromHours(1) }, s.Clock);
        var garbage = new[] { SymbolId.Of(unreferenced), SymbolId.Of(orphan) }.Order().ToList();

        var dry = await collector.CollectAsync(dryRun: true);

        Assert.True(dry.DryRun);
        Assert.Equal(4, dry.BlobsExamined);
        Assert.Equal(garbage, dry.Removed);
        Assert.Equal(unreferenced.Length + orphan.Length, dry.Bytes);
        Assert.Equal(4, (await ListAsync(s.Blobs)).Count);
        Assert.NotNull(await s.Metadata.GetSymbolAsync(SymbolId.Of(unreferenced)));

        var real = await collector.CollectAsync();

        Assert.Equal(garbage, real.Removed);
        Assert.Equal(dry.Bytes, real.Bytes);
        Assert.Empty(real.Spared);
        Assert.Equal(new[] { SymbolId.Of(baseMain), SymbolId.Of(forkOnly) }.Order(), (await ListAsync(s.Blobs)).Select(b => b.Id).Order());
        Assert.Null(await s.Metadata.GetSymbolAsync(SymbolId.Of(unreferenced)));
        Assert.NotNull(await s.Metadata.GetSymbolAsync(SymbolId.Of(baseMain)));
        Assert.Equal(baseMain, await ReadAllAsync(s.Blobs, SymbolId.Of(baseMain)));
        Assert.Empty((await collector.CollectAsync()).Removed);
    }

    [Fact]
    public async Task CollectionSparesBlobsStoredWithinTheGracePeriod()
    {
        await using var s = await CreateAsync();
        var fresh = Bytes("just uploaded, manifest not yet published");
        await StoreAsync(s, fresh, "com/app/New");
        var collector = new GarbageCollector(s.Blobs, s.Metadata, new GarbageCollectorOptions { GracePeriod = TimeSpan.FromHours(1) }, s.Clock);

        var report = await collector.CollectAsync();

        Assert.Empty(report.Removed);
        Assert.True(await s.Blobs.ContainsAsync(SymbolId.Of(fresh)));
    }

    [Fact]
    public async Task CollectionSparesWhatFindMissingReportedAsHeld()
    {
        await using var s = await CreateAsync();
        var held = Bytes("held, unreferenced, old");
        await StoreAsync(s, held, "com/app/Held");
        s.Clock.Advance(TimeSpan.FromHours(2));
        Assert.Empty(await s.Metadata.FindMissingAsync([SymbolId.Of(held)]));
        var collector = new GarbageCollector(s.Blobs, s.Metadata, new GarbageCollectorOptions { GracePeriod = TimeSpan.FromHours(1) }, s.Clock);

        Assert.Empty((await collector.CollectAsync(dryRun: true)).Removed);
        Assert.Empty((await collector.CollectAsync()).Removed);

        Assert.Equal(PublishOutcome.Published, await s.Metadata.PublishManifestAsync(Manifest("app:1", null, ("com/app/Held", held))));
        Assert.Equal(held, await ReadAllAsync(s.Blobs, SymbolId.Of(held)));

        s.Clock.Advance(TimeSpan.FromHours(2));
        Assert.Empty((await collector.CollectAsync()).Removed);
    }

    [Fact]
    public async Task APublishBetweenMarkAndSweepKeepsItsSymbols()
    {
        await using var s = await CreateAsync();
        var reused = Bytes("old symbol a new release names again");
        var garbage = Bytes("old symbol nobody names");
        await StoreAsync(s, reused, "com/app/Reused");
        await StoreAsync(s, garbage, "com/app/Garbage");
        s.Clock.Advance(TimeSpan.FromHours(2));
        IReadOnlyCollection<SymbolId>? marked = null;
        var collector = new GarbageCollector(
            s.Blobs,
            s.Metadata,
            new GarbageCollectorOptions
            {
                GracePeriod = TimeSpan.FromHours(1),
                AfterMark = async (ids, ct) =>
                {
                    marked = ids;
                    await s.Metadata.PublishManifestAsync(Manifest("app:2", null, ("com/app/Reused", reused)), ct);
                },
            },
            s.Clock);

        var report = await collector.CollectAsync();

        Assert.Equal(new[] { SymbolId.Of(reused), SymbolId.Of(garbage) }.Order(), marked!.Order());
        Assert.Equal([SymbolId.Of(garbage)], report.Removed);
        Assert.Equal([SymbolId.Of(reused)], report.Spared);
        Assert.Equal(reused, await ReadAllAsync(s.Blobs, SymbolId.Of(reused)));
        Assert.NotNull(await s.Metadata.GetSymbolAsync(SymbolId.Of(reused)));
        Assert.False(await s.Blobs.ContainsAsync(SymbolId.Of(garbage)));
    }

    [Fact]
    public async Task AFindMissingBetweenMarkAndSweepKeepsWhatItReportedHeld()
    {
        await using var s = await CreateAsync();
        var reused = Bytes("old symbol a publisher is about to name");
        await StoreAsync(s, reused, "com/app/Reused");
        s.Clock.Advance(TimeSpan.FromHours(2));
        IReadOnlySet<SymbolId>? missing = null;
        var collector = new GarbageCollector(
            s.Blobs,
            s.Metadata,
            new GarbageCollectorOptions
            {
                GracePeriod = TimeSpan.FromHours(1),
                AfterMark = async (ids, ct) => missing = await s.Metadata.FindMissingAsync([SymbolId.Of(reused)], ct),
            },
            s.Clock);

        var report = await collector.CollectAsync();

        Assert.Empty(missing!);
        Assert.Equal([SymbolId.Of(reused)], report.Spared);
        Assert.Equal(PublishOutcome.Published, await s.Metadata.PublishManifestAsync(Manifest("app:2", null, ("com/app/Reused", reused))));
        Assert.Equal(reused, await ReadAllAsync(s.Blobs, SymbolId.Of(reused)));
    }

    [Fact]
    public async Task CollectionsRunningAlongsidePublishersNeverTakeWhatAManifestNames()
    {
        await using var s = await CreateAsync();
        var pool = Enumerable.Range(0, 400).Select(i => Random(300 + (i % 50), 1000 + i)).ToArray();
        var collector = new GarbageCollector(s.Blobs, s.Metadata, new GarbageCollectorOptions { GracePeriod = TimeSpan.FromHours(1) }, s.Clock);
        var published = new System.Collections.Concurrent.ConcurrentBag<ManifestName>();
        var removedWhilePublishing = 0;
        using var done = new CancellationTokenSource();

        // The publisher's protocol: ask what is missing, upload that, publish; start over when refused. Each round
        // also uploads a few symbols it then abandons (a publish that died), which later rounds may pick up again.
        // Time runs hours per second here, so an upload can outlive the grace period and give up (IOException from
        // SymbolUpload); a publisher then starts over, as it would after any failed upload.
        async Task PublishAsync(int publisher)
        {
            var random = new Random(publisher);
            (string, byte[]) Pick(int i) => ($"com/app/C{i}", pool[i]);
            async Task UploadAsync(string path, byte[] bytes)
            {
                while (true)
                {
                    try
                    {
                        await StoreAsync(s, bytes, path);
                        return;
                    }
                    catch (IOException)
                    {
                    }
                }
            }

            // At least 6 rounds, and on until the collector has removed something, so the two really overlapped.
            for (var round = 0; round < 6 || (Volatile.Read(ref removedWhilePublishing) == 0 && round < 100); round++)
            {
                foreach (var (path, bytes) in Enumerable.Range(0, 3).Select(_ => Pick(random.Next(pool.Length))))
                {
                    await UploadAsync(path, bytes);
                }

                var picked = Enumerable.Range(0, 6).Select(_ => random.Next(pool.Length)).Distinct().Select(Pick).ToArray();
                var manifest = Manifest($"p{publisher}:{round}", null, picked);
                while (true)
                {
                    var missing = await s.Metadata.FindMissingAsync([.. picked.Select(p => SymbolId.Of(p.Item2))]);
                    foreach (var (path, bytes) in picked.Where(p => missing.Contains(SymbolId.Of(p.Item2))))
                    {
                        await UploadAsync(path, bytes);
                    }

                    try
                    {
                        await s.Metadata.PublishManifestAsync(manifest);
                        published.Add(manifest.Name);
                        break;
                    }
                    catch (ManifestIncompleteException)
                    {
                    }
                }
            }
        }

        var collecting = Task.Run(async () =>
        {
            // Each pass moves time on by half the grace period, so claims and uploads run out two passes later
            // while publishers work: symbols get collected under them and they have to upload them again.
            while (!done.IsCancellationRequested)
            {
                Interlocked.Add(ref removedWhilePublishing, (await collector.CollectAsync()).Removed.Count);
                s.Clock.Advance(TimeSpan.FromMinutes(30));
            }
        });
        await Task.WhenAll(Enumerable.Range(0, 3).Select(p => Task.Run(() => PublishAsync(p))));
        await done.CancelAsync();
        await collecting;

        Assert.True(removedWhilePublishing > 0, "the collector never removed anything while the publishers ran: the test raced nothing");
        Assert.InRange(published.Count, 18, 300);
        var named = new HashSet<SymbolId>();
        foreach (var name in published)
        {
            var manifest = ManifestText.Parse((await s.Metadata.GetManifestAsync(name))!.CanonicalBytes);
            foreach (var entry in manifest.Entries)
            {
                named.Add(entry.Symbol);
                Assert.NotNull(await s.Metadata.GetSymbolAsync(entry.Symbol));
                Assert.Equal(pool.Single(b => SymbolId.Of(b) == entry.Symbol), await ReadAllAsync(s.Blobs, entry.Symbol));
            }
        }

        // And what nobody named goes, once it is out of every grace period.
        s.Clock.Advance(TimeSpan.FromHours(2));
        await collector.CollectAsync();
        Assert.Equal(named.Order(), (await ListAsync(s.Blobs)).Select(b => b.Id).Order());
    }

    [Fact]
    public async Task AnUploadWhosePutFoundTheBlobJustBeforeASweepDeletedItPutsItAgain()
    {
        await using var s = await CreateAsync();
        var bytes = Bytes("old, unreferenced, about to be collected and uploaded again");
        var record = Record(bytes, "com/app/Again");
        await StoreAsync(s, bytes, "com/app/Again");
        s.Clock.Advance(TimeSpan.FromHours(2));
        var collector = new GarbageCollector(s.Blobs, s.Metadata, new GarbageCollectorOptions { GracePeriod = TimeSpan.FromHours(1) }, s.Clock);
        var sweptAfterPut = new SweepAfterFirstPut(s.Blobs, collector);

        var wrote = await SymbolUpload.StoreAsync(sweptAfterPut, s.Metadata, record, bytes, bytes.Length);

        Assert.Equal([record.Id], sweptAfterPut.Report!.Removed);
        Assert.True(wrote);
        Assert.Equal(bytes, await ReadAllAsync(s.Blobs, record.Id));
        Assert.NotNull(await s.Metadata.GetSymbolAsync(record.Id));
        Assert.Equal(PublishOutcome.Published, await s.Metadata.PublishManifestAsync(Manifest("app:1", null, ("com/app/Again", bytes))));
    }

    [Fact]
    public async Task TheVerifierReportsExactlyTheBlobsWhoseBytesChanged()
    {
        await using var s = await CreateAsync();
        var good = Random(70_000, 21);
        var rotten = Random(40_000, 22);
        var other = Bytes("fine");
        foreach (var bytes in new[] { good, rotten, other })
        {
            await s.Blobs.PutAsync(SymbolId.Of(bytes), new MemoryStream(bytes), bytes.Length);
        }

        var clean = await new BlobVerifier(s.Blobs).VerifyAsync();
        Assert.Equal(3, clean.Checked);
        Assert.Equal(good.Length + rotten.Length + other.Length, clean.Bytes);
        Assert.Empty(clean.Corrupt);

        var flipped = (byte[])rotten.Clone();
        flipped[12_345] ^= 0x01;
        await s.CorruptAsync(SymbolId.Of(rotten), flipped);

        var report = await new BlobVerifier(s.Blobs).VerifyAsync();

        var corrupt = Assert.Single(report.Corrupt);
        Assert.Equal(SymbolId.Of(rotten), corrupt.Id);
        Assert.Equal(SymbolId.Of(flipped), corrupt.Actual);
        Assert.Equal(3, report.Checked);
    }

    [Fact]
    public async Task TheVerifierNamesSymbolsAManifestNeedsWhoseBlobsAreGone()
    {
        await using var s = await CreateAsync();
        var kept = Bytes("kept");
        var lost = Bytes("lost");
        await StoreAsync(s, kept, "com/app/Kept");
        await StoreAsync(s, lost, "com/app/Lost");
        await s.Metadata.PublishManifestAsync(Manifest("app:1", null, ("com/app/Kept", kept), ("com/app/Lost", lost)));
        Assert.Empty((await new BlobVerifier(s.Blobs, s.Metadata).VerifyAsync()).Missing);

        await s.Blobs.DeleteAsync(SymbolId.Of(lost));

        var report = await new BlobVerifier(s.Blobs, s.Metadata).VerifyAsync();
        Assert.Equal([SymbolId.Of(lost)], report.Missing);
        Assert.Empty(report.Corrupt);
        Assert.Equal(1, report.Checked);
    }

    private static Task StoreAsync(StorageUnderTest s, byte[] bytes, string name) =>
        SymbolUpload.StoreAsync(s.Blobs, s.Metadata, Record(bytes, name), bytes, bytes.Length);

    /// <summary>Backend-specific: whatever a refused put may have written on the side (temp files, temp keys).</summary>
    protected virtual Task AssertNothingElseStoredAsync(StorageUnderTest storage) => Task.CompletedTask;

    protected static async Task<byte[]?> ReadAllAsync(IBlobStore blobs, SymbolId id)
    {
        await using var stream = await blobs.OpenReadAsync(id);
        if (stream is null)
        {
            return null;
        }

        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    protected static Task<List<StoredBlob>> ListAsync(IBlobStore blobs) => ToListAsync(blobs.ListAsync());

    protected static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> items)
    {
        var list = new List<T>();
        await foreach (var item in items)
        {
            list.Add(item);
        }

        return list;
    }

    /// <summary>The real blob store, with a collection run right after the first put returns: the moment a
    /// concurrent sweep can take a blob the put found present.</summary>
    private sealed class SweepAfterFirstPut(IBlobStore inner, GarbageCollector collector) : IBlobStore
    {
        public CollectionReport? Report { get; private set; }

        public Task<bool> ContainsAsync(SymbolId id, CancellationToken cancellationToken = default) => inner.ContainsAsync(id, cancellationToken);

        public async Task<bool> PutAsync(SymbolId id, Stream content, long maxLength, CancellationToken cancellationToken = default)
        {
            var wrote = await inner.PutAsync(id, content, maxLength, cancellationToken);
            Report ??= await collector.CollectAsync(cancellationToken: cancellationToken);
            return wrote;
        }

        public Task<Stream?> OpenReadAsync(SymbolId id, CancellationToken cancellationToken = default) => inner.OpenReadAsync(id, cancellationToken);

        public IAsyncEnumerable<StoredBlob> ListAsync(CancellationToken cancellationToken = default) => inner.ListAsync(cancellationToken);

        public Task<bool> DeleteAsync(SymbolId id, CancellationToken cancellationToken = default) => inner.DeleteAsync(id, cancellationToken);
    }
}
