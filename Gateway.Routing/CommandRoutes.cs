using System.Text;
using JdwpGateway.Protocol.Spec;

namespace JdwpGateway.Routing;

/// <summary>How the virtual VM serves a command.</summary>
public enum RouteKind
{
    /// <summary>Answered by the gateway itself.</summary>
    Synthesized,

    /// <summary>Sent to every node; the replies are merged into one.</summary>
    FanOutMerge,

    /// <summary>Sent to every node; the reply is empty.</summary>
    Broadcast,

    /// <summary>Sent to the node that owns the object, thread or frame IDs in the command; type-only commands go to a node that has loaded the type.</summary>
    ById,

    /// <summary>Carries no node-bound ID: sent to the node the debugger last worked with.</summary>
    ContextNode,

    /// <summary>Event requests: set on the nodes their modifiers select, now and later.</summary>
    EventRequest,

    /// <summary>Sent by nodes, rewritten and delivered to the debugger.</summary>
    Event,
}

/// <summary>The routing rule of one command and why.</summary>
public sealed record CommandRoute(RouteKind Kind, string Rule);

/// <summary>
/// The routing rule of every JDWP command. <see cref="Session.DebugSession"/> dispatches on <see cref="RouteKind"/>,
/// and docs/virtual-vm.md is generated from this table (a test fails when the page is stale).
/// </summary>
public static class CommandRoutes
{
    private const string ByIds = "to the node of the object, thread or frame IDs it carries";
    private const string TypeOnly = "names only types: to a node that has loaded the symbol, the context node first";
    private const string MemberUnion = "; of a bootstrap class (one type across JDKs) the union of the members of every node that has it";
    private const string PerNodeState = "reads per-node state of a shared type: the context node if it has loaded the symbol, else another node that has";

