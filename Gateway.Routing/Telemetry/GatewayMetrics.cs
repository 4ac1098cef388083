using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using JdwpGateway.Routing.Session;

namespace JdwpGateway.Routing.Telemetry;

/// <summary>Which way a JDWP packet crossed the gateway.</summary>
public enum PacketDirection
{
    /// <summary>From the debugger (commands, and replies to vendor commands).</summary>
    FromDebugger,

    /// <summary>To the debugger (replies and events).</summary>
    ToDebugger,

    /// <summary>To a node (commands, and replies to its vendor commands).</summary>
    ToNode,

    /// <summary>From a node (replies and events).</summary>
    FromNode,
}

/// <summary>A debugger command in flight: when it started and its span, if traced.</summary>
public readonly struct CommandTrace
{
    internal CommandTrace(long started, byte set, byte command, Activity? activity)
    {
        Started = started;
        Set = set;
        Command = command;
        Activity = activity;
    }

    internal long Started { get; }

    internal byte Set { get; }

    internal byte Command { get; }

    internal Activity? Activity { get; }
}

/// <summary>
/// The gateway's meter and activity source, both named <see cref="Name"/>, and the one place the routing code records
/// into them (docs/architecture.md, "Observability", lists every instrument). Every method on the packet path is
/// allocation-free: attribute values are cached per command, tags are passed as stack-only pairs, and nothing is
/// built while no listener is attached.
/// </summary>
public sealed class GatewayMetrics : IDisposable
{
    public const string Name = "JdwpGateway";

    private static readonly KeyValuePair<string, object?>[] Directions =
    [
        new("direction", "debugger_to_gateway"),
        new("direction", "gateway_to_debugger"),
        new("direction", "gateway_to_node"),
        new("direction", "node_to_gateway"),
    ];

    private static readonly KeyValuePair<string, object?> FromDebuggerSource = new("source", "debugger");
    private static readonly KeyValuePair<string, object?> FromNodeSource = new("source", "node");
    private static readonly KeyValuePair<string, object?> Joined = new("change", "joined");
    private static readonly KeyValuePair<string, object?> Left = new("change", "left");
    private static readonly KeyValuePair<string, object?> Failed = new("change", "failed");

    private readonly Meter _meter;
    private readonly Counter<long> _packets;
    private readonly Counter<long> _bytes;
    private readonly Counter<long> _commands;
    private readonly Histogram<double> _commandDuration;
    private readonly Histogram<int> _fanOutWidth;
    private readonly Counter<long> _events;
    private readonly Counter<long> _nodeChanges;
    private readonly Counter<long> _sessions;
    private readonly UpDownCounter<long> _activeSessions;
    private readonly Counter<long> _protocolErrors;
    private readonly ConcurrentDictionary<VirtualVm, byte> _vms = new();

