using JdwpGateway.Routing.Config;
using JdwpGateway.Routing.Nodes;

namespace JdwpGateway.Routing.Session;

public sealed partial class DebugSession
{
    /// <summary>Connects every node at once: agents drop a debugger that does not handshake within about two seconds.</summary>
    private async Task ConnectAllNodesAsync(CancellationToken token)
    {
        var attempts = _options.Nodes.Select((node, index) => TryConnectAsync(index, node, token)).ToList();
        var results = await Task.WhenAll(attempts).ConfigureAwait(false);
        for (var i = 0; i < results.Length; i++)
        {
            if (!results[i])
            {
                Track(RetryNodeAsync(i, _options.Nodes[i], token));
            }
        }
    }

    private async Task<bool> TryConnectAsync(int index, NodeOptions node, CancellationToken token, bool logFailure = true)
    {
        // An agent whose previous debugger just detached needs a moment to listen again: retry briefly on refusal.
        for (var attempt = 1; logFailure && attempt < 4; attempt++)
        {
            if (await TryConnectOnceAsync(index, node, token, logFailure: false).ConfigureAwait(false))
            {
                return true;
            }

            await Task.Delay(300, token).ConfigureAwait(false);
        }

        return await TryConnectOnceAsync(index, node, token, logFailure).ConfigureAwait(false);
    }

    private async Task<bool> TryConnectOnceAsync(int index, NodeOptions node, CancellationToken token, bool logFailure)
    {
        try
        {
            var link = await NodeLink.ConnectAsync(index, node, Name, _options.MaxPacketLength, _options.NodeConnectTimeout, OnNodeEventAsync, token).ConfigureAwait(false);
            Vm.AddNode(link);
            GatewayLog.NodeConnected(_logger, Name, node.Name, link.Version.VmVersion, link.Version.JdwpMajor, link.Version.JdwpMinor);
            Track(WatchNodeAsync(link));
            return true;
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or OperationCanceledException or Protocol.JdwpProtocolException)
        {
            if (token.IsCancellationRequested)
            {
                return false;
            }

            if (logFailure)
            {
                GatewayLog.NodeUnavailable(_logger, Name, node.Name, node.Address, ex is OperationCanceledException ? "timed out" : ex.Message, _options.NodeRetryInterval);
            }

            return false;
        }
    }

    private async Task RetryNodeAsync(int index, NodeOptions node, CancellationToken token)
    {
        try
        {
            while (!token.IsCancellationRequested)
            {
                await Task.Delay(_options.NodeRetryInterval, token).ConfigureAwait(false);
                if (await TryConnectAsync(index, node, token, logFailure: false).ConfigureAwait(false))
                {
                    await JoinNodeAsync(index).ConfigureAwait(false);
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>A node that connects after the debugger attached receives the session's event requests.</summary>
    private async Task JoinNodeAsync(int index)
    {
        if (!Vm.TryGetNode(index, out var node))
        {
            return;
        }

        foreach (var request in Vm.Requests.All.ToList())
        {
            await ApplyRequestAsync(request, node).ConfigureAwait(false);
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
            GatewayLog.MalformedInput(_logger, malformed.Connection, malformed.Message);
        }

        GatewayLog.NodeLeft(_logger, Name, link.Name, reason?.Message ?? "connection closed by the node");
        await link.DisposeAsync().ConfigureAwait(false);
        Vm.RemoveNode(link.Index);
        RemoveWatches(link.Index);
        Track(RetryNodeAsync(link.Index, link.Options, _stop.Token));
    }
}
