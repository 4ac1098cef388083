using JdwpGateway.Protocol;
using JdwpGateway.Protocol.Encoding;
using JdwpGateway.Protocol.Spec;
using JdwpGateway.Routing.Config;
using JdwpGateway.Routing.Nodes;

namespace JdwpGateway.Routing.Session;

public sealed partial class DebugSession
{

    /// <summary>Indices with a connection attempt in flight: a node is never connected twice.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, bool> _connecting = new();

    /// <summary>Indices with a retry loop running.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, bool> _retrying = new();

    /// <summary>Connects every node at once: agents drop a debugger that does not handshake within about two seconds.</summary>
    private async Task ConnectAllNodesAsync(CancellationToken token)
    {
        // Subscribe first, so a node that joins while the others connect is not missed.
        _directory.Changed += OnDirectoryChanged;
        var present = _directory.Present;
        var results = await Task.WhenAll(present.Select(p => TryConnectAsync(p.Index, p.Options, token))).ConfigureAwait(false);
        for (var i = 0; i < results.Length; i++)
        {
            if (!results[i])
            {
                StartRetry(present[i].Index, token, immediately: false);
            }
        }
    }

    /// <summary>A node joined the directory (it is connected and given the session's requests) or left it (closed).</summary>
    private void OnDirectoryChanged(NodeChange change)
    {
        if (_debuggerGone || _disposed != 0)
        {
            return;
        }

        if (change.Joined)
        {
            try
            {
                StartRetry(change.Index, _stop.Token, immediately: true);
            }
            catch (ObjectDisposedException)
            {
                // The session ended while the directory changed.
            }
        }
        else if (Vm.TryGetNode(change.Index, out var link) && link.Options == change.Options)
        {
            GatewayLog.NodeWithdrawn(_logger, Name, change.Options.Name, change.Options.Address);
            Track(link.DisposeAsync().AsTask());
        }
    }

    private void StartRetry(int index, CancellationToken token, bool immediately)
    {
        if (_retrying.TryAdd(index, true))
        {
            Track(RetryNodeAsync(index, token, immediately));
        }
    }

    private async Task<bool> TryConnectAsync(int index, NodeOptions node, CancellationToken token)
    {
        // An agent whose previous debugger just detached needs a moment to listen again: retry briefly, but only when
        // the connection was refused (a node that accepts and then stays silent costs one timeout, not several).
        for (var attempt = 1; ; attempt++)
        {
            var (outcome, reason) = await TryConnectOnceAsync(index, node, token).ConfigureAwait(false);
            if (outcome == ConnectOutcome.Connected)
            {
                return true;
            }

            if (outcome == ConnectOutcome.Failed || attempt == 4)
            {
                if (!token.IsCancellationRequested)
                {
                    _metrics?.NodeFailed();
                    GatewayLog.NodeUnavailable(_logger, Name, node.Name, node.Address, reason, _options.NodeRetryInterval);
                }

                return false;
            }

            await Task.Delay(300, token).ConfigureAwait(false);
        }
    }

    private enum ConnectOutcome
    {
        Connected,
        Refused,
        Failed,
    }