    private static readonly Dictionary<(byte, byte), CommandRoute> Special = new()
    {
        [(1, 1)] = new(RouteKind.Synthesized, "lowest JDWP version of the connected nodes (JDI enables features by it); the description lists every node's VM"),
        [(1, 2)] = new(RouteKind.FanOutMerge, "every node's classes of that signature, one entry per symbol"),
        [(1, 3)] = new(RouteKind.FanOutMerge, "every node's classes, one entry per symbol"),
        [(1, 4)] = new(RouteKind.FanOutMerge, "every node's threads, concatenated"),
        [(1, 5)] = new(RouteKind.Synthesized, "one root group `fabric`; under it one group per node, under which the node's own top-level groups hang"),
        [(1, 6)] = new(RouteKind.Broadcast, "every node disposes its requests and resumes; the session ends, the nodes keep running"),
        [(1, 7)] = new(RouteKind.Synthesized, "8 bytes for every kind; node IDs of any size 1-8 are re-encoded"),
        [(1, 8)] = new(RouteKind.Broadcast, "every node; the virtual suspend count rises by one"),
        [(1, 9)] = new(RouteKind.Broadcast, "every node; when the virtual suspend count reaches zero, a SUSPEND_ALL event held meanwhile is delivered"),
        [(1, 10)] = new(RouteKind.Broadcast, "every node exits: the debugger asked the whole virtual VM to"),
        [(1, 11)] = new(RouteKind.ContextNode, "created on the context node (the node of the last event or object-routed command) and remembered: used with another node's objects, it is copied there (and kept from collection), so it works as an argument on any node"),
        [(1, 12)] = new(RouteKind.FanOutMerge, "a capability holds only if every node has it"),
        [(1, 13)] = new(RouteKind.ContextNode, "class paths of the context node"),
        [(1, 14)] = new(RouteKind.ById, "split by node: each node disposes its own objects, told the larger of the debugger's reference count and the number of times it sent the ID to the gateway (the gateway's own queries included); the gateway forgets the virtual IDs, and a disposed created string's copies on other nodes may be collected again"),
        [(1, 15)] = new(RouteKind.Broadcast, "every node"),
        [(1, 16)] = new(RouteKind.Broadcast, "every node"),
        [(1, 17)] = new(RouteKind.FanOutMerge, "a capability holds only if every node has it"),
        [(1, 18)] = new(RouteKind.FanOutMerge, "each class's bytes go to every node that has loaded its symbol (one RedefineClasses per node); the symbol is re-keyed by the new bytes, the debugger's type stays"),
        [(1, 19)] = new(RouteKind.Broadcast, "every node"),
        [(1, 20)] = new(RouteKind.FanOutMerge, "every node's classes, one entry per symbol"),
        [(1, 21)] = new(RouteKind.FanOutMerge, "the sum over the nodes that have loaded each symbol"),
        [(1, 22)] = new(RouteKind.FanOutMerge, "every node's modules, concatenated"),
        [(2, 2)] = new(RouteKind.ById, PerNodeState),
        [(2, 4)] = new(RouteKind.ById, TypeOnly + MemberUnion),
        [(2, 5)] = new(RouteKind.ById, TypeOnly + MemberUnion),
        [(2, 14)] = new(RouteKind.ById, TypeOnly + MemberUnion),
        [(2, 15)] = new(RouteKind.ById, TypeOnly + MemberUnion),
        [(2, 6)] = new(RouteKind.ById, PerNodeState + " (static field values)"),
        [(2, 9)] = new(RouteKind.ById, PerNodeState),
        [(2, 11)] = new(RouteKind.ById, PerNodeState),
        [(2, 16)] = new(RouteKind.ById, PerNodeState + " (instances on that node only)"),
        [(3, 2)] = new(RouteKind.ById, PerNodeState + " (static field values)"),
        [(3, 3)] = new(RouteKind.ById, "to the node of the thread; served beside the ordered command stream, as invocations block"),
        [(3, 4)] = new(RouteKind.ById, "to the node of the thread; served beside the ordered command stream, as invocations block"),
        [(5, 1)] = new(RouteKind.ById, "to the node of the thread; served beside the ordered command stream, as invocations block"),
        [(9, 6)] = new(RouteKind.ById, "to the node of the object and thread; served beside the ordered command stream, as invocations block"),
        [(11, 1)] = new(RouteKind.ById, ByIds + "; the name is prefixed with `[node]`"),
        [(12, 1)] = new(RouteKind.ById, ByIds + "; real groups are prefixed with `[node]`, synthetic groups answered by the gateway"),
        [(12, 2)] = new(RouteKind.ById, ByIds + "; a node's top-level group reports its node's synthetic group as parent"),
        [(12, 3)] = new(RouteKind.ById, ByIds + "; synthetic groups list the node groups or the node's top-level groups"),
        [(11, 3)] = new(RouteKind.ById, ByIds + "; the thread's virtual frame IDs are forgotten (debuggers drop them on resume too)"),
        [(11, 6)] = new(RouteKind.ById, ByIds + "; each frame ID is remembered with its thread until that thread or the whole VM resumes"),
        [(11, 15)] = new(RouteKind.ById, ByIds + "; a node older than JDWP 21 is answered `false` by the gateway (it has no virtual threads)"),
        [(15, 1)] = new(RouteKind.EventRequest, "a thread, instance or step modifier binds it to that node; type modifiers (location, class, exception, field) set it on every node that has loaded the symbol and, through a hidden ClassPrepare watch, on nodes that load it later; otherwise every node, including nodes that join later. A Count modifier on a request that lives on several nodes is counted by the gateway across them (the nodes get the request without it; the occurrence that reaches the count is delivered and the request then expires everywhere). PlatformThreadsOnly is left out for nodes older than JDWP 21"),
        [(15, 2)] = new(RouteKind.EventRequest, "every node holding the request; deferred watches for it are dropped"),
        [(15, 3)] = new(RouteKind.EventRequest, "every node; the gateway forgets its breakpoint requests"),
        [(64, 100)] = new(RouteKind.Event, "from any node: IDs rewritten; a ClassPrepare for a symbol the debugger already knows is dropped; SUSPEND_ALL suspends every other node before delivery, or is held while the virtual VM is already suspended; node VMStart/VMDeath are dropped"),
    };

    /// <summary>The rule for a command.</summary>
    public static CommandRoute For(CommandSpec command)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (Special.TryGetValue((command.Set, command.Command), out var route))
        {
            return route;
        }

        return command.Set is 2 or 3 or 4 or 5 or 6
            ? new(RouteKind.ById, HasNodeBoundId(command.Out) ? ByIds : TypeOnly)
            : new(RouteKind.ById, ByIds);
    }

    /// <summary>The table of docs/virtual-vm.md.</summary>
    public static string Markdown()
    {
        var text = new StringBuilder();
        text.AppendLine("| Command | Set/Cmd | Route | Rule |");
        text.AppendLine("|---|---|---|---|");
        foreach (var command in JdwpSpec.All.OrderBy(c => c.Set).ThenBy(c => c.Command))
        {
            var route = For(command);
            text.AppendLine($"| {command.FullName} | {command.Set}/{command.Command} | {route.Kind} | {route.Rule} |");
        }

        return text.ToString();
    }

    private static bool HasNodeBoundId(Layout layout) => layout.Elements.Any(e => e switch
    {
        Id id => id.Kind is not (IdKind.ReferenceType or IdKind.Class or IdKind.Interface or IdKind.ArrayType or IdKind.Method or IdKind.Field),
        Repeat r => HasNodeBoundId(r.Body),
        Select s => s.Cases.Values.Any(c => HasNodeBoundId(c.Body)),
        TaggedObject or Value or Location => true,
        _ => false,
    });
}
