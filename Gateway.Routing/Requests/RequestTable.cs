using System.Collections.Concurrent;
using JdwpGateway.Routing.Symbols;

namespace JdwpGateway.Routing.Requests;

/// <summary>
/// One event request as the debugger set it, with the per-node requests that implement it. The body is kept in
/// virtual IDs so the request can be replayed on a node that joins, or that loads a class later.
/// </summary>
public sealed class VirtualRequest(int id, byte eventKind, byte suspendPolicy, byte[] body, int? boundNode, IReadOnlyCollection<Symbol> symbols)
{
    /// <summary>The request ID the debugger knows.</summary>
    public int Id { get; } = id;

    /// <summary>JDWP event kind.</summary>
    public byte EventKind { get; } = eventKind;

    /// <summary>Suspend policy.</summary>
    public byte SuspendPolicy { get; } = suspendPolicy;

    /// <summary>The EventRequest.Set body in virtual IDs.</summary>
    public byte[] Body { get; } = body;

    /// <summary>Set when a modifier names a node's object (thread, instance, step): the request lives only there.</summary>
    public int? BoundNode { get; } = boundNode;

    /// <summary>Types the modifiers name: the request applies to a node once the node has loaded them all.</summary>
    public IReadOnlyCollection<Symbol> Symbols { get; } = symbols;

    /// <summary>Node index to the node's request ID.</summary>
    public ConcurrentDictionary<int, int> NodeRequestIds { get; } = new();

    private int _countRemaining = EventRequestBody.CountOf(body) is int count && boundNode is null ? count : 0;

    /// <summary>
    /// True when the request has a Count modifier and lives on several nodes: then the gateway counts occurrences
    /// across all nodes, as one JVM would, and the nodes get the request without the modifier.
    /// </summary>
    public bool CountedByGateway { get; } = EventRequestBody.CountOf(body) is not null && boundNode is null;

    /// <summary>
    /// Counts one occurrence of a request counted by the gateway. True exactly once: for the occurrence that reaches
    /// the count, which is delivered; the request then expires.
    /// </summary>
    public bool CountOccurrence() => Interlocked.Decrement(ref _countRemaining) == 0;
}

/// <summary>Virtual request IDs and their per-node counterparts.</summary>
public sealed class RequestTable
{
    private readonly ConcurrentDictionary<int, VirtualRequest> _byId = new();
    private readonly ConcurrentDictionary<(int Node, int NodeRequestId), int> _toVirtual = new();
    private int _next;

    /// <summary>All live requests.</summary>
    public IEnumerable<VirtualRequest> All => _byId.Values;

    /// <summary>Allocates a request ID.</summary>
    public int NextId() => Interlocked.Increment(ref _next);

    /// <summary>Registers a request.</summary>
    public void Add(VirtualRequest request) => _byId[request.Id] = request;

    /// <summary>Looks up a request by its virtual ID.</summary>
    public bool TryGet(int id, out VirtualRequest request) => _byId.TryGetValue(id, out request!);

    /// <summary>Maps a node's request ID back to the virtual one.</summary>
    public bool TryGetVirtual(int node, int nodeRequestId, out int id) => _toVirtual.TryGetValue((node, nodeRequestId), out id);

    /// <summary>Records that <paramref name="request"/> is set on a node under <paramref name="nodeRequestId"/>.</summary>
    public void Bind(VirtualRequest request, int node, int nodeRequestId)
    {
        request.NodeRequestIds[node] = nodeRequestId;
        _toVirtual[(node, nodeRequestId)] = request.Id;
    }

    /// <summary>Forgets a request and its node bindings.</summary>
    public bool Remove(int id, out VirtualRequest request)
    {
        if (!_byId.TryRemove(id, out request!))
        {
            return false;
        }

        foreach (var (node, nodeId) in request.NodeRequestIds)
        {
            _toVirtual.TryRemove((node, nodeId), out _);
        }

        return true;
    }

    /// <summary>Forgets a node's bindings (the node left; its requests died with it).</summary>
    public void RemoveNode(int node)
    {
        foreach (var request in _byId.Values)
        {
            if (request.NodeRequestIds.TryRemove(node, out var nodeId))
            {
                _toVirtual.TryRemove((node, nodeId), out _);
            }
        }
    }
}
