using Fabric.Registry.Manifests;
using Fabric.Registry.Signing;
using Fabric.Registry.Storage;

namespace Fabric.Registry.Dependencies;

/// <summary>
/// A manifest and its parents, nearest first: how a fork resolves a name (the first manifest that has it wins).
/// </summary>
public sealed class ManifestChain
{
    public ManifestChain(IReadOnlyList<ReleaseManifest> manifests)
    {
        Manifests = manifests;
    }

    public static ManifestChain Empty { get; } = new([]);

    /// <summary>Nearest first: the manifest itself, its parent, the parent's parent...</summary>
    public IReadOnlyList<ReleaseManifest> Manifests { get; }

    public bool TryResolveClass(string internalName, out ManifestEntry entry)
    {
        foreach (var manifest in Manifests)
        {
            if (manifest.TryGetClass(internalName, out entry))
            {
                return true;
            }
        }

        entry = default;
        return false;
    }

    public bool ContainsClass(string internalName) => TryResolveClass(internalName, out _);

    /// <summary>Loads <paramref name="name"/> and its parents from the store, verifying each signature when
    /// <paramref name="trust"/> is given.</summary>
    /// <exception cref="ManifestChainException">A manifest of the chain is not published, or the chain loops.</exception>
    public static async Task<ManifestChain> LoadAsync(
        IMetadataStore store, ManifestName name, TrustSet? trust = null, CancellationToken cancellationToken = default)
    {
        var manifests = new List<ReleaseManifest>();
        var seen = new HashSet<ManifestName>();
        ManifestName? next = name;
        while (next is not null)
        {
            if (!seen.Add(next))
            {
                throw new ManifestChainException($"the parent chain of {name} loops back to {next}");
            }

            var stored = await store.GetManifestAsync(next, cancellationToken).ConfigureAwait(false)
                ?? throw new ManifestChainException(next == name
                    ? $"{name} is not published"
                    : $"{next}, an ancestor of {name}, is not published");
            trust?.Verify(stored);
            var manifest = ManifestText.Parse(stored.CanonicalBytes);
            manifests.Add(manifest);
            next = manifest.Parent;
        }

        return new ManifestChain(manifests);
    }
}

public sealed class ManifestChainException(string message) : Exception(message);
