using System.Collections.Frozen;
using JdwpGateway.Protocol.Spec;

namespace JdwpGateway.Routing.Telemetry;

/// <summary>
/// The attribute values and span names of one JDWP command, made once: recording a command then formats and boxes
/// nothing.
/// </summary>
internal sealed class CommandTags
{
    private static readonly FrozenDictionary<int, CommandTags> ByKey =
        JdwpSpec.All.ToFrozenDictionary(c => Key(c.Set, c.Command), c => new CommandTags(c.FullName, RouteName(CommandRoutes.For(c).Kind)));

    private static readonly CommandTags Vendor = new("vendor", "pass-through");

    private static readonly FrozenDictionary<short, KeyValuePair<string, object?>> Errors =
        Enum.GetValues<ErrorCode>().Distinct().ToFrozenDictionary(e => (short)e, e => new KeyValuePair<string, object?>("jdwp.error", e.ToString()));

    private static readonly KeyValuePair<string, object?> OtherError = new("jdwp.error", "other");

    private CommandTags(string command, string route)
    {
        Command = new("jdwp.command", command);
        Route = new("gateway.route", route);
        IsFanOut = route == "fan-out";
        SpanName = "jdwp " + command;
        NodeSpanName = "jdwp.node " + command;
    }

    public KeyValuePair<string, object?> Command { get; }

    public KeyValuePair<string, object?> Route { get; }

    /// <summary>Sent to every node (merged or broadcast).</summary>
    public bool IsFanOut { get; }

    public string SpanName { get; }

    public string NodeSpanName { get; }

    public static CommandTags For(byte set, byte command) => ByKey.GetValueOrDefault(Key(set, command), Vendor);

    public static KeyValuePair<string, object?> Error(short code) => Errors.TryGetValue(code, out var tag) ? tag : OtherError;

    /// <summary>The route families of docs/architecture.md "Observability".</summary>
    private static string RouteName(RouteKind kind) => kind switch
    {
        RouteKind.Synthesized => "synthesized",
        RouteKind.FanOutMerge or RouteKind.Broadcast => "fan-out",
        RouteKind.EventRequest => "event-request",
        RouteKind.ContextNode => "context-node",
        _ => "by-id",
    };

    private static int Key(byte set, byte command) => (set << 8) | command;
}
