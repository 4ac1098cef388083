namespace Fabric.Registry.Manifests;

/// <summary>
/// A release: which symbol each class and resource name resolves to. Immutable; a fork is a manifest whose
/// <see cref="Parent"/> supplies every name it does not override. <see cref="Metadata"/> keeps the JAR manifest's
/// attributes (Implementation-Version...) and, when given, <c>maven</c> = <c>group:artifact:version</c>.
/// </summary>
public sealed class ReleaseManifest
{
    public ReleaseManifest(
        ManifestName name,
        ManifestName? parent,
        IEnumerable<ManifestEntry> entries,
        IEnumerable<KeyValuePair<string, string>>? metadata = null)
    {
        Name = name;
        Parent = parent;
        var byKey = new SortedDictionary<(Symbols.SymbolKind, string), ManifestEntry>(EntryKeyComparer.Instance);
        foreach (var entry in entries)
        {
            ManifestText.CheckField(entry.Path, "path");
            if (!byKey.TryAdd((entry.Kind, entry.Path), entry) && byKey[(entry.Kind, entry.Path)] != entry)
            {
                throw new ArgumentException($"'{entry.Path}' appears twice with different symbols", nameof(entries));
            }
        }

        Entries = [.. byKey.Values];
        var meta = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in metadata ?? [])
        {
            ManifestText.CheckField(key, "metadata key");
            ManifestText.CheckField(value, "metadata value");
            meta[key] = value;
        }

        Metadata = meta;
        _classes = Entries.Where(e => e.Kind == Symbols.SymbolKind.Class).ToDictionary(e => e.Path, StringComparer.Ordinal);
        _resources = Entries.Where(e => e.Kind == Symbols.SymbolKind.Resource).ToDictionary(e => e.Path, StringComparer.Ordinal);
    }

    private readonly Dictionary<string, ManifestEntry> _classes;
    private readonly Dictionary<string, ManifestEntry> _resources;

    public ManifestName Name { get; }

    public ManifestName? Parent { get; }

    /// <summary>Every entry, classes first, each kind in ordinal order of its path: the order of the canonical text.</summary>
    public IReadOnlyList<ManifestEntry> Entries { get; }

    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The entry of a class in internal form (<c>com/app/Main</c>), when this manifest itself has it.</summary>
    public bool TryGetClass(string internalName, out ManifestEntry entry) => _classes.TryGetValue(internalName, out entry);

    public bool TryGetResource(string path, out ManifestEntry entry) => _resources.TryGetValue(path, out entry);

    /// <summary>The canonical bytes: what is signed, stored and served, byte for byte.</summary>
    public byte[] ToCanonicalBytes() => ManifestText.Write(this);

    private sealed class EntryKeyComparer : IComparer<(Symbols.SymbolKind Kind, string Path)>
    {
        public static readonly EntryKeyComparer Instance = new();

        public int Compare((Symbols.SymbolKind Kind, string Path) x, (Symbols.SymbolKind Kind, string Path) y)
        {
            var c = x.Kind.CompareTo(y.Kind);
            return c != 0 ? c : string.CompareOrdinal(x.Path, y.Path);
        }
    }
}
