namespace Fabric.Registry.Dependencies;

/// <summary>A class referenced but found nowhere, and the classes that reference it (sorted).</summary>
public sealed record MissingClass(string ClassName, IReadOnlyList<string> ReferencedBy);

/// <summary>Top-level classes (each with its nested classes) that depend on each other in a circle.</summary>
public sealed record DependencyCycle(IReadOnlyList<string> Classes)
{
    public override string ToString() =>
        $"dependency cycle among {Classes.Count} top-level classes: {string.Join(", ", Classes.Take(8))}"
        + (Classes.Count > 8 ? $" and {Classes.Count - 8} more" : string.Empty);
}
