using System.Collections.Concurrent;
using System.Threading.Channels;
using Fabric.Registry.Symbols;

namespace Fabric.Registry.Server.Nodes;

/// <summary>A registered node as its last lease renewal described it.</summary>
public sealed record NodeInfo(string Node, string Jdwp, string Manifest, string Started, TimeSpan Lease, DateTimeOffset ExpiresAt);

/// <summary>
/// The live nodes, each held by a lease it must renew; an expired lease counts as leaving. Kept in memory: nodes
/// re-register within one lease after a registry restart, so nothing here needs to survive one.
/// </summary>
public sealed class NodeTable(TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, NodeInfo> _nodes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<SymbolId, byte>> _loaded = new(StringComparer.Ordinal);
    private readonly List<Channel<(bool Joined, NodeInfo Node)>> _watchers = [];
    private readonly Lock _gate = new();

    /// <summary>The longest lease granted: a registration must not outlive its node by more than a day.</summary>
    public const int MaxLeaseSeconds = 24 * 60 * 60;

    /// <summary>
    /// The most loaded-symbol IDs kept per node: far above any real application, low enough that a client reporting
    /// made-up IDs cannot grow the registry's memory without bound.
    /// </summary>
    public const int MaxLoadedPerNode = 1_000_000;

    /// <summary>The longest <c>jdwp</c>, <c>manifest</c> or <c>started</c> value accepted.</summary>
    public const int MaxFieldLength = 256;

    public static bool IsValidName(string node) => Manifests.ManifestName.IsValidPart(node);

    /// <summary>
    /// What is wrong with a registration's fields, or null. A tab or line break in a field would forge fields or whole
    /// lines of <c>GET /v1/nodes</c>, which gateways read to choose the JVMs they attach to.
    /// </summary>
    public static string? Problem(string jdwp, string manifest, string started, long leaseSeconds)
    {
        foreach (var (key, value) in new[] { ("jdwp", jdwp), ("manifest", manifest), ("started", started) })
        {
            if (value.Length > MaxFieldLength || value.Any(char.IsControl))
            {
                return $"{key} must be at most {MaxFieldLength} characters without tabs, line breaks or other control characters";
            }
        }

        return leaseSeconds is <= 0 or > MaxLeaseSeconds ? $"lease '{leaseSeconds}' must be from 1 to {MaxLeaseSeconds} seconds" : null;
    }

    /// <summary>Nodes holding a lease (one that ran out counts until the next expiry pass, at most a second).</summary>
    public int Count => _nodes.Count;

    /// <summary>Registers or renews. Returns true when the node joined (was not live).</summary>
    public bool Register(string node, string jdwp, string manifest, string started, TimeSpan lease)
    {
        Expire();
        var info = new NodeInfo(node, jdwp, manifest, started, lease, clock.GetUtcNow() + lease);
        var joined = false;
        _nodes.AddOrUpdate(node, _ => { joined = true; return info; }, (_, _) => info);
        if (joined)
        {
            Notify(true, info);
        }

        return joined;
    }

    public bool Leave(string node)
    {
        if (_nodes.TryRemove(node, out var info))
        {
            _loaded.TryRemove(node, out _);
            Notify(false, info);
            return true;
        }

        return false;
    }

    /// <returns>False when the node is not live.</returns>
    public bool ReportLoaded(string node, IEnumerable<SymbolId> ids)
    {
        Expire();
        if (!_nodes.ContainsKey(node))
        {
            return false;
        }

        var set = _loaded.GetOrAdd(node, _ => new ConcurrentDictionary<SymbolId, byte>());
        foreach (var id in ids)
        {
            set.TryAdd(id, 0);
        }

        return true;
    }

    /// <summary>False when <paramref name="more"/> further IDs would take the node past <see cref="MaxLoadedPerNode"/>.</summary>
    public bool CanHoldMoreLoaded(string node, long more) =>
        more <= MaxLoadedPerNode && (_loaded.TryGetValue(node, out var set) ? set.Count : 0) + more <= MaxLoadedPerNode;

    public IReadOnlyList<NodeInfo> Live()
    {
        Expire();
        return [.. _nodes.Values.OrderBy(n => n.Node, StringComparer.Ordinal)];
    }

    public IReadOnlyList<SymbolId>? Loaded(string node)
    {
        Expire();
        return !_nodes.ContainsKey(node) ? null
            : _loaded.TryGetValue(node, out var set) ? [.. set.Keys.Order()] : [];
    }

    /// <summary>A stream of joins and leaves, starting with a join for each live node.</summary>
    public ChannelReader<(bool Joined, NodeInfo Node)> Watch(CancellationToken cancellationToken)
    {
        var channel = Channel.CreateUnbounded<(bool, NodeInfo)>();
        lock (_gate)
        {
            foreach (var node in Live())
            {
                channel.Writer.TryWrite((true, node));
            }

            _watchers.Add(channel);
        }

        cancellationToken.Register(() =>
        {
            lock (_gate)
            {
                _watchers.Remove(channel);
            }

            channel.Writer.TryComplete();
        });
        return channel.Reader;
    }

    /// <summary>Drops nodes whose lease ran out; called on every access and by a timer, so watchers hear of expiry.</summary>
    public void Expire()
    {
        var now = clock.GetUtcNow();
        foreach (var (name, info) in _nodes)
        {
            if (info.ExpiresAt <= now && _nodes.TryRemove(new KeyValuePair<string, NodeInfo>(name, info)))
            {
                _loaded.TryRemove(name, out _);
                Notify(false, info);
            }
        }
    }

    private void Notify(bool joined, NodeInfo info)
    {
        lock (_gate)
        {
            foreach (var watcher in _watchers)
            {
                watcher.Writer.TryWrite((joined, info));
            }
        }
    }
}
