using JdwpGateway.Routing.Config;

namespace JdwpGateway.Symbols;

/// <summary>
/// The registry's view of which code runs where: for each class of the manifests in question, each symbol hash it has
/// in them and the nodes that report having loaded it (docs/fabric.md: <c>GET /v1/nodes</c>, <c>GET
/// /v1/nodes/{node}/loaded</c>, <c>GET /v1/manifests/...</c>).
/// </summary>
/// <param name="Registry">The registry asked.</param>
/// <param name="Manifest">The manifest asked about (<c>ns/name:tag</c>), or null for every registered node's manifest.</param>
/// <param name="Manifests">The manifests compared: the one asked about and every other tag of its name that a node runs.</param>
/// <param name="Nodes">The registered nodes running one of <paramref name="Manifests"/>.</param>
/// <param name="Classes">The classes matching the filter, by name.</param>
/// <param name="Problems">What could not be read (a node's manifest no longer published, say); the rest is still shown.</param>
public sealed record RegistrySymbolsReport(
    string Registry,
    string? Manifest,
    IReadOnlyList<string> Manifests,
    IReadOnlyList<RegisteredNode> Nodes,
    IReadOnlyList<RegistryClassEntry> Classes,
    IReadOnlyList<string> Problems)
{
    /// <summary>Reads the registry's view of <paramref name="manifest"/> (or of every node's manifest when null).</summary>
    /// <exception cref="RegistryReadException">The registry cannot be read, or the manifest asked about is not published.</exception>
    public static async Task<RegistrySymbolsReport> ReadAsync(RegistryClient client, string registry, string? manifest, ClassPattern pattern, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(pattern);
        var asked = manifest is null ? null : ManifestNames.Normalize(manifest) ?? throw new RegistryReadException($"manifest '{manifest}' is not [namespace/]name:tag");
        var registered = await client.GetNodesAsync(cancellationToken).ConfigureAwait(false);

        // "Which code version runs where": the manifest asked about and every other tag of the same name a node runs.
        var family = asked?[..asked.LastIndexOf(':')];
        var nodes = registered
            .Where(n => family is null || (n.Manifest.StartsWith(family, StringComparison.Ordinal) && n.Manifest.Length > family.Length && n.Manifest[family.Length] == ':'))
            .OrderBy(n => n.Name, StringComparer.Ordinal)
            .ToList();
        var names = nodes.Select(n => n.Manifest).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (asked is not null)
        {
            names.Remove(asked);
            names.Insert(0, asked);
        }

        var problems = new List<string>();
        var manifests = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            try
            {
                manifests[name] = await client.GetClassesAsync(name, cancellationToken).ConfigureAwait(false);
            }
            catch (RegistryReadException ex) when (name != asked)
            {
                problems.Add($"{ex.Message} (run by {string.Join(", ", nodes.Where(n => n.Manifest == name).Select(n => n.Name))})");
            }
        }

        var loaded = new Dictionary<string, IReadOnlySet<string>>(StringComparer.Ordinal);
        foreach (var node in nodes.Where(n => manifests.ContainsKey(n.Manifest)))
        {
            // A node that left between the two requests has no list any more: it is shown as having loaded nothing.
            loaded[node.Name] = await client.GetLoadedAsync(node.Name, cancellationToken).ConfigureAwait(false) ?? new HashSet<string>();
        }

        var compared = names.Where(manifests.ContainsKey).ToList();
        var classes = compared
            .SelectMany(m => manifests[m].Keys)
            .Distinct(StringComparer.Ordinal)
            .Select(path => (Path: path, Class: path.Replace('/', '.')))
            .Where(c => pattern.Matches(c.Class))
            .OrderBy(c => c.Class, StringComparer.Ordinal)
            .Select(c => Entry(c.Path, c.Class, compared, manifests, nodes, loaded))
            .ToList();
        return new RegistrySymbolsReport(registry, asked, compared, [.. nodes.Where(n => manifests.ContainsKey(n.Manifest))], classes, problems);
    }

    private static RegistryClassEntry Entry(
        string path,
        string className,
        List<string> compared,
        Dictionary<string, IReadOnlyDictionary<string, string>> manifests,
        List<RegisteredNode> nodes,
        Dictionary<string, IReadOnlySet<string>> loaded)
    {
        var versions = compared
            .GroupBy(m => manifests[m].GetValueOrDefault(path))
            .Select(g =>
            {
                var running = nodes.Where(n => g.Contains(n.Manifest, StringComparer.Ordinal)).ToList();
                var loadedBy = g.Key is null ? [] : running.Where(n => loaded.GetValueOrDefault(n.Name)?.Contains(g.Key) == true).Select(n => n.Name).ToList();
                return new RegistryClassVersion(g.Key, [.. g], loadedBy, [.. running.Select(n => n.Name).Except(loadedBy, StringComparer.Ordinal)]);
            })
            .ToList();
        return new RegistryClassEntry(className, versions.Count > 1, versions);
    }
}

/// <summary>One class in the registry's view.</summary>
/// <param name="Class">Java class name, e.g. <c>com.shop.model.Item$Bundle</c>.</param>
/// <param name="Differs">True when the compared manifests do not all have the same bytes for it (or not all have it).</param>
/// <param name="Versions">Each symbol hash the class has in the compared manifests, in the order of <see cref="RegistrySymbolsReport.Manifests"/>.</param>
public sealed record RegistryClassEntry(string Class, bool Differs, IReadOnlyList<RegistryClassVersion> Versions);

/// <summary>One version of a class: its symbol hash and where it runs.</summary>
/// <param name="Hash">SHA-256 of the class file (64 hex digits), or null for manifests that do not have the class.</param>
/// <param name="Manifests">The compared manifests with this hash (or without the class).</param>
/// <param name="LoadedBy">Nodes running one of those manifests that report having loaded this class.</param>
/// <param name="NotLoadedBy">Nodes running one of those manifests that have not loaded it (yet), or lack it.</param>
public sealed record RegistryClassVersion(string? Hash, IReadOnlyList<string> Manifests, IReadOnlyList<string> LoadedBy, IReadOnlyList<string> NotLoadedBy);
