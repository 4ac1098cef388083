using System.Text.RegularExpressions;
using Fabric.Registry.Dependencies;
using Fabric.Registry.Manifests;
using Fabric.Registry.Symbolization;
using Fabric.Registry.Symbols;
using Fabric.Registry.Tests.Support;

namespace Fabric.Registry.Tests.Dependencies;

public sealed partial class ClosureTests : IDisposable
{
    private readonly TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    private PlatformClasses Platform => PlatformClasses.Load(Jdk.Home17, _temp["cache"]);

    [Fact]
    public void AJarNeedingAnotherJarIsIncompleteAndAgreesWithJdeps()
    {
        var util = DebianJars.Require("maven-resolver-util.jar");
        var release = new Symbolizer().Symbolize([util]);
        var report = ClosureCheck.Check(ClosureCheck.GraphOf(release), ManifestChain.Empty, Platform);
        Assert.False(report.IsComplete);

        // jdeps (the JDK's own dependency analyser) names the packages it cannot find. It also reads generic
        // Signature attributes, which the JVM never resolves (here org.eclipse.aether.metadata appears only in a
        // type argument), so the missing classes' packages are a non-empty subset of its list.
        var jdeps = Jdk.Run(Path.Combine(Jdk.Home17, "bin", "jdeps"), ["-verbose:package", util]);
        var notFound = NotFoundLine().Matches(jdeps).Select(m => m.Groups[1].Value.Replace('.', '/')).ToHashSet();
        var missingPackages = report.Missing.Select(m => m.ClassName[..m.ClassName.LastIndexOf('/')]).ToHashSet();
        Assert.NotEmpty(missingPackages);
        Assert.Subset(notFound, missingPackages);
        Assert.True(missingPackages.Count >= notFound.Count - 2, $"jdeps: {string.Join(", ", notFound)}; here: {string.Join(", ", missingPackages)}");

        foreach (var missing in report.Missing)
        {
            Assert.DoesNotContain(missing.ClassName, release.Classes.Keys);
            Assert.NotEmpty(missing.ReferencedBy);
            Assert.All(missing.ReferencedBy, r => Assert.Contains(missing.ClassName, release.Classes[r].References));
        }

        var e = Assert.Throws<IncompleteClosureException>(() =>
            ClosureCheck.EnsureComplete("default/util:1", ClosureCheck.GraphOf(release), ManifestChain.Empty, Platform));
        Assert.Contains("default/util:1 is incomplete", e.Message);
        Assert.Contains(report.Missing[0].ClassName + ", referenced by " + report.Missing[0].ReferencedBy[0], e.Message);
        Assert.Equal(report.Missing.Count, e.Missing.Count);
    }

    [Fact]
    public void WithTheNeededJarOrAParentHoldingItTheClosureIsComplete()
    {
        var api = DebianJars.Require("maven-resolver-api.jar");
        var util = DebianJars.Require("maven-resolver-util.jar");
        var both = new Symbolizer().Symbolize([util, api]);
        Assert.True(ClosureCheck.Check(ClosureCheck.GraphOf(both), ManifestChain.Empty, Platform).IsComplete);

        var apiRelease = new Symbolizer().Symbolize([api]);
        var parent = new ReleaseManifest(ManifestName.Parse("resolver-api:1"), null, apiRelease.Entries);
        var alone = new Symbolizer().Symbolize([util]);
        var report = ClosureCheck.EnsureComplete("util", ClosureCheck.GraphOf(alone), new ManifestChain([parent]), Platform);
        Assert.True(report.IsComplete);

        // Without the platform list nothing of the JDK resolves.
        Assert.Contains(
            ClosureCheck.Check(ClosureCheck.GraphOf(both), ManifestChain.Empty, null).Missing,
            m => m.ClassName == "java/lang/Object");
    }

