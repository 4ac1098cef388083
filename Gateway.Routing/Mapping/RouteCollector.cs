using JdwpGateway.Protocol.Encoding;
using JdwpGateway.Protocol.Spec;
using JdwpGateway.Routing.Session;
using JdwpGateway.Routing.Symbols;

namespace JdwpGateway.Routing.Mapping;

/// <summary>
/// Reads a debugger's command without changing it, to learn where it must go: the node of the objects, threads and
/// frames it names (all must agree), and the symbols it names.
/// </summary>
internal sealed class RouteCollector(VirtualVm vm) : IIdMapper
{
    private int? _weakNode;
    private int? _node;

    /// <summary>
    /// Node of the first node-bound ID, if any. Strings the debugger created can be copied to any node, so they decide
    /// the route only when nothing else does.
    /// </summary>
    public int? Node => _node ?? _weakNode;

    /// <summary>A description of the first ID from another node than <see cref="Node"/>, if any.</summary>
    public string? Conflict { get; private set; }

    /// <summary>Symbols named by type, method or field IDs, in order of appearance.</summary>
    public List<Symbol> Symbols { get; } = [];

    /// <summary>Collects routing facts from a command body.</summary>
    public static RouteCollector Collect(VirtualVm vm, Layout layout, byte[] body)
    {
        var collector = new RouteCollector(vm);
        try
        {
            PacketRewriter.Rewrite(body, layout, Protocol.IdSizes.Eight, Protocol.IdSizes.Eight, collector);
        }
        catch (StopCollecting)
        {
            // The rest of the body holds values whose layout depends on the node; the route is known by now.
        }

        return collector;
    }

    public ulong Map(IdKind kind, ulong id, ulong contextType)
    {
        switch (kind)
        {
            case IdKind.ReferenceType or IdKind.Class or IdKind.Interface or IdKind.ArrayType:
                if (vm.Symbols.TryGetByVirtual(id, out var symbol))
                {
                    Symbols.Add(symbol);
                }

                break;
            case IdKind.Method or IdKind.Field:
                if (vm.Symbols.TryGetMember(id, out var member))
                {
                    Symbols.Add(member.Owner);
                }

                break;
            default:
                var table = kind == IdKind.Frame ? vm.Frames : vm.Objects;
                if (table.TryResolve(id, out var r))
                {
                    if (kind != IdKind.Frame && vm.IsCreatedString(id))
                    {
                        _weakNode ??= r.Node;
                    }
                    else if (_node is null)
                    {
                        _node = r.Node;
                    }
                    else if (_node != r.Node)
                    {
                        Conflict ??= $"{kind} {id:x} is on {vm.NodeName(r.Node)} while an earlier ID is on {vm.NodeName(_node.Value)}";
                    }
                }

                break;
        }

        return id;
    }

    public int MapRequest(int requestId) => requestId;

    public byte UntaggedTag(UntaggedSource source, ulong subject, ulong contextType)
    {
        if (source == UntaggedSource.PrecedingField && vm.Symbols.TryGetMember(subject, out var field))
        {
            return (byte)field.Signature[0];
        }

        throw new StopCollecting();
    }

    private sealed class StopCollecting : Exception;
}