    /// <param name="meters">Creates the meter (a host's DI factory); null makes one this instance owns.</param>
    public GatewayMetrics(IMeterFactory? meters = null)
    {
        _meter = meters?.Create(Name) ?? new Meter(Name);
        Source = new ActivitySource(Name);
        _packets = _meter.CreateCounter<long>("jdwp.gateway.packets", "{packet}", "JDWP packets, by direction");
        _bytes = _meter.CreateCounter<long>("jdwp.gateway.bytes", "By", "JDWP packet bytes (header included), by direction");
        _commands = _meter.CreateCounter<long>("jdwp.gateway.commands", "{command}", "Debugger commands answered, by jdwp.command, jdwp.error (NONE when it succeeded) and gateway.route");
        _commandDuration = _meter.CreateHistogram<double>(
            "jdwp.gateway.command.duration",
            "s",
            "From a debugger command's arrival to its reply being sent, by jdwp.command and gateway.route",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5] });
        _fanOutWidth = _meter.CreateHistogram<int>(
            "jdwp.gateway.fan_out.width",
            "{node}",
            "Nodes a fan-out command went to, by jdwp.command",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64] });
        _events = _meter.CreateCounter<long>("jdwp.gateway.events", "{event}", "Events delivered to the debugger (each event of a composite counts)");
        _nodeChanges = _meter.CreateCounter<long>("jdwp.gateway.node.changes", "{change}", "Node connections by change: joined (connected to a session), left (its connection ended), failed (could not connect)");
        _sessions = _meter.CreateCounter<long>("jdwp.gateway.sessions", "{session}", "Debugger sessions started");
        _activeSessions = _meter.CreateUpDownCounter<long>("jdwp.gateway.sessions.active", "{session}", "Debugger sessions running now");
        _protocolErrors = _meter.CreateCounter<long>("jdwp.gateway.protocol_errors", "{error}", "Malformed packets that closed a connection, by source (debugger, node)");
        _meter.CreateObservableGauge("jdwp.gateway.virtual_ids", ObserveVirtualIds, "{id}", "Live virtual IDs in the sessions' tables, by table (objects, frames, symbols)");
    }

    /// <summary>The meter (tests attach a <see cref="MeterListener"/> to this one instance).</summary>
    public Meter Meter => _meter;

    /// <summary>Spans <c>jdwp COMMAND</c> (one per debugger command) and <c>jdwp.node COMMAND</c> (each node round trip).</summary>
    public ActivitySource Source { get; }

    public void Packet(PacketDirection direction, int length)
    {
        if (_packets.Enabled || _bytes.Enabled)
        {
            var tag = Directions[(int)direction];
            _packets.Add(1, tag);
            _bytes.Add(length, tag);
        }
    }

    /// <summary>A debugger command arrived: starts its clock and, if traced, its span.</summary>
    public CommandTrace CommandStarted(byte set, byte command)
    {
        var activity = Source.HasListeners() ? StartCommandSpan(set, command) : null;
        var started = activity is not null || _commandDuration.Enabled ? Stopwatch.GetTimestamp() : 0;
        return new CommandTrace(started, set, command, activity);
    }

    /// <summary>Its reply (of <paramref name="replyLength"/> bytes) is being sent to the debugger.</summary>
    /// <param name="vm">Asked for its node count when the command fanned out.</param>
    public void CommandCompleted(in CommandTrace trace, short errorCode, int replyLength, VirtualVm vm)
    {
        ArgumentNullException.ThrowIfNull(vm);
        Packet(PacketDirection.ToDebugger, replyLength);
        if (!_commands.Enabled && !_commandDuration.Enabled && !_fanOutWidth.Enabled && trace.Activity is null)
        {
            return;
        }

        var tags = CommandTags.For(trace.Set, trace.Command);
        var error = CommandTags.Error(errorCode);
        if (_commands.Enabled)
        {
            _commands.Add(1, tags.Command, error, tags.Route);
        }

        if (_commandDuration.Enabled && trace.Started != 0)
        {
            _commandDuration.Record(Stopwatch.GetElapsedTime(trace.Started).TotalSeconds, tags.Command, tags.Route);
        }

        if (tags.IsFanOut && _fanOutWidth.Enabled)
        {
            _fanOutWidth.Record(vm.UpNodes.Count, tags.Command);
        }

        if (trace.Activity is { } activity)
        {
            activity.SetTag(error.Key, error.Value);
            if (errorCode != 0)
            {
                activity.SetStatus(ActivityStatusCode.Error);
            }

            activity.Dispose();
        }
    }

    /// <summary>The command ended without a reply (the session is closing): its span ends, nothing is counted.</summary>
    public static void CommandAbandoned(in CommandTrace trace) => trace.Activity?.Dispose();

    /// <summary>A command the gateway sends a node; its span is a child of the debugger command's, if that is traced.</summary>
    public Activity? NodeCommandStarted(string node, byte set, byte command, int length)
    {
        Packet(PacketDirection.ToNode, length);
        if (!Source.HasListeners() || Activity.Current is null)
        {
            return null;
        }

        var activity = Source.StartActivity(CommandTags.For(set, command).NodeSpanName, ActivityKind.Client);
        activity?.SetTag("jdwp.node", node);
        return activity;
    }

    public void NodeCommandCompleted(Activity? activity, short errorCode, int replyLength)
    {
        Packet(PacketDirection.FromNode, replyLength);
        if (activity is not null)
        {
            var error = CommandTags.Error(errorCode);
            activity.SetTag(error.Key, error.Value);
            activity.Dispose();
        }
    }

    /// <summary>Whether a node round trip needs watching after it is sent (for the reply's packet count or its span).</summary>
    public bool WatchesReplies(Activity? activity) => activity is not null || _packets.Enabled || _bytes.Enabled;

    public void EventsDelivered(int events, int length)
    {
        Packet(PacketDirection.ToDebugger, length);
        _events.Add(events);
    }

    public void NodeJoined() => _nodeChanges.Add(1, Joined);

    public void NodeLeft() => _nodeChanges.Add(1, Left);

    public void NodeFailed() => _nodeChanges.Add(1, Failed);

    public void ProtocolError(bool fromDebugger) => _protocolErrors.Add(1, fromDebugger ? FromDebuggerSource : FromNodeSource);

    /// <summary>A session started: its tables count towards the virtual ID gauge until <see cref="SessionEnded"/>.</summary>
    public void SessionStarted(VirtualVm vm)
    {
        _vms.TryAdd(vm, 0);
        _sessions.Add(1);
        _activeSessions.Add(1);
    }

    public void SessionEnded(VirtualVm vm)
    {
        if (_vms.TryRemove(vm, out _))
        {
            _activeSessions.Add(-1);
        }
    }

    public void Dispose()
    {
        Source.Dispose();
        _meter.Dispose();
    }

    private Activity? StartCommandSpan(byte set, byte command)
    {
        var tags = CommandTags.For(set, command);
        var activity = Source.StartActivity(tags.SpanName, ActivityKind.Server);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(tags.Command.Key, tags.Command.Value);
            activity.SetTag(tags.Route.Key, tags.Route.Value);
        }

        return activity;
    }

    private IEnumerable<Measurement<long>> ObserveVirtualIds()
    {
        long objects = 0, frames = 0, symbols = 0;
        foreach (var vm in _vms.Keys)
        {
            objects += vm.Objects.Count;
            frames += vm.Frames.Count;
            symbols += vm.Symbols.Count;
        }

        return
        [
            new(objects, new KeyValuePair<string, object?>("table", "objects")),
            new(frames, new KeyValuePair<string, object?>("table", "frames")),
            new(symbols, new KeyValuePair<string, object?>("table", "symbols")),
        ];
    }
}
