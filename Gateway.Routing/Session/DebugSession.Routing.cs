using JdwpGateway.Protocol;
using JdwpGateway.Protocol.Encoding;
using JdwpGateway.Protocol.Spec;
using JdwpGateway.Routing.Mapping;
using JdwpGateway.Routing.Nodes;
using JdwpGateway.Routing.Symbols;

namespace JdwpGateway.Routing.Session;

public sealed partial class DebugSession
{
    /// <summary>Rewrite passes before giving up: each pass resolves what the previous one could not map.</summary>
    private const int MaxPasses = 6;

    private Task<Reply> RouteAsync(JdwpPacket packet, CommandSpec? spec, CancellationToken token)
    {
        if (spec is null)
        {
            return ForwardVendorCommandAsync(packet);
        }

        var route = CommandRoutes.For(spec);
        return route.Kind switch
        {
            RouteKind.Event => Task.FromResult(Reply.Error(ErrorCode.NotImplemented, "debuggers do not send events")),
            RouteKind.EventRequest => packet.Command switch
            {
                1 => SetRequestAsync(packet.Body),
                2 => ClearRequestAsync(packet.Body),
                _ => ClearAllBreakpointsAsync(),
            },
            _ when packet.CommandSet == 1 => VirtualMachineCommandAsync(packet, spec, token),
            _ => RouteByIdsAsync(packet, spec),
        };
    }

    /// <summary>
    /// The default rule: a command goes to the node that owns the objects, threads or frames it names; a command that
    /// names only types goes to a node that has loaded them, preferring the node the debugger last worked with.
    /// </summary>
    private async Task<Reply> RouteByIdsAsync(JdwpPacket packet, CommandSpec spec)
    {
        var route = RouteCollector.Collect(Vm, spec.Out, packet.Body);
        if (route.Conflict is not null)
        {
            return Reply.Error(ErrorCode.InvalidObject, $"{spec.FullName} mixes IDs of two nodes: {route.Conflict}");
        }

        if (route.Node == Symbols.NodeIdTable.GatewayNode)
        {
            return await NodeGroupCommandAsync(packet, spec).ConfigureAwait(false);
        }

        if (route.Node is null && IsMemberList(spec) && Vm.UpNodes.Count > 1 && route.Symbols.FirstOrDefault() is { } shared
            && await Vm.Symbols.EnsureIdentityAsync(shared).ConfigureAwait(false) == SymbolTable.BootstrapIdentity)
        {
            return await MemberUnionAsync(packet, spec, shared).ConfigureAwait(false);
        }

        IEnumerable<NodeLink> candidates;
        if (route.Node is int bound)
        {
            if (!Vm.TryGetNode(bound, out var owner))
            {
                return Reply.Error(ErrorCode.InvalidObject, $"node {Vm.NodeName(bound)} has left the virtual VM");
            }

            if ((spec.Set, spec.Command) == (11, 15) && owner.Version.JdwpMajor < 21)
            {
                // Virtual threads exist from JDK 21; an older node's threads are all platform threads.
                return Reply.Ok([0]);
            }

            candidates = [owner];
        }
        else
        {
            candidates = CandidatesFor(route.Symbols.FirstOrDefault());
        }

        Reply? last = null;
        foreach (var node in candidates)
        {
            var (mapper, body) = await ToNodeAsync(node, spec.Out, packet.Body).ConfigureAwait(false);
            JdwpPacket reply;
            try
            {
                if (mapper.Error is { } error)
                {
                    last = Reply.Error(error.Code, error.Message);
                    if ((mapper.AbsentSymbols.Count > 0 || mapper.AbsentMembers.Count > 0) && route.Node is null)
                    {
                        continue;
                    }

                    return last.Value;
                }

                reply = await node.SendAsync(spec.Set, spec.Command, body.WrittenMemory).ConfigureAwait(false);
            }
            finally
            {
                body.Return();
            }

            if (route.Node is not null)
            {
                Vm.ContextNode = node.Index;
            }

            if (reply.ErrorCode != 0)
            {
                return Reply.Error((ErrorCode)reply.ErrorCode, $"node {node.Name} answered with this error");
            }

            if ((spec.Set, spec.Command) == (11, 3))
            {
                // Debuggers drop a thread's frames when they resume it, and the node may invalidate them: so does the gateway.
                Vm.Frames.RemoveOwnedBy(new JdwpReader(packet.Body).ReadId(8));
            }

            var context = route.Symbols.FirstOrDefault() is { } first && first.NodeTypeIds.TryGetValue(node.Index, out var typeId) ? typeId : 0;
            var frameOwner = (spec.Set, spec.Command) == (11, 6) ? new JdwpReader(packet.Body).ReadId(8) : 0;
            if (!IsAdjusted(spec))
            {
                // Forwarded as the node sent it, IDs translated: the reply goes out from a rented buffer.
                return await ToDebuggerAsync(node, spec.Reply, reply.Body, context, reply.Id, spec.FullName, frameOwner, rent: true).ConfigureAwait(false);
            }

            var virtualized = await ToDebuggerAsync(node, spec.Reply, reply.Body, context, reply.Id, spec.FullName, frameOwner).ConfigureAwait(false);
            return virtualized.Code == ErrorCode.None ? Adjust(spec, node, virtualized) : virtualized;
        }

        return last ?? Reply.Error(ErrorCode.InvalidObject, "no node of the virtual VM is connected");
    }

