namespace Fabric.Registry.Symbolization;

public sealed class SymbolizerOptions
{
    /// <summary>The Java feature version the release runs on: a multi-release JAR contributes, for each name, the
    /// entry of the highest <c>META-INF/versions/N</c> with N at most this (the base entry when there is none).</summary>
    public int TargetJdk { get; init; } = 17;

    public DuplicateClassPolicy DuplicateClasses { get; init; } = DuplicateClassPolicy.Error;

    /// <summary><c>group:artifact:version</c>; when null it is read from the first input's single
    /// <c>META-INF/maven/**/pom.properties</c>, if it has exactly one.</summary>
    public string? MavenCoordinate { get; init; }

    /// <summary>Largest entry accepted; a bigger one (or a ZIP bomb) is an error rather than memory exhaustion.</summary>
    public long MaxEntryBytes { get; init; } = 64L * 1024 * 1024;
}

public enum DuplicateClassPolicy
{
    /// <summary>The same class name with different bytes in two places is an error naming both.</summary>
    Error,

    /// <summary>The first input (in the order given) wins, as on a class path; each override becomes a warning.</summary>
    FirstWins,
}
