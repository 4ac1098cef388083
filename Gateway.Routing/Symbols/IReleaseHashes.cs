namespace JdwpGateway.Routing.Symbols;

/// <summary>
/// The class hashes of fabric releases, as the registry publishes them: for a manifest, each class's internal name
/// (<c>com/app/Main</c>) and the SHA-256 of its bytes (its symbol ID), its parents' classes included.
/// </summary>
public interface IReleaseHashes
{
    /// <summary>
    /// The resolved class → symbol ID map of a manifest (<c>namespace/name:tag</c>); null when the registry does not
    /// have it or cannot be asked now (the caller then identifies classes by JDWP alone).
    /// </summary>
    Task<IReadOnlyDictionary<string, string>?> ClassHashesAsync(string manifest);
}