    /// <summary>Replies <see cref="Adjust"/> changes after translation (thread and group names, a top-level group's parent).</summary>
    private static bool IsAdjusted(CommandSpec spec) => (spec.Set, spec.Command) is (11, 1) or (12, 1) or (12, 2);

    private static bool IsMemberList(CommandSpec spec) => (spec.Set, spec.Command) is (2, 4) or (2, 5) or (2, 14) or (2, 15);

    /// <summary>
    /// The methods or fields of a bootstrap class: one type for every node, whose JDKs may differ in members, so the
    /// list is the union over the nodes (the context node's first, in its order). A frame on any node then names a
    /// method the debugger knows.
    /// </summary>
    private async Task<Reply> MemberUnionAsync(JdwpPacket packet, CommandSpec spec, Symbol symbol)
    {
        var withGeneric = spec.Command is 14 or 15;
        var seen = new HashSet<ulong>();
        var entries = new JdwpWriter();
        var count = 0;
        Reply? first = null;
        // Every node, not only those the class was seen on yet: the debugger caches the list, and a frame on a node
        // surfaced later must still name a method in it.
        foreach (var node in CandidatesFor(symbol))
        {
            var (mapper, body) = await ToNodeAsync(node, spec.Out, packet.Body).ConfigureAwait(false);
            JdwpPacket reply;
            try
            {
                if (mapper.Error is not null)
                {
                    continue;
                }

                reply = await node.SendAsync(spec.Set, spec.Command, body.WrittenMemory).ConfigureAwait(false);
            }
            finally
            {
                body.Return();
            }

            var virtualized = reply.ErrorCode != 0
                ? Reply.Error((ErrorCode)reply.ErrorCode, $"node {node.Name} answered with this error")
                : await ToDebuggerAsync(node, spec.Reply, reply.Body, symbol.NodeTypeIds.GetValueOrDefault(node.Index), reply.Id, spec.FullName).ConfigureAwait(false);
            first ??= virtualized;
            if (virtualized.Code != ErrorCode.None)
            {
                continue;
            }

            var reader = new JdwpReader(virtualized.Body);
            var n = reader.ReadCount(1);
            for (var i = 0; i < n; i++)
            {
                var start = reader.Position;
                var id = reader.ReadId(8);
                reader.ReadStringBytes();
                reader.ReadStringBytes();
                if (withGeneric)
                {
                    reader.ReadStringBytes();
                }

                reader.ReadInt32();
                if (seen.Add(id))
                {
                    entries.Bytes(virtualized.Body.AsSpan(start, reader.Position - start));
                    count++;
                }
            }
        }

        return count > 0 || first is null or { Code: ErrorCode.None }
            ? Reply.Ok(new JdwpWriter(entries.Length + 4).Int(count).Bytes(entries.Written).ToArray())
            : first.Value;
    }

    /// <summary>Replies the virtual VM presents differently from the node: thread and group names carry the node name; a node's top-level groups hang under the node's group.</summary>
    private Reply Adjust(CommandSpec spec, NodeLink node, Reply reply)
    {
        switch (spec.Set, spec.Command)
        {
            case (11, 1) or (12, 1):
                {
                    // Several nodes have a "main" thread and a "main" group: the node's name tells them apart.
                    var name = new JdwpReader(reply.Body).ReadStringBytes();
                    var prefixed = new JdwpWriter(name.Length + 16);
                    var prefix = System.Text.Encoding.UTF8.GetBytes($"[{node.Name}] ");
                    prefixed.Int(prefix.Length + name.Length).Bytes(prefix).Bytes(name);
                    return Reply.Ok(prefixed.ToArray());
                }

            case (12, 2) when new JdwpReader(reply.Body).ReadId(8) == 0:
                return Reply.Ok(new JdwpWriter().Id(Vm.NodeGroupOf(node.Index), 8).ToArray());
            default:
                return reply;
        }
    }