    private async Task<(ConnectOutcome Outcome, string Reason)> TryConnectOnceAsync(int index, NodeOptions node, CancellationToken token)
    {
        if (Vm.TryGetNode(index, out _) || !_connecting.TryAdd(index, true))
        {
            return (ConnectOutcome.Failed, "already connected or connecting");
        }

        try
        {
            var link = await NodeLink.ConnectAsync(index, node, Name, _options.MaxPacketLength, _options.NodeConnectTimeout, OnNodeEventAsync, _nodeTap, _metrics, token).ConfigureAwait(false);
            await _eventLock.WaitAsync(token).ConfigureAwait(false);
            try
            {
                // A node joining a suspended virtual VM is suspended as often as the others, before any resume can reach
                // it: otherwise a resume would skip it and its events (held while the VM is suspended) would be
                // delivered from a running thread.
                Vm.AddNode(link);
                for (var i = 0; i < _virtualSuspendCount; i++)
                {
                    await link.SendAsync(1, 8, [], token).ConfigureAwait(false);
                }
            }
            finally
            {
                _eventLock.Release();
            }

            _metrics?.NodeJoined();
            GatewayLog.NodeConnected(_logger, Name, node.Name, link.Version.VmVersion, link.Version.JdwpMajor, link.Version.JdwpMinor);
            Track(WatchNodeAsync(link));
            return (ConnectOutcome.Connected, string.Empty);
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or OperationCanceledException or Protocol.JdwpProtocolException)
        {
            var refused = ex is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.ConnectionRefused };
            return (refused ? ConnectOutcome.Refused : ConnectOutcome.Failed, ex is OperationCanceledException ? "timed out" : ex.Message);
        }
        finally
        {
            _connecting.TryRemove(index, out _);
        }
    }

    /// <summary>
    /// Connects a node that is down or just joined, for as long as the directory lists it, at the address it lists now.
    /// </summary>
    private async Task RetryNodeAsync(int index, CancellationToken token, bool immediately)
    {
        var registered = true;
        try
        {
            for (var attempt = 0; !token.IsCancellationRequested; attempt++)
            {
                if (attempt > 0 || !immediately)
                {
                    await Task.Delay(_options.NodeRetryInterval, token).ConfigureAwait(false);
                }

                if (!_directory.TryGetPresent(index, out var node) || Vm.TryGetNode(index, out _))
                {
                    return;
                }

                if ((await TryConnectOnceAsync(index, node, token).ConfigureAwait(false)).Outcome == ConnectOutcome.Connected)
                {
                    // From here the node's watcher owns its next retry; it may already have tried while this loop
                    // still counted as running, so look again once this loop no longer does.
                    _retrying.TryRemove(index, out _);
                    registered = false;
                    await JoinNodeAsync(index).ConfigureAwait(false);
                    if (!Vm.TryGetNode(index, out _))
                    {
                        StartRetry(index, token, immediately: false);
                    }

                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            if (registered)
            {
                _retrying.TryRemove(index, out _);
            }
        }
    }

    /// <summary>A node that connects after the debugger attached receives the session's event requests.</summary>
    private async Task JoinNodeAsync(int index)
    {
        if (!Vm.TryGetNode(index, out var node))
        {
            return;
        }

        // To the debugger the node's threads are new: announce them before any of their events can arrive (jdb,
        // for one, cannot handle an event on a thread it never heard of). The node is held suspended from its thread
        // list until its requests are set: a thread starting in between would be in neither the list nor an event.
        try
        {
            await node.SendAsync(1, 8, []).ConfigureAwait(false);
            try
            {
                await AnnounceThreadsAsync(node).ConfigureAwait(false);
                foreach (var request in Vm.Requests.All.ToList())
                {
                    await ApplyRequestAsync(request, node).ConfigureAwait(false);
                }
            }
            finally
            {
                // Only the hold is undone: suspensions of the virtual VM since the node came up reached it like any node.
                await node.SendAsync(1, 9, []).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or NodeCommandException)
        {
            // The node left while joining: watching its connection reports that and retries it.
        }
    }

    private async Task WatchNodeAsync(NodeLink link)
    {
        var reason = await link.Completion.ConfigureAwait(false);
        if (_stop.IsCancellationRequested || _disposeRequested)
        {
            return;
        }

        if (reason is Protocol.JdwpProtocolException malformed)
        {
            _metrics?.ProtocolError(fromDebugger: false);
            GatewayLog.MalformedInput(_logger, malformed.Connection, malformed.Message);
        }

        _metrics?.NodeLeft();
        GatewayLog.NodeLeft(_logger, Name, link.Name, reason?.Message ?? "connection closed by the node");
        await link.DisposeAsync().ConfigureAwait(false);
        await AnnounceThreadDeathsAsync(link).ConfigureAwait(false);
        Vm.RemoveNode(link.Index);
        RemoveWatches(link.Index);
        StartRetry(link.Index, _stop.Token, immediately: false);
    }

    /// <summary>Delivers ThreadStart for each thread of a node that joined, to the debugger's ThreadStart requests.</summary>
    private async Task AnnounceThreadsAsync(NodeLink node)
    {
        var requests = Vm.Requests.All.Where(r => r.EventKind == (byte)EventKind.ThreadStart && r.BoundNode is null).ToList();
        if (requests.Count == 0)
        {
            return;
        }

        var spec = JdwpSpec.Find(1, 4)!;
        var reply = await node.SendAsync(1, 4, []).ConfigureAwait(false);
        var threads = await ToDebuggerAsync(node, spec.Reply, reply.Body, 0, reply.Id, spec.FullName).ConfigureAwait(false);
        if (reply.ErrorCode != 0 || threads.Code != ErrorCode.None)
        {
            return;
        }

        var reader = new JdwpReader(threads.Body);
        var count = reader.ReadCount(8);
        var ids = new List<ulong>(count);
        for (var i = 0; i < count; i++)
        {
            ids.Add(reader.ReadId(8));
        }

        await SynthesizeAsync(node, EventKind.ThreadStart, requests, ids).ConfigureAwait(false);
    }

    /// <summary>Delivers ThreadDeath for each thread of a node that left, to the debugger's ThreadDeath requests.</summary>
    private async Task AnnounceThreadDeathsAsync(NodeLink node)
    {
        var requests = Vm.Requests.All.Where(r => r.EventKind == (byte)EventKind.ThreadDeath && r.BoundNode is null).ToList();
        var threads = Vm.Objects.VirtualIdsOf(node.Index, IdKind.Thread);
        await _eventLock.WaitAsync().ConfigureAwait(false);
        try
        {
            // Events held from the dead node can never be acted on.
            var kept = _parked.Where(p => p.Node.Index != node.Index).ToList();
            _parked.Clear();
            kept.ForEach(_parked.Enqueue);
        }
        finally
        {
            _eventLock.Release();
        }

        if (requests.Count > 0 && threads.Count > 0)
        {
            await SynthesizeAsync(node, EventKind.ThreadDeath, requests, threads).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Sends the debugger thread events the nodes never sent (a thread of a joining node "starts", one of a dead node
    /// "dies"). They suspend nothing: the threads are running, or gone.
    /// </summary>
    private async Task SynthesizeAsync(NodeLink node, EventKind kind, IReadOnlyList<Requests.VirtualRequest> requests, IReadOnlyList<ulong> threads)
    {
        var events = new JdwpWriter().Byte((byte)SuspendPolicy.None).Int(requests.Count * threads.Count);
        foreach (var thread in threads)
        {
            foreach (var request in requests)
            {
                events.Byte((byte)kind).Int(request.Id).Id(thread, 8);
            }
        }

        await _eventLock.WaitAsync().ConfigureAwait(false);
        try
        {
            GatewayLog.ThreadsAnnounced(_logger, Name, kind.ToString(), threads.Count, node.Name);
            var packet = JdwpPacket.NewCommand(Interlocked.Increment(ref _nextEventId), 64, 100, events.ToArray());
            _metrics?.EventsDelivered(requests.Count * threads.Count, packet.Length);
            await _debugger.SendAsync(packet).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The debugger is gone; nothing to tell.
        }
        finally
        {
            _eventLock.Release();
        }
    }
}
