using System.Collections.Concurrent;
using JdwpGateway.Protocol;
using JdwpGateway.Protocol.Spec;
using JdwpGateway.Routing.Nodes;

namespace JdwpGateway.Routing.Session;

/// <summary>
/// Vendor and unknown command sets (Android's DDM set 0xC7, a JVM vendor's private set) have layouts the gateway does
/// not know, so it cannot find IDs in them: they travel untouched between the debugger and one node, in both
/// directions, and each command is reported once per session so nobody mistakes them for virtualized traffic.
/// </summary>
public sealed partial class DebugSession
{
    private readonly ConcurrentDictionary<(byte Set, byte Command), bool> _reportedVendorCommands = new();

    /// <summary>Commands a node sent that wait for the debugger's reply: gateway packet id → the node and its id.</summary>
    private readonly ConcurrentDictionary<int, (NodeLink Node, int Id)> _vendorCommandsFromNodes = new();

    /// <summary>Completes once the debugger's handshake is answered: nothing may reach the debugger before it.</summary>
    private readonly TaskCompletionSource _debuggerAttached = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// Sends a debugger's vendor command, bytes untouched, to the node the debugger last worked with (the first node
    /// when it has worked with none) and hands back that node's reply as it is.
    /// </summary>
    private async Task<Reply> ForwardVendorCommandAsync(JdwpPacket packet)
    {
        var node = CandidatesFor(null).FirstOrDefault();
        if (node is null)
        {
            return Reply.Error(ErrorCode.VMDead, "no node is up to take the vendor command");
        }

        ReportVendorCommand(packet, "debugger", node.Name);
        var reply = await node.SendAsync(packet.CommandSet, packet.Command, packet.Body).ConfigureAwait(false);
        return new Reply((ErrorCode)reply.ErrorCode, reply.Body, reply.ErrorCode == 0 ? null : $"node {node.Name} answered with this error");
    }

    /// <summary>Sends a node's vendor command to the debugger untouched, under a gateway packet id.</summary>
    private async Task ForwardVendorCommandFromNodeAsync(NodeLink node, JdwpPacket packet)
    {
        // A VM may speak its vendor set as soon as a debugger connects, which is before the gateway answers its own debugger.
        await _debuggerAttached.Task.WaitAsync(_stop.Token).ConfigureAwait(false);
        ReportVendorCommand(packet, node.Name, "debugger");
        var id = Interlocked.Increment(ref _nextEventId);
        _vendorCommandsFromNodes[id] = (node, packet.Id);
        try
        {
            _metrics?.Packet(Telemetry.PacketDirection.ToDebugger, packet.Length);
            await _debugger.SendAsync(JdwpPacket.NewCommand(id, packet.CommandSet, packet.Command, packet.Body)).ConfigureAwait(false);
        }
        catch
        {
            _vendorCommandsFromNodes.TryRemove(id, out _);
            throw;
        }
    }

    /// <summary>
    /// Returns the debugger's reply to a node's vendor command to that node, under the node's own id; false when the
    /// reply answers nothing the gateway forwarded (a stray reply, which is dropped).
    /// </summary>
    private async Task<bool> ForwardReplyToNodeAsync(JdwpPacket reply)
    {
        if (!_vendorCommandsFromNodes.TryRemove(reply.Id, out var origin))
        {
            return false;
        }

        try
        {
            await origin.Node.SendReplyAsync(origin.Id, reply.ErrorCode, reply.Body).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The node left while the debugger was answering; nobody is waiting any more.
        }

        return true;
    }

    private void ReportVendorCommand(JdwpPacket packet, string from, string to)
    {
        if (_reportedVendorCommands.TryAdd((packet.CommandSet, packet.Command), true))
        {
            GatewayLog.VendorCommandPassedThrough(_logger, Name, $"{packet.CommandSet}/{packet.Command}", from, to);
        }
    }
}