    /// <summary>Nodes to try for a command that names only types: those known to have the symbol, the context node first.</summary>
    private IEnumerable<NodeLink> CandidatesFor(Symbol? symbol)
    {
        var up = Vm.UpNodes;
        var ordered = up.OrderBy(n => n.Index == Vm.ContextNode ? 0 : 1).ThenBy(n => n.Index).ToList();
        if (symbol is null)
        {
            return ordered.Take(1);
        }

        return ordered.OrderBy(n => symbol.NodeTypeIds.ContainsKey(n.Index) ? 0 : 1);
    }

    /// <summary>
    /// Translates a debugger's body into a node's IDs, resolving what the tables lack. The body is written into a
    /// writer rented from the array pool (reused by every pass); the caller sends its bytes and then returns it.
    /// </summary>
    private async Task<(ToNodeMapper Mapper, JdwpWriter Body)> ToNodeAsync(NodeLink node, Layout layout, byte[] body)
    {
        var translated = JdwpWriter.Rent(body.Length);
        try
        {
            for (var pass = 1; ; pass++)
            {
                var mapper = new ToNodeMapper(Vm, node);
                translated.Clear();
                try
                {
                    PacketRewriter.Rewrite(body, layout, IdSizes.Eight, node.Sizes, mapper, translated);
                }
                catch (JdwpProtocolException) when (mapper.Error is not null || (mapper.Misses.Count > 0 && pass < MaxPasses))
                {
                    // An untagged value whose field or array the pass could not type was walked as void, so the rest
                    // of the body no longer fits the layout: the miss (resolved below) or the error is the cause, not the bytes.
                    translated.Clear();
                }

                if (mapper.Error is not null || mapper.Misses.Count == 0 || pass == MaxPasses)
                {
                    return (mapper, translated);
                }

                await Task.WhenAll(mapper.Misses.Select(resolve => resolve())).ConfigureAwait(false);
            }
        }
        catch
        {
            translated.Return();
            throw;
        }
    }

    /// <summary>
    /// Translates a node's reply or event into virtual IDs, surfacing new types and members. With
    /// <paramref name="rent"/> the translation stays in a writer rented from the array pool (reused by every pass),
    /// which the reply owns until it has been sent (<see cref="Reply.Release"/>); otherwise it is copied to an array
    /// for callers that read or merge it.
    /// </summary>
    private async Task<Reply> ToDebuggerAsync(NodeLink node, Layout layout, byte[] body, ulong contextType, int packetId, string command, ulong frameOwner = 0, bool rent = false)
    {
        var translated = JdwpWriter.Rent(body.Length);
        var keep = false;
        try
        {
            for (var pass = 1; pass <= MaxPasses; pass++)
            {
                var mapper = new ToDebuggerMapper(Vm, node, frameOwner);
                translated.Clear();
                try
                {
                    PacketRewriter.Rewrite(body, layout, node.Sizes, IdSizes.Eight, mapper, translated, contextType);
                }
                catch (JdwpProtocolException ex)
                {
                    var located = ex.At($"{node.Name}@{Name}", packetId, command);
                    _metrics?.ProtocolError(fromDebugger: false);
                    GatewayLog.MalformedInput(_logger, located.Connection, located.Message);
                    await node.DisposeAsync().ConfigureAwait(false);
                    return Reply.Error(ErrorCode.Internal, located.Message);
                }

                if (mapper.Error is { } error)
                {
                    return Reply.Error(error.Code, error.Message);
                }

                if (mapper.Misses.Count == 0)
                {
                    keep = rent;
                    return rent ? Reply.Rented(translated) : Reply.Ok(translated.ToArray());
                }

                await Task.WhenAll(mapper.Misses.Select(resolve => resolve())).ConfigureAwait(false);
            }

            return Reply.Error(ErrorCode.Internal, $"IDs in {node.Name}'s {command} reply could not be mapped after {MaxPasses} passes");
        }
        finally
        {
            if (!keep)
            {
                translated.Return();
            }
        }
    }
}
