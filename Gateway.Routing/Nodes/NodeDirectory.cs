using JdwpGateway.Routing.Config;

namespace JdwpGateway.Routing.Nodes;

/// <summary>A node that joined the directory (new, back, or at a new address) or left it.</summary>
/// <param name="Index">The node's index: stable for the gateway's lifetime, so a node that returns keeps it.</param>
/// <param name="Options">The node's name and JDWP address.</param>
/// <param name="Joined">True when the node joined; false when it left.</param>
public sealed record NodeChange(int Index, NodeOptions Options, bool Joined);

/// <summary>
/// The nodes behind the gateway now: the configured list and what a discovery source (the fabric registry) reports as
/// nodes come and go. Each source owns its nodes: replacing one source's list never withdraws another's. Each name gets
/// an index on first sight and keeps it, so tables keyed by node index never mix two nodes.
/// </summary>
public sealed class NodeDirectory
{
    /// <summary>The source of nodes named in the configuration (file or command line).</summary>
    public const string ConfiguredSource = "configuration";

    private readonly Lock _lock = new();
    private readonly List<Entry> _entries = [];
    private readonly Dictionary<string, int> _indexByName = new(StringComparer.Ordinal);

    /// <summary>Creates a directory holding <paramref name="initial"/>.</summary>
    public NodeDirectory(IEnumerable<NodeOptions> initial)
    {
        ArgumentNullException.ThrowIfNull(initial);
        foreach (var node in initial)
        {
            Join(node, ConfiguredSource);
        }
    }

    /// <summary>
    /// Where the class hashes of the nodes' fabric releases come from (the registry, when nodes are discovered through
    /// it); null when the gateway knows no registry, and classes are identified by JDWP alone.
    /// </summary>
    public Symbols.IReleaseHashes? Releases { get; set; }

    /// <summary>Raised after the set changes, outside the directory's lock, once per node that joined or left.</summary>
    public event Action<NodeChange>? Changed;

    /// <summary>The nodes present now, in index order.</summary>
    public IReadOnlyList<(int Index, NodeOptions Options)> Present
    {
        get
        {
            lock (_lock)
            {
                return [.. _entries.Where(e => e.Present).Select(e => (e.Index, e.Options))];
            }
        }
    }

    /// <summary>The nodes present now that <paramref name="source"/> holds.</summary>
    public IReadOnlyList<(int Index, NodeOptions Options)> PresentFrom(string source)
    {
        lock (_lock)
        {
            return [.. _entries.Where(e => e.Present && e.Source == source).Select(e => (e.Index, e.Options))];
        }
    }

    /// <summary>The name of a node by index ("gateway" for the gateway's own index and unknown ones).</summary>
    public string NameOf(int index)
    {
        lock (_lock)
        {
            return index >= 0 && index < _entries.Count ? _entries[index].Options.Name : "gateway";
        }
    }

    /// <summary>The node's options when it is present now.</summary>
    public bool TryGetPresent(int index, out NodeOptions options)
    {
        lock (_lock)
        {
            if (index >= 0 && index < _entries.Count && _entries[index].Present)
            {
                options = _entries[index].Options;
                return true;
            }
        }

        options = null!;
        return false;
    }

    /// <summary>
    /// Makes <paramref name="source"/>'s nodes exactly <paramref name="nodes"/>: its nodes not in it leave, new ones
    /// (or ones at a new address) join. A name another source holds now stays with that source. Returns what changed.
    /// </summary>
    public IReadOnlyList<NodeChange> Replace(IReadOnlyCollection<NodeOptions> nodes, string source = ConfiguredSource)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        var changes = new List<NodeChange>();
        lock (_lock)
        {
            var wanted = nodes.GroupBy(n => n.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
            foreach (var entry in _entries.Where(e => e.Present && e.Source == source))
            {
                if (!wanted.TryGetValue(entry.Options.Name, out var now) || now.Address != entry.Options.Address)
                {
                    entry.Present = false;
                    changes.Add(new NodeChange(entry.Index, entry.Options, Joined: false));
                }
            }

            foreach (var node in wanted.Values)
            {
                if (!_indexByName.TryGetValue(node.Name, out var index) || !_entries[index].Present)
                {
                    changes.Add(new NodeChange(Join(node, source), node, Joined: true));
                }
            }
        }

        foreach (var change in changes)
        {
            Changed?.Invoke(change);
        }

        return changes;
    }

    private int Join(NodeOptions node, string source)
    {
        if (_indexByName.TryGetValue(node.Name, out var index))
        {
            _entries[index].Options = node;
            _entries[index].Source = source;
            _entries[index].Present = true;
            return index;
        }

        index = _entries.Count;
        _entries.Add(new Entry(index, node, source));
        _indexByName[node.Name] = index;
        return index;
    }

    private sealed class Entry(int index, NodeOptions options, string source)
    {
        public int Index { get; } = index;

        public NodeOptions Options { get; set; } = options;

        public string Source { get; set; } = source;

        public bool Present { get; set; } = true;
    }
}
