using JdwpGateway.Protocol.Encoding;
using JdwpGateway.Protocol.Spec;
using JdwpGateway.Routing.Nodes;
using JdwpGateway.Routing.Session;

namespace JdwpGateway.Routing.Mapping;

/// <summary>Maps a node's IDs in a reply or event to the virtual IDs the debugger sees, registering new ones.</summary>
/// <param name="vm">The virtual VM's tables.</param>
/// <param name="node">The node that sent the packet.</param>
/// <param name="frameOwner">The virtual thread whose frames the packet lists (ThreadReference.Frames), so they can be
/// forgotten when that thread resumes; 0 otherwise.</param>
internal sealed class ToDebuggerMapper(VirtualVm vm, NodeLink node, ulong frameOwner = 0) : MappingOutcome, IIdMapper
{
    public ulong Map(IdKind kind, ulong id, ulong contextType)
    {
        switch (kind)
        {
            case IdKind.Frame:
                return vm.Frames.Intern(node.Index, id, kind, frameOwner);
            case IdKind.ReferenceType or IdKind.Class or IdKind.Interface or IdKind.ArrayType:
                if (vm.Symbols.TryGetByNodeType(node.Index, id, out var symbol))
                {
                    vm.MarkShown(symbol.VirtualId);
                    return symbol.VirtualId;
                }

                return Miss(() => vm.Symbols.SurfaceAsync(node, id));
            case IdKind.Method or IdKind.Field:
                {
                    var isMethod = kind == IdKind.Method;
                    if (contextType == 0)
                    {
                        return Fail(ErrorCode.Internal, $"{node.Name} sent a {kind} ID {id:x} with no declaring type in the packet");
                    }

                    return vm.Symbols.TryGetNodeMember(node.Index, contextType, isMethod, id, out var member)
                        ? member.VirtualId
                        : Miss(() => vm.Symbols.EnsureMembersAsync(node, contextType, isMethod));
                }

            default:
                return vm.Objects.Intern(node.Index, id, kind);
        }
    }

    public int MapRequest(int requestId) => vm.Requests.TryGetVirtual(node.Index, requestId, out var virtualId) ? virtualId : 0;

    public byte UntaggedTag(UntaggedSource source, ulong subject, ulong contextType) =>
        throw new InvalidOperationException("Nodes never send untagged values.");
}
