using Fabric.Registry.Manifests;
using Fabric.Registry.Symbols;

namespace Fabric.Registry.Symbolization;

/// <summary>The symbols of a set of inputs, ready to become a manifest: classes then resources, each sorted by name,
/// plus the metadata found (JAR manifest attributes, Maven coordinate) and warnings worth showing.</summary>
public sealed class SymbolizedRelease
{
    public SymbolizedRelease(IReadOnlyList<Symbol> symbols, IReadOnlyDictionary<string, string> metadata, IReadOnlyList<string> warnings)
    {
        Symbols = symbols;
        Metadata = metadata;
        Warnings = warnings;
        Classes = symbols.Where(s => s.Kind == SymbolKind.Class).ToDictionary(s => s.Name, StringComparer.Ordinal);
    }

    public IReadOnlyList<Symbol> Symbols { get; }

    public IReadOnlyDictionary<string, Symbol> Classes { get; }

    public IReadOnlyDictionary<string, string> Metadata { get; }

    public IReadOnlyList<string> Warnings { get; }

    public IEnumerable<ManifestEntry> Entries => Symbols.Select(s => s.ToEntry());

    /// <summary>Distinct symbols: two names with identical bytes are one blob.</summary>
    public IReadOnlyCollection<Symbol> DistinctBlobs => Symbols.DistinctBy(s => s.Id).ToList();
}
