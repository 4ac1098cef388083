using Fabric.Registry.Manifests;
using Fabric.Registry.Symbolization;
using Fabric.Registry.Symbols;

namespace Fabric.Registry.Dependencies;

/// <summary>
/// Whether a release is complete: every class any of its classes references is in the release, in its parent chain
/// or in the platform (JDK) it targets. Cycles are reported, never refused.
/// </summary>
public static class ClosureCheck
{
    public static ClosureReport Check(DependencyGraph graph, ManifestChain parents, PlatformClasses? platform)
    {
        var missing = graph.FindMissing(name => parents.ContainsClass(name) || (platform?.Contains(name) ?? false));
        return new ClosureReport(missing, graph.FindCycles());
    }

    public static DependencyGraph GraphOf(SymbolizedRelease release) =>
        new(release.Classes.Select(c => KeyValuePair.Create(c.Key, c.Value.References)));

    /// <summary>The graph of a manifest's own classes (not its parents'), with references looked up by symbol, e.g.
    /// <see cref="ClassClosure.FromStore"/>: how a registry re-checks a manifest it is handed.</summary>
    public static async Task<DependencyGraph> GraphOfAsync(
        ReleaseManifest manifest,
        Func<SymbolId, CancellationToken, Task<IReadOnlyList<string>>> referencesOf,
        CancellationToken cancellationToken = default)
    {
        var classes = new List<KeyValuePair<string, IReadOnlyList<string>>>();
        foreach (var entry in manifest.Entries.Where(e => e.Kind == SymbolKind.Class))
        {
            classes.Add(KeyValuePair.Create(entry.Path, await referencesOf(entry.Symbol, cancellationToken).ConfigureAwait(false)));
        }

        return new DependencyGraph(classes);
    }

    /// <exception cref="IncompleteClosureException">Some referenced class is provided nowhere.</exception>
    public static ClosureReport EnsureComplete(string release, DependencyGraph graph, ManifestChain parents, PlatformClasses? platform)
    {
        var report = Check(graph, parents, platform);
        return report.IsComplete ? report : throw new IncompleteClosureException(release, report.Missing);
    }
}

public sealed record ClosureReport(IReadOnlyList<MissingClass> Missing, IReadOnlyList<DependencyCycle> Cycles)
{
    public bool IsComplete => Missing.Count == 0;
}
