using Fabric.Registry.Manifests;
using Fabric.Registry.Symbols;

namespace Fabric.Registry.Storage;

/// <summary>
/// What a metadata store needs from a manifest before it publishes one: the symbols it names and its parent, read from
/// the canonical bytes themselves so the stored roots can never disagree with what is served.
/// </summary>
internal sealed record PublicationCheck(ManifestName? Parent, IReadOnlyList<SymbolId> Symbols)
{
    /// <exception cref="FormatException">The bytes are not a canonical manifest.</exception>
    /// <exception cref="ArgumentException">The bytes name a different manifest than <paramref name="manifest"/>.</exception>
    public static PublicationCheck Of(StoredManifest manifest)
    {
        var parsed = ManifestText.Parse(manifest.CanonicalBytes);
        if (parsed.Name != manifest.Name)
        {
            throw new ArgumentException($"the manifest bytes name {parsed.Name}, not {manifest.Name}", nameof(manifest));
        }

        if (parsed.Parent == parsed.Name)
        {
            throw new ArgumentException($"{parsed.Name} names itself as its parent", nameof(manifest));
        }

        var symbols = parsed.Entries.Select(e => e.Symbol).Distinct().Order().ToList();
        return new PublicationCheck(parsed.Parent, symbols);
    }

    /// <summary>What the refusal names: the parent as "manifest ns/name:tag", symbols by ID.</summary>
    public static IReadOnlyCollection<string> DescribeMissing(ManifestName? missingParent, IEnumerable<SymbolId> missingSymbols)
    {
        var missing = new List<string>();
        if (missingParent is not null)
        {
            missing.Add($"parent manifest {missingParent}");
        }

        missing.AddRange(missingSymbols.Order().Select(s => $"symbol {s}"));
        return missing;
    }
}
