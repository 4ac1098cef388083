using JdwpGateway.Protocol.Encoding;
using JdwpGateway.Protocol.Spec;
using JdwpGateway.Routing.Config;
using JdwpGateway.Routing.Mapping;
using JdwpGateway.Routing.Nodes;
using JdwpGateway.Routing.Requests;
using JdwpGateway.Routing.Symbols;

namespace JdwpGateway.Routing.Session;

public sealed partial class DebugSession
{
    private static readonly Layout SetLayout = JdwpSpec.Find(15, 1)!.Out;

    private readonly object _watchLock = new();
    private readonly Dictionary<(int Node, string ClassName), ClassWatch> _watches = [];
    private readonly Dictionary<(int Node, int NodeRequestId), ClassWatch> _watchesByRequest = [];

    private enum ApplyOutcome
    {
        Applied,
        Deferred,
        Skipped,
        Failed,
    }

    /// <summary>
    /// EventRequest.Set: the request goes to every node it applies to. A request whose modifiers name a node's thread or
    /// object lives on that node only; one that names types lives on every node that has loaded them, now or later;
    /// any other request lives on every node, including nodes that join later.
    /// </summary>
    private async Task<Reply> SetRequestAsync(byte[] body)
    {
        var route = RouteCollector.Collect(Vm, SetLayout, body);
        if (route.Conflict is not null)
        {
            return Reply.Error(ErrorCode.InvalidObject, $"EventRequest.Set mixes IDs of two nodes: {route.Conflict}");
        }

        if (route.Node == NodeIdTable.GatewayNode)
        {
            return Reply.Error(ErrorCode.InvalidObject, "a per-node thread group cannot filter events");
        }

        var request = new VirtualRequest(Vm.Requests.NextId(), body[0], body[1], body, route.Node, [.. route.Symbols.Distinct()]);
        IReadOnlyList<NodeLink> nodes = request.BoundNode is int bound
            ? Vm.TryGetNode(bound, out var owner) ? [owner] : []
            : Vm.UpNodes;
        if (nodes.Count == 0 && request.BoundNode is int gone)
        {
            return Reply.Error(ErrorCode.InvalidThread, $"node {Vm.NodeName(gone)} has left the virtual VM");
        }

        foreach (var symbol in request.Symbols)
        {
            // So that a node restarting later can rejoin the symbol, and get the request, when its bytes are the same.
            await Vm.Symbols.EnsureIdentityAsync(symbol).ConfigureAwait(false);
        }

        Vm.Requests.Add(request);
        var outcomes = await Task.WhenAll(nodes.Select(n => ApplyRequestAsync(request, n))).ConfigureAwait(false);
        if (nodes.Count == 0 || outcomes.Any(o => o.Outcome is ApplyOutcome.Applied or ApplyOutcome.Deferred))
        {
            return Reply.Ok(new JdwpWriter().Int(request.Id).ToArray());
        }

        await ClearRequestCoreAsync(request.Id).ConfigureAwait(false);
        var failure = outcomes.FirstOrDefault(o => o.Outcome == ApplyOutcome.Failed);
        return Reply.Error(failure.Code == ErrorCode.None ? ErrorCode.InvalidEventType : failure.Code, failure.Why ?? "no node accepted the request");
    }

    private async Task<Reply> ClearRequestAsync(byte[] body)
    {
        var reader = new JdwpReader(body);
        reader.ReadByte();
        await ClearRequestCoreAsync(reader.ReadInt32()).ConfigureAwait(false);
        return Reply.Ok([]);
    }

    private async Task<Reply> ClearAllBreakpointsAsync()
    {
        foreach (var request in Vm.Requests.All.Where(r => r.EventKind == (byte)EventKind.Breakpoint).ToList())
        {
            Vm.Requests.Remove(request.Id, out _);
            ForgetWaiter(request);
        }

        await FanOutAsync(15, 3, _ => []).ConfigureAwait(false);
        return Reply.Ok([]);
    }

