using Microsoft.Extensions.Logging;

namespace JdwpGateway.Routing;

/// <summary>Every log line the gateway writes, with stable event IDs.</summary>
internal static partial class GatewayLog
{
    [LoggerMessage(1, LogLevel.Information, "Gateway listening on {Endpoint} for debuggers; nodes: {Nodes}", EventName = "Listening")]
    public static partial void Listening(ILogger logger, string endpoint, string nodes);

    [LoggerMessage(2, LogLevel.Information, "{Session}: debugger attached from {Remote}", EventName = "DebuggerAttached")]
    public static partial void DebuggerAttached(ILogger logger, string session, string remote);

    [LoggerMessage(3, LogLevel.Information, "{Session}: debugger detached ({Reason})", EventName = "DebuggerDetached")]
    public static partial void DebuggerDetached(ILogger logger, string session, string reason);

    [LoggerMessage(4, LogLevel.Warning, "Refusing debugger from {Remote}: {Session} is attached and JDWP allows one debugger per VM", EventName = "SecondDebuggerRefused")]
    public static partial void SecondDebuggerRefused(ILogger logger, string remote, string session);

    [LoggerMessage(5, LogLevel.Information, "{Session}: node {Node} connected ({Vm}, JDWP {Major}.{Minor})", EventName = "NodeConnected")]
    public static partial void NodeConnected(ILogger logger, string session, string node, string vm, int major, int minor);

    [LoggerMessage(6, LogLevel.Warning, "{Session}: node {Node} at {Address} is unavailable: {Reason}; retrying every {Retry}", EventName = "NodeUnavailable")]
    public static partial void NodeUnavailable(ILogger logger, string session, string node, string address, string reason, TimeSpan retry);

    [LoggerMessage(7, LogLevel.Warning, "{Session}: node {Node} left: {Reason}", EventName = "NodeLeft")]
    public static partial void NodeLeft(ILogger logger, string session, string node, string reason);

    [LoggerMessage(8, LogLevel.Warning, "{Connection}: closing connection: {Message}", EventName = "MalformedInput")]
    public static partial void MalformedInput(ILogger logger, string connection, string message);

    [LoggerMessage(9, LogLevel.Debug, "{Session}: {Command} answered with JDWP error {Error}: {Reason}", EventName = "CommandRefused")]
    public static partial void CommandRefused(ILogger logger, string session, string command, string error, string reason);

    [LoggerMessage(20, LogLevel.Information, "{Session}: node {Node} ({Address}) left the node directory; closing its connection", EventName = "NodeWithdrawn")]
    public static partial void NodeWithdrawn(ILogger logger, string session, string node, string address);

    [LoggerMessage(10, LogLevel.Warning, "{Session}: vendor or unknown command {Command} passed through untouched from {From} to {To}; IDs inside it are not virtualized", EventName = "VendorCommandPassedThrough")]
    public static partial void VendorCommandPassedThrough(ILogger logger, string session, string command, string from, string to);

    [LoggerMessage(11, LogLevel.Trace, "{Session}: {Direction} {Packet}", EventName = "Packet")]
    public static partial void Packet(ILogger logger, string session, string direction, string packet);

    [LoggerMessage(12, LogLevel.Debug, "{Session}: dropped event {Kind} from {Node}: {Reason}", EventName = "EventDropped")]
    public static partial void EventDropped(ILogger logger, string session, string kind, string node, string reason);

    [LoggerMessage(13, LogLevel.Debug, "{Session}: request {Request} deferred on {Node} until it loads {Class}", EventName = "RequestDeferred")]
    public static partial void RequestDeferred(ILogger logger, string session, int request, string node, string @class);

    [LoggerMessage(14, LogLevel.Debug, "{Session}: request {Request} applied on {Node} as {NodeRequest}", EventName = "RequestApplied")]
    public static partial void RequestApplied(ILogger logger, string session, int request, string node, int nodeRequest);

    [LoggerMessage(15, LogLevel.Error, "{Session}: unexpected failure while {Activity}", EventName = "UnexpectedFailure")]
    public static partial void UnexpectedFailure(ILogger logger, Exception exception, string session, string activity);

    [LoggerMessage(17, LogLevel.Debug, "{Session}: holding a SUSPEND_ALL event from {Node} until the debugger resumes ({Count} held)", EventName = "EventParked")]
    public static partial void EventParked(ILogger logger, string session, string node, int count);

    [LoggerMessage(18, LogLevel.Information, "{Session}: told the debugger {Kind} for {Count} threads of {Node}", EventName = "ThreadsAnnounced")]
    public static partial void ThreadsAnnounced(ILogger logger, string session, string kind, int count, string node);

    [LoggerMessage(19, LogLevel.Warning, "{Session}: refusing the debugger: no node is reachable ({Nodes}); it can attach again once a node is up", EventName = "NoNodeReachable")]
    public static partial void NoNodeReachable(ILogger logger, string session, string nodes);

    [LoggerMessage(16, LogLevel.Warning, "{Connection}: no JDWP handshake within {Timeout}; closing", EventName = "HandshakeTimeout")]
    public static partial void HandshakeTimeout(ILogger logger, string connection, TimeSpan timeout);
}
