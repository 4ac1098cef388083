using Fabric.Registry.Manifests;
using Fabric.Registry.Storage;
using Fabric.Registry.Symbols;

namespace Fabric.Registry.Dependencies;

/// <summary>
/// The classes of a release (parents included) reachable from one class through constant-pool references: what a node
/// will load to run it, and so what it can prefetch in one batch. Platform classes and unresolvable names are not
/// followed.
/// </summary>
public static class ClassClosure
{
    /// <summary>Breadth-first from <paramref name="root"/>, which comes first; empty when the chain lacks it.
    /// <paramref name="referencesOf"/> gives a class symbol's references (e.g. from the metadata store).</summary>
    public static async Task<IReadOnlyList<ManifestEntry>> FromClassAsync(
        ManifestChain chain,
        string root,
        Func<SymbolId, CancellationToken, Task<IReadOnlyList<string>>> referencesOf,
        CancellationToken cancellationToken = default)
    {
        var result = new List<ManifestEntry>();
        if (!chain.TryResolveClass(root, out var rootEntry))
        {
            return result;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal) { root };
        var queue = new Queue<ManifestEntry>();
        queue.Enqueue(rootEntry);
        while (queue.Count > 0)
        {
            var entry = queue.Dequeue();
            result.Add(entry);
            foreach (var reference in await referencesOf(entry.Symbol, cancellationToken).ConfigureAwait(false))
            {
                if (seen.Add(reference) && chain.TryResolveClass(reference, out var next))
                {
                    queue.Enqueue(next);
                }
            }
        }

        return result;
    }

    /// <summary>The body of the HTTP <c>closure</c> answer: one <c>id&lt;TAB&gt;path</c> line per class, in order,
    /// UTF-8 with LF line ends.</summary>
    public static byte[] ToText(IEnumerable<ManifestEntry> closure)
    {
        var text = new System.Text.StringBuilder();
        foreach (var entry in closure)
        {
            text.Append(entry.Symbol.ToString()).Append('\t').Append(entry.Path).Append('\n');
        }

        return System.Text.Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>References as the metadata store recorded them at publication.</summary>
    /// <exception cref="InvalidOperationException">A symbol a manifest names has no record: the store is damaged.</exception>
    public static Func<SymbolId, CancellationToken, Task<IReadOnlyList<string>>> FromStore(IMetadataStore store) =>
        async (id, ct) => (await store.GetSymbolAsync(id, ct).ConfigureAwait(false))?.References
            ?? throw new InvalidOperationException($"symbol {id} is named by a manifest but has no record in the metadata store");
}
