using System.Collections.Concurrent;
using JdwpGateway.Protocol.Spec;

namespace JdwpGateway.Routing.Symbols;

/// <summary>Where a virtual object-like ID lives: a node and the node's own ID.</summary>
/// <param name="Node">Index of the node; <see cref="NodeIdTable.GatewayNode"/> for things the gateway synthesizes.</param>
/// <param name="NodeId">The node's ID.</param>
/// <param name="Kind">The most specific kind seen for it.</param>
public readonly record struct NodeRef(int Node, ulong NodeId, IdKind Kind);

/// <summary>
/// Bidirectional map between virtual IDs and (node, node ID) pairs for IDs that belong to one node:
/// objects (threads, groups, strings, class loaders, class objects, arrays, modules) or frames.
/// </summary>
public sealed class NodeIdTable(VirtualIds ids)
{
    /// <summary>Node index used for IDs the gateway synthesizes itself (per-node thread groups).</summary>
    public const int GatewayNode = -1;

    private readonly ConcurrentDictionary<(int Node, ulong Id), ulong> _toVirtual = new();
    private readonly ConcurrentDictionary<ulong, NodeRef> _toNode = new();

    /// <summary>Number of live entries.</summary>
    public int Count => _toNode.Count;

    /// <summary>The virtual ID for a node's ID, allocating one on first sight.</summary>
    public ulong Intern(int node, ulong nodeId, IdKind kind)
    {
        if (_toVirtual.TryGetValue((node, nodeId), out var known))
        {
            return known;
        }

        var fresh = ids.Next();
        var winner = _toVirtual.GetOrAdd((node, nodeId), fresh);
        if (winner == fresh)
        {
            _toNode[fresh] = new NodeRef(node, nodeId, kind);
        }
        else
        {
            SpinWait.SpinUntil(() => _toNode.ContainsKey(winner));
        }

        return winner;
    }

    /// <summary>Adds a synthesized entry with no node ID behind it; <paramref name="payload"/> says what it stands for.</summary>
    public ulong AddSynthetic(ulong payload, IdKind kind)
    {
        var id = ids.Next();
        _toNode[id] = new NodeRef(GatewayNode, payload, kind);
        return id;
    }

    /// <summary>Looks up a virtual ID.</summary>
    public bool TryResolve(ulong virtualId, out NodeRef nodeRef) => _toNode.TryGetValue(virtualId, out nodeRef);

    /// <summary>The virtual IDs of a node's entries of one kind (e.g. the threads the debugger may know).</summary>
    public IReadOnlyList<ulong> VirtualIdsOf(int node, IdKind kind) =>
        [.. _toNode.Where(p => p.Value.Node == node && p.Value.Kind == kind).Select(p => p.Key)];

    /// <summary>Forgets every entry of a node that left (its IDs can never be valid again).</summary>
    public void RemoveNode(int node)
    {
        foreach (var ((n, id), v) in _toVirtual)
        {
            if (n == node && _toVirtual.TryRemove((n, id), out _))
            {
                _toNode.TryRemove(v, out _);
            }
        }
    }

    /// <summary>Forgets one entry (after DisposeObjects or when frames become invalid).</summary>
    public void Remove(ulong virtualId)
    {
        if (_toNode.TryRemove(virtualId, out var r))
        {
            _toVirtual.TryRemove((r.Node, r.NodeId), out _);
        }
    }

    /// <summary>Forgets every entry.</summary>
    public void Clear()
    {
        _toVirtual.Clear();
        _toNode.Clear();
    }
}
