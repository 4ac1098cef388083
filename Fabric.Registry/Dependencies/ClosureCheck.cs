using Fabric.Registry.Symbolization;

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