    [Fact]
    public void CyclesBetweenTopLevelClassesAreReportedButNestMatesAreNot()
    {
        var classes = _temp["cycles"];
        Jdk.Compile(Jdk.Home17, _temp.Path, classes, new Dictionary<string, string>
        {
            ["c/A.java"] = "package c; public class A { B b; }",
            ["c/B.java"] = "package c; public class B { C c; }",
            ["c/C.java"] = "package c; public class C { A a; }",
            ["c/D.java"] = "package c; public class D { A a; }",
            ["c/Outer.java"] = "package c; public class Outer { class Inner { int x = y; } int y; Inner make() { return new Inner(); } }",
        });
        var release = new Symbolizer().Symbolize([classes]);
        Assert.Contains("c/Outer$Inner", release.Classes.Keys);
        var report = ClosureCheck.EnsureComplete("cycles", ClosureCheck.GraphOf(release), ManifestChain.Empty, Platform);
        var cycle = Assert.Single(report.Cycles);
        Assert.Equal(["c/A", "c/B", "c/C"], cycle.Classes);
        Assert.Contains("c/A, c/B, c/C", cycle.ToString());
    }

    [Fact]
    public void CyclesInALargeRealLibraryAreFoundWithoutRecursion()
    {
        var release = new Symbolizer().Symbolize([DebianJars.Require("guava.jar")]);
        var graph = ClosureCheck.GraphOf(release);
        var cycles = graph.FindCycles();
        Assert.NotEmpty(cycles);
        // Every member of a reported cycle reaches every other member: check the largest one by search.
        var largest = cycles[0];
        var members = largest.Classes.ToHashSet();
        var start = largest.Classes[0];
        Assert.Equal(members.Order(), ReachableTopLevels(graph, start).Where(members.Contains).Order());
    }

    [Fact]
    public async Task ClosureFromAClassFollowsReferencesThroughTheParentChain()
    {
        var classes = _temp["shapes"];
        Jdk.Compile(Jdk.Home17, _temp.Path, classes, JavaSamples.Shapes);
        var release = new Symbolizer().Symbolize([classes]);
        var byId = release.Symbols.ToDictionary(s => s.Id, s => s.References);
        Task<IReadOnlyList<string>> References(SymbolId id, CancellationToken _) => Task.FromResult(byId[id]);

        // The fork holds everything but Elem, which its parent holds.
        var parent = new ReleaseManifest(ManifestName.Parse("base:1"), null, release.Entries.Where(e => e.Path == "com/example/Elem"));
        var fork = new ReleaseManifest(ManifestName.Parse("app:1"), parent.Name, release.Entries.Where(e => e.Path != "com/example/Elem"));
        var chain = new ManifestChain([fork, parent]);

        var fromShapes = await ClassClosure.FromClassAsync(chain, "com/example/Shapes", References);
        Assert.Equal("com/example/Shapes", fromShapes[0].Path);
        Assert.Equal(release.Classes.Keys.Order(StringComparer.Ordinal), fromShapes.Select(e => e.Path).Order(StringComparer.Ordinal));

        var fromElem2 = await ClassClosure.FromClassAsync(chain, "com/example/Elem2", References);
        Assert.Equal(["com/example/Elem2"], fromElem2.Select(e => e.Path));
        Assert.Equal($"{release.Classes["com/example/Elem2"].Id}\tcom/example/Elem2\n", System.Text.Encoding.UTF8.GetString(ClassClosure.ToText(fromElem2)));

        var fromPoint = await ClassClosure.FromClassAsync(chain, "com/example/Shapes$Point", References);
        Assert.Contains(fromPoint, e => e.Path == "com/example/Shapes");

        Assert.Empty(await ClassClosure.FromClassAsync(chain, "com/example/Nope", References));
    }

    private static HashSet<string> ReachableTopLevels(DependencyGraph graph, string start)
    {
        static string Top(string n) => n.IndexOf('$', n.LastIndexOf('/') + 1) is var d and > 0 ? n[..d] : n;
        var seen = new HashSet<string>();
        var queue = new Queue<string>(graph.Classes.Where(c => Top(c) == start));
        var tops = new HashSet<string>();
        while (queue.Count > 0)
        {
            var c = queue.Dequeue();
            if (!seen.Add(c))
            {
                continue;
            }

            tops.Add(Top(c));
            foreach (var r in graph.ReferencesOf(c).Where(graph.Contains))
            {
                queue.Enqueue(r);
                foreach (var mate in graph.Classes.Where(x => Top(x) == Top(r)))
                {
                    queue.Enqueue(mate);
                }
            }
        }

        return tops;
    }

    [GeneratedRegex(@"^\s+\S+\s+->\s+(\S+)\s+not found", RegexOptions.Multiline)]
    private static partial Regex NotFoundLine();
}