    private async Task ClearRequestCoreAsync(int id)
    {
        if (!Vm.Requests.Remove(id, out var request))
        {
            return;
        }

        ForgetWaiter(request);
        foreach (var (index, nodeRequestId) in request.NodeRequestIds)
        {
            if (Vm.TryGetNode(index, out var node))
            {
                await node.SendAsync(15, 2, new JdwpWriter().Byte(request.EventKind).Int(nodeRequestId).ToArray()).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Sets a virtual request on one node, or defers it until the node loads the types it names.</summary>
    private async Task<(ApplyOutcome Outcome, ErrorCode Code, string? Why)> ApplyRequestAsync(VirtualRequest request, NodeLink node)
    {
        if (request.BoundNode is int bound && bound != node.Index)
        {
            return (ApplyOutcome.Skipped, ErrorCode.None, null);
        }

        if (request.NodeRequestIds.ContainsKey(node.Index))
        {
            return (ApplyOutcome.Applied, ErrorCode.None, null);
        }

        // A node older than JDWP 21 does not know PlatformThreadsOnly; it has no virtual threads, so the filter holds anyway.
        // A count across nodes is counted by the gateway (see VirtualRequest.CountedByGateway).
        var requestBody = node.Version.JdwpMajor < 21 || request.CountedByGateway
            ? EventRequestBody.Without(request.Body, kind =>
                (kind == (byte)ModKind.PlatformThreadsOnly && node.Version.JdwpMajor < 21) ||
                (kind == (byte)ModKind.Count && request.CountedByGateway))
            : request.Body;
        if (_options.Suspend == SuspendScope.Thread && requestBody[1] == (byte)SuspendPolicy.All)
        {
            requestBody = [.. requestBody];
            requestBody[1] = (byte)SuspendPolicy.EventThread;
        }

        var (mapper, body) = await ToNodeAsync(node, SetLayout, requestBody).ConfigureAwait(false);
        Protocol.JdwpPacket reply;
        try
        {
            if (mapper.AbsentSymbols.Count > 0)
            {
                foreach (var symbol in mapper.AbsentSymbols)
                {
                    await WatchAsync(node, symbol, request).ConfigureAwait(false);
                }

                return (ApplyOutcome.Deferred, ErrorCode.None, null);
            }

            if (mapper.Error is { } error)
            {
                return (ApplyOutcome.Failed, error.Code, error.Message);
            }

            reply = await node.SendAsync(15, 1, body.WrittenMemory).ConfigureAwait(false);
        }
        finally
        {
            body.Return();
        }

        if (reply.ErrorCode != 0)
        {
            return (ApplyOutcome.Failed, (ErrorCode)reply.ErrorCode, $"node {node.Name} refused the request");
        }

        var nodeRequestId = new JdwpReader(reply.Body).ReadInt32();
        Vm.Requests.Bind(request, node.Index, nodeRequestId);
        GatewayLog.RequestApplied(_logger, Name, request.Id, node.Name, nodeRequestId);
        if (!Vm.Requests.TryGet(request.Id, out _))
        {
            // Cleared by the debugger while we were setting it.
            await node.SendAsync(15, 2, new JdwpWriter().Byte(request.EventKind).Int(nodeRequestId).ToArray()).ConfigureAwait(false);
        }

        return (ApplyOutcome.Applied, ErrorCode.None, null);
    }

    /// <summary>
    /// Waits for a node to load a class: a hidden ClassPrepare request that suspends only the loading thread, so the
    /// deferred requests are in place before the class's code runs.
    /// </summary>
    private async Task WatchAsync(NodeLink node, Symbol symbol, VirtualRequest request)
    {
        ClassWatch watch;
        bool created;
        lock (_watchLock)
        {
            created = !_watches.TryGetValue((node.Index, symbol.ClassName), out watch!);
            if (created)
            {
                watch = new ClassWatch(node.Index, symbol.ClassName);
                _watches[(node.Index, symbol.ClassName)] = watch;
            }

            if (!watch.Waiting.Contains(request))
            {
                watch.Waiting.Add(request);
            }
        }

        GatewayLog.RequestDeferred(_logger, Name, request.Id, node.Name, symbol.ClassName);
        if (!created)
        {
            return;
        }

        var setBody = new JdwpWriter()
            .Byte((byte)EventKind.ClassPrepare).Byte((byte)SuspendPolicy.EventThread)
            .Int(1).Byte((byte)ModKind.ClassMatch).String(symbol.ClassName)
            .ToArray();
        var reply = await node.QueryAsync(15, 1, setBody).ConfigureAwait(false);
        lock (_watchLock)
        {
            watch.NodeRequestId = new JdwpReader(reply).ReadInt32();
            _watchesByRequest[(node.Index, watch.NodeRequestId)] = watch;
        }

        // The class may have been loaded between our lookup and the watch being set.
        Vm.ForgetAbsence(node.Index, symbol.Signature);
        await Vm.LocateAsync(symbol, node).ConfigureAwait(false);
        if (symbol.NodeTypeIds.ContainsKey(node.Index))
        {
            await SatisfyWatchAsync(watch, node).ConfigureAwait(false);
        }
    }

    /// <summary>The watched class was loaded on the node: set what waited for it, and drop the watch when nothing waits.</summary>
    private async Task SatisfyWatchAsync(ClassWatch watch, NodeLink node)
    {
        List<VirtualRequest> waiting;
        lock (_watchLock)
        {
            waiting = [.. watch.Waiting];
        }

        foreach (var request in waiting)
        {
            var outcome = await ApplyRequestAsync(request, node).ConfigureAwait(false);
            if (outcome.Outcome != ApplyOutcome.Deferred)
            {
                lock (_watchLock)
                {
                    watch.Waiting.Remove(request);
                }
            }
        }

        bool empty;
        lock (_watchLock)
        {
            empty = watch.Waiting.Count == 0 && _watches.Remove((watch.Node, watch.ClassName));
            if (empty)
            {
                _watchesByRequest.Remove((watch.Node, watch.NodeRequestId));
            }
        }

        if (empty && watch.NodeRequestId != 0)
        {
            await node.SendAsync(15, 2, new JdwpWriter().Byte((byte)EventKind.ClassPrepare).Int(watch.NodeRequestId).ToArray()).ConfigureAwait(false);
        }
    }

    private bool TryGetWatch(int node, int nodeRequestId, out ClassWatch watch)
    {
        lock (_watchLock)
        {
            return _watchesByRequest.TryGetValue((node, nodeRequestId), out watch!);
        }
    }

    private void ForgetWaiter(VirtualRequest request)
    {
        lock (_watchLock)
        {
            foreach (var watch in _watches.Values)
            {
                watch.Waiting.Remove(request);
            }
        }
    }

    private void RemoveWatches(int node)
    {
        lock (_watchLock)
        {
            foreach (var key in _watches.Keys.Where(k => k.Node == node).ToList())
            {
                _watches.Remove(key);
            }

            foreach (var key in _watchesByRequest.Keys.Where(k => k.Node == node).ToList())
            {
                _watchesByRequest.Remove(key);
            }
        }
    }

    /// <summary>A hidden ClassPrepare request on one node and the debugger's requests waiting for that class.</summary>
    private sealed class ClassWatch(int node, string className)
    {
        public int Node { get; } = node;

        public string ClassName { get; } = className;

        public int NodeRequestId { get; set; }

        public List<VirtualRequest> Waiting { get; } = [];
    }
}
