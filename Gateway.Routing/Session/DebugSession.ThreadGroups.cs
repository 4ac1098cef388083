using JdwpGateway.Protocol;
using JdwpGateway.Protocol.Encoding;
using JdwpGateway.Protocol.Spec;
using JdwpGateway.Routing.Nodes;

namespace JdwpGateway.Routing.Session;

public sealed partial class DebugSession
{
    /// <summary>Name of the root thread group that holds one group per node.</summary>
    public const string RootGroupName = "fabric";

    /// <summary>
    /// Commands on the gateway's synthetic thread groups: the root (the virtual VM's only top-level group) and one
    /// group per node under it, whose children are the node's own top-level groups. They have no object behind them;
    /// object queries are answered for one of the node's real groups, which has the same type.
    /// </summary>
    private async Task<Reply> NodeGroupCommandAsync(JdwpPacket packet, CommandSpec spec)
    {
        var groupId = new JdwpReader(packet.Body).ReadId(8);
        Vm.Objects.TryResolve(groupId, out var synthetic);
        var isRoot = synthetic.NodeId == VirtualVm.RootGroupMarker;
        NodeLink? node = null;
        if (!isRoot && !Vm.TryGetNode((int)synthetic.NodeId, out node))
        {
            return Reply.Error(ErrorCode.InvalidThreadGroup, $"node {Vm.NodeName((int)synthetic.NodeId)} has left the virtual VM");
        }

        switch (packet.CommandSet, packet.Command)
        {
            case (12, 1):
                return Reply.Ok(new JdwpWriter().String(node?.Name ?? RootGroupName).ToArray());
            case (12, 2):
                return Reply.Ok(new JdwpWriter().Id(isRoot ? 0 : Vm.RootGroup, 8).ToArray());
            case (12, 3) when isRoot:
                {
                    var up = Vm.UpNodes;
                    var writer = new JdwpWriter().Int(0).Int(up.Count);
                    foreach (var child in up)
                    {
                        writer.Id(Vm.NodeGroupOf(child.Index), 8);
                    }

                    return Reply.Ok(writer.ToArray());
                }

            case (12, 3):
                {
                    var groups = await NodeTopLevelGroupsAsync(node!).ConfigureAwait(false);
                    return groups.Code != ErrorCode.None ? groups : Reply.Ok(new JdwpWriter().Int(0).Bytes(groups.Body).ToArray());
                }

            case (9, _):
                {
                    node ??= Vm.UpNodes.FirstOrDefault();
                    var groups = node is null ? Reply.Error(ErrorCode.InvalidObject, "no node is connected") : await NodeTopLevelGroupsAsync(node).ConfigureAwait(false);
                    if (groups.Code != ErrorCode.None || System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(groups.Body) == 0)
                    {
                        return Reply.Error(ErrorCode.InvalidObject, $"node {node?.Name} reports no thread group to stand in for a synthetic one");
                    }

                    var delegated = packet.Body.ToArray();
                    groups.Body.AsSpan(4, 8).CopyTo(delegated);
                    return await RouteByIdsAsync(JdwpPacket.NewCommand(packet.Id, packet.CommandSet, packet.Command, delegated), spec).ConfigureAwait(false);
                }

            default:
                return Reply.Error(ErrorCode.InvalidThreadGroup, $"{spec.FullName} is not defined for the gateway's synthetic thread group '{node?.Name ?? RootGroupName}'");
        }
    }

    /// <summary>The node's own top-level thread groups, in virtual IDs (count followed by IDs).</summary>
    private async Task<Reply> NodeTopLevelGroupsAsync(NodeLink node)
    {
        var reply = await node.SendAsync(1, 5, []).ConfigureAwait(false);
        if (reply.ErrorCode != 0)
        {
            return Reply.Error((ErrorCode)reply.ErrorCode, $"{node.Name} refused TopLevelThreadGroups");
        }

        var spec = JdwpSpec.Find(1, 5)!;
        return await ToDebuggerAsync(node, spec.Reply, reply.Body, 0, reply.Id, spec.FullName).ConfigureAwait(false);
    }
}
