using JdwpGateway.Protocol.Encoding;
using JdwpGateway.Protocol.Spec;
using JdwpGateway.Routing.Nodes;
using JdwpGateway.Routing.Session;
using JdwpGateway.Routing.Symbols;

namespace JdwpGateway.Routing.Mapping;

/// <summary>Maps virtual IDs in a debugger's packet to the IDs of the node the packet is sent to.</summary>
internal sealed class ToNodeMapper(VirtualVm vm, NodeLink node) : MappingOutcome, IIdMapper
{
    /// <summary>Symbols the packet names that the node has not loaded.</summary>
    public HashSet<Symbol> AbsentSymbols { get; } = [];

    /// <summary>
    /// Members the packet names that the node's type lacks: a bootstrap class is one type across JDKs whose members
    /// differ (java.lang.Thread.runWith exists from JDK 21), so another node that has the member must serve it.
    /// </summary>
    public HashSet<Member> AbsentMembers { get; } = [];

    public ulong Map(IdKind kind, ulong id, ulong contextType)
    {
        switch (kind)
        {
            case IdKind.Frame:
                return vm.Frames.TryResolve(id, out var frame)
                    ? OnThisNode(frame, kind, id)
                    : Fail(ErrorCode.InvalidFrameId, $"frame {id:x} is unknown (frames expire when their thread resumes)");
            case IdKind.ReferenceType or IdKind.Class or IdKind.Interface or IdKind.ArrayType:
                return vm.Symbols.TryGetByVirtual(id, out var symbol)
                    ? TypeOnNode(symbol)
                    : Fail(ErrorCode.InvalidClass, $"reference type {id:x} is unknown");
            case IdKind.Method or IdKind.Field:
                return MemberOnNode(kind, id);
            default:
                return vm.Objects.TryResolve(id, out var obj)
                    ? OnThisNode(obj, kind, id)
                    : Fail(kind == IdKind.Thread ? ErrorCode.InvalidThread : ErrorCode.InvalidObject, $"{kind} {id:x} is unknown");
        }
    }

    public int MapRequest(int requestId) =>
        vm.Requests.TryGet(requestId, out var request) && request.NodeRequestIds.TryGetValue(node.Index, out var nodeId)
            ? nodeId
            : (int)Fail(ErrorCode.InvalidEventType, $"request {requestId} is not set on {node.Name}");

    public byte UntaggedTag(UntaggedSource source, ulong subject, ulong contextType)
    {
        if (source == UntaggedSource.PrecedingField)
        {
            if (vm.Symbols.TryGetMember(subject, out var field))
            {
                return (byte)field.Signature[0];
            }

            Fail(ErrorCode.InvalidFieldId, $"field {subject:x} is unknown");
            return (byte)'V';
        }

        if (vm.Objects.TryResolve(subject, out var array) && array.Node == node.Index)
        {
            if (vm.TryGetArrayComponentTag(array.Node, array.NodeId, out var tag))
            {
                return tag;
            }

            Miss(() => vm.LoadArrayComponentTagAsync(node, array.NodeId));
            return (byte)'V';
        }

        Fail(ErrorCode.InvalidArray, $"array {subject:x} is unknown on {node.Name}");
        return (byte)'V';
    }

    private ulong OnThisNode(NodeRef r, IdKind kind, ulong id)
    {
        if (r.Node == node.Index)
        {
            return r.NodeId;
        }

        if (kind is IdKind.String or IdKind.Object && vm.IsCreatedString(id))
        {
            return vm.TryGetStringCopy(id, node.Index, out var copy) ? copy : Miss(() => vm.CopyStringAsync(node, id));
        }

        var owner = r.Node == NodeIdTable.GatewayNode ? "the gateway (a per-node thread group)" : $"node {vm.NodeName(r.Node)}";
        return Fail(kind == IdKind.Frame ? ErrorCode.InvalidFrameId : ErrorCode.InvalidObject,
            $"{kind} {id:x} belongs to {owner}, but this command is routed to node {node.Name}; a command cannot mix IDs of two nodes");
    }

    private ulong TypeOnNode(Symbol symbol)
    {
        if (symbol.NodeTypeIds.TryGetValue(node.Index, out var typeId))
        {
            return typeId;
        }

        if (vm.IsKnownAbsent(symbol, node.Index))
        {
            AbsentSymbols.Add(symbol);
            return Fail(ErrorCode.InvalidClass, $"{symbol.ClassName} is not loaded on node {node.Name}");
        }

        return Miss(() => vm.LocateAsync(symbol, node));
    }

    private ulong MemberOnNode(IdKind kind, ulong id)
    {
        if (!vm.Symbols.TryGetMember(id, out var member))
        {
            return Fail(kind == IdKind.Method ? ErrorCode.InvalidMethodId : ErrorCode.InvalidFieldId, $"{kind} {id:x} is unknown");
        }

        if (member.NodeIds.TryGetValue(node.Index, out var nodeId))
        {
            return nodeId;
        }

        var typeId = TypeOnNode(member.Owner);
        if (typeId == 0)
        {
            return 0;
        }

        if (vm.Symbols.MembersLoaded(node.Index, typeId, member.IsMethod))
        {
            AbsentMembers.Add(member);
            return Fail(kind == IdKind.Method ? ErrorCode.InvalidMethodId : ErrorCode.InvalidFieldId,
                $"{member.Owner.ClassName}.{member.Name}{member.Signature} does not exist on node {node.Name}");
        }

        return Miss(() => vm.Symbols.EnsureMembersAsync(node, typeId, member.IsMethod));
    }
}
