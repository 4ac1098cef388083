using System.Buffers.Binary;
using JdwpGateway.Protocol;
using JdwpGateway.Protocol.Encoding;
using JdwpGateway.Protocol.Spec;
using JdwpGateway.Routing.Mapping;
using JdwpGateway.Routing.Nodes;

namespace JdwpGateway.Routing.Session;

public sealed partial class DebugSession
{
    private readonly Queue<ParkedEvents> _parked = new();
    private int _virtualSuspendCount;

    private static readonly Select EventCases = (Select)((Repeat)JdwpSpec.Find(64, 100)!.Out.Elements[1]).Body.Elements[0];

    /// <summary>
    /// Node events run one at a time for the whole session, so the virtual VM's suspension state changes in the order
    /// the debugger sees the events.
    /// </summary>
    private async ValueTask OnNodeEventAsync(NodeLink node, JdwpPacket packet)
    {
        await _eventLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (JdwpSpec.Find(packet.CommandSet, packet.Command) is null)
            {
                await ForwardVendorCommandFromNodeAsync(node, packet).ConfigureAwait(false);
                return;
            }

            if ((packet.CommandSet, packet.Command) != (64, 100))
            {
                GatewayLog.EventDropped(_logger, Name, $"{packet.CommandSet}/{packet.Command}", node.Name, "nodes send only Event.Composite");
                return;
            }

            await ProcessCompositeAsync(node, packet).ConfigureAwait(false);
        }
        catch (JdwpProtocolException ex)
        {
            var located = ex.At($"{node.Name}@{Name}", packet.Id, "Event.Composite");
            GatewayLog.MalformedInput(_logger, located.Connection, located.Message);
            await node.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or NodeCommandException or ObjectDisposedException)
        {
            GatewayLog.EventDropped(_logger, Name, "Composite", node.Name, ex.Message);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // The session ended while the packet waited for the debugger.
        }
        catch (Exception ex)
        {
            GatewayLog.UnexpectedFailure(_logger, ex, Name, $"processing an event from {node.Name}");
        }
        finally
        {
            _eventLock.Release();
        }
    }

    private async Task ProcessCompositeAsync(NodeLink node, JdwpPacket packet)
    {
        // The composite for the debugger is built in a rented buffer: suspend policy and count first, patched at the end.
        var kept = JdwpWriter.Rent(packet.Body.Length + 5);
        try
        {
            await ProcessCompositeAsync(node, packet, kept).ConfigureAwait(false);
        }
        finally
        {
            kept.Return();
        }
    }

    private async Task ProcessCompositeAsync(NodeLink node, JdwpPacket packet, JdwpWriter kept)
    {
        var body = packet.Body;
        var reader = new JdwpReader(body);
        var suspendPolicy = reader.ReadByte();
        var count = reader.ReadCount(5);
        var offset = reader.Position;
        kept.Byte(0).Int(0);
        var keptCount = 0;
        ulong eventThread = 0;
        var expired = new List<Requests.VirtualRequest>();

        // With suspend: thread the nodes suspend only the event thread, but the debugger is shown the policy it asked
        // for (jdb, for one, mishandles an event set whose policy differs from its request's).
        var presentedPolicy = suspendPolicy;
        var delivered = new List<int>();
        for (var i = 0; i < count; i++)
        {
            var at = offset;
            var kind = body.ElementAtOrDefault(at);
            if (!EventCases.Cases.TryGetValue(kind, out var eventCase))
            {
                throw JdwpReader.Error(JdwpPacket.HeaderLength + at, $"unknown eventKind {kind}");
            }

            var fields = new JdwpReader(body.AsSpan(at + 1), JdwpPacket.HeaderLength + at + 1);
            var nodeRequestId = fields.ReadInt32();
            var nodeThread = kind is (byte)EventKind.VMDeath or (byte)EventKind.ClassUnload ? 0 : fields.ReadId(node.Sizes.ObjectId);
            eventThread = eventThread == 0 ? nodeThread : eventThread;

            var announcedBefore = kind == (byte)EventKind.ClassPrepare && await WasAnnouncedAsync(node, body, at).ConfigureAwait(false);
            var mark = kept.Length;
            kept.Byte(kind);
            var (error, consumed) = await EventToDebuggerAsync(node, eventCase.Body, body, at + 1, packet.Id, kept).ConfigureAwait(false);
            offset = at + 1 + consumed;

            if (kind == (byte)EventKind.ClassPrepare && TryGetWatch(node.Index, nodeRequestId, out var watch))
            {
                kept.Truncate(mark);
                await SatisfyWatchAsync(watch, node).ConfigureAwait(false);
                continue;
            }

            Requests.VirtualRequest? request = null;
            var isDebuggers = Vm.Requests.TryGetVirtual(node.Index, nodeRequestId, out var virtualId) && Vm.Requests.TryGet(virtualId, out request);
            var reason = kind switch
            {
                (byte)EventKind.VMDeath => "a node's death is not the virtual VM's",
                (byte)EventKind.VMStart => "the virtual VM started before the debugger attached",
                _ when !isDebuggers => $"request {nodeRequestId} is not the debugger's (cleared?)",
                _ when announcedBefore => "the debugger already knows this class from another node",
                _ when error is not null => error.Message,
                _ when request!.CountedByGateway && !request.CountOccurrence() => "its count filter has not been reached across the nodes (or has expired)",
                _ => null,
            };
            if (reason is null && request!.CountedByGateway)
            {
                // The count was reached: like one JVM, the request now expires everywhere.
                expired.Add(request);
            }

            if (reason is not null)
            {
                kept.Truncate(mark);
                GatewayLog.EventDropped(_logger, Name, ((EventKind)kind).ToString(), node.Name, reason);
                continue;
            }

            keptCount++;
            presentedPolicy = Math.Max(presentedPolicy, request!.SuspendPolicy);
            delivered.Add(request.Id);
        }

        foreach (var request in expired)
        {
            await ExpireAsync(request).ConfigureAwait(false);
        }

        if (keptCount == 0)
        {
            await ResumeUndeliveredAsync(node, suspendPolicy, eventThread).ConfigureAwait(false);
            return;
        }

        if (_options.Suspend != Config.SuspendScope.Thread)
        {
            presentedPolicy = suspendPolicy;
        }

        kept.PatchByte(0, presentedPolicy);
        kept.PatchInt(1, keptCount);
        if (suspendPolicy == (byte)SuspendPolicy.All && _virtualSuspendCount > 0 && _options.Suspend == Config.SuspendScope.All)
        {
            // In one JVM no thread can reach an event while all are suspended. Here a node's thread can, in the
            // moment before our suspension reached its node. Hold the event (its node stays suspended by it) until the
            // debugger resumes the virtual VM, as if the thread had been suspended just before the event.
            _parked.Enqueue(new ParkedEvents(node, kept.ToArray(), eventThread, delivered));
            GatewayLog.EventParked(_logger, Name, node.Name, _parked.Count);
            return;
        }

        await DeliverAsync(node, suspendPolicy, kept.WrittenMemory, keptCount).ConfigureAwait(false);
    }

    /// <summary>Delivers an event set; for SUSPEND_ALL the other nodes are suspended first, so the whole virtual VM is.</summary>
    private async Task DeliverAsync(NodeLink node, byte suspendPolicy, ReadOnlyMemory<byte> composite, int eventCount)
    {
        if (suspendPolicy == (byte)SuspendPolicy.All && _options.Suspend == Config.SuspendScope.All)
        {
            // The debugger will believe the whole VM is suspended and read any thread's frames: make it true.
            await Task.WhenAll(Vm.UpNodes.Where(n => n.Index != node.Index).Select(n => n.SendAsync(1, 8, []))).ConfigureAwait(false);
            _virtualSuspendCount++;
        }

        Vm.ContextNode = node.Index;
        var id = Interlocked.Increment(ref _nextEventId);
        GatewayLog.Packet(_logger, Name, "gateway->debugger", $"Event.Composite from {node.Name} ({eventCount} events)");
        await _debugger.SendCommandAsync(id, 64, 100, composite).ConfigureAwait(false);
    }

    /// <summary>VirtualMachine.Suspend and Resume change the virtual suspend count, in step with event delivery.</summary>
    private async Task<Reply> SuspendOrResumeAsync(JdwpPacket packet)
    {
        await _eventLock.WaitAsync().ConfigureAwait(false);
        try
        {
            var reply = await BroadcastAsync(packet).ConfigureAwait(false);
            if (packet.Command == 8)
            {
                _virtualSuspendCount++;
                return reply;
            }

            _virtualSuspendCount = Math.Max(0, _virtualSuspendCount - 1);
            if (_virtualSuspendCount == 0)
            {
                // Frame IDs die when their thread resumes; the debugger re-reads frames after the next suspension.
                Vm.Frames.Clear();
            }

            while (_virtualSuspendCount == 0 && _parked.TryDequeue(out var parked))
            {
                if (!parked.Node.IsUp)
                {
                    continue;
                }

                if (!parked.RequestIds.Any(id => Vm.Requests.TryGet(id, out _)))
                {
                    // The debugger cleared the requests meanwhile: a JVM would never report these events now.
                    GatewayLog.EventDropped(_logger, Name, "held set", parked.Node.Name, "its requests were cleared while it was held");
                    await ResumeUndeliveredAsync(parked.Node, (byte)SuspendPolicy.All, parked.NodeThread).ConfigureAwait(false);
                    continue;
                }

                await DeliverAsync(parked.Node, (byte)SuspendPolicy.All, parked.Composite, parked.RequestIds.Count).ConfigureAwait(false);
            }

            return reply;
        }
        finally
        {
            _eventLock.Release();
        }
    }

    /// <summary>Clears a request that reached its count on every node (the debugger still holds its ID and may clear it).</summary>
    private async Task ExpireAsync(Requests.VirtualRequest request)
    {
        foreach (var (index, nodeRequestId) in request.NodeRequestIds)
        {
            if (Vm.TryGetNode(index, out var holder))
            {
                await holder.SendAsync(15, 2, new JdwpWriter().Byte(request.EventKind).Int(nodeRequestId).ToArray()).ConfigureAwait(false);
            }
        }

        ForgetWaiter(request);
    }

    /// <summary>A ClassPrepare is news to the debugger only for a symbol it has not been shown yet.</summary>
    private async Task<bool> WasAnnouncedAsync(NodeLink node, byte[] body, int at)
    {
        var fields = new JdwpReader(body.AsSpan(at + 1));
        fields.ReadInt32();
        fields.ReadId(node.Sizes.ObjectId);
        var tag = fields.ReadByte();
        var typeId = fields.ReadId(node.Sizes.ReferenceTypeId);
        var signature = fields.ReadString();
        Vm.ForgetAbsence(node.Index, signature);
        var symbol = await Vm.Symbols.SurfaceAsync(node, typeId, tag, signature).ConfigureAwait(false);
        return Vm.WasShown(symbol.VirtualId);
    }

    /// <summary>Every event of a set was the gateway's own or dropped: undo the suspension the node applied for it.</summary>
    private async Task ResumeUndeliveredAsync(NodeLink node, byte suspendPolicy, ulong thread)
    {
        switch ((SuspendPolicy)suspendPolicy)
        {
            case SuspendPolicy.All:
                await node.SendAsync(1, 9, []).ConfigureAwait(false);
                break;
            case SuspendPolicy.EventThread when thread != 0:
                await node.SendAsync(11, 3, new JdwpWriter().Id(thread, node.Sizes.ObjectId).ToArray()).ConfigureAwait(false);
                break;
        }
    }

    /// <summary>Translates one event's fields onto the end of <paramref name="writer"/>; a pass that misses is undone and retried.</summary>
    private async Task<(RoutingError? Error, int Consumed)> EventToDebuggerAsync(NodeLink node, Layout layout, byte[] body, int offset, int packetId, JdwpWriter writer)
    {
        var start = writer.Length;
        for (var pass = 1; ; pass++)
        {
            var mapper = new ToDebuggerMapper(Vm, node);
            writer.Truncate(start);
            var consumed = PacketRewriter.RewritePrefix(body.AsSpan(offset), JdwpPacket.HeaderLength + offset, layout, node.Sizes, IdSizes.Eight, mapper, writer);
            if (mapper.Error is not null || mapper.Misses.Count == 0)
            {
                return (mapper.Error, consumed);
            }

            if (pass == MaxPasses)
            {
                return (new RoutingError(ErrorCode.Internal, $"IDs in event packet {packetId} could not be mapped"), consumed);
            }

            await Task.WhenAll(mapper.Misses.Select(resolve => resolve())).ConfigureAwait(false);
        }
    }

    /// <summary>An event set held while the virtual VM was suspended: its node stays suspended by it until delivery.</summary>
    private sealed record ParkedEvents(NodeLink Node, byte[] Composite, ulong NodeThread, IReadOnlyList<int> RequestIds);
}
