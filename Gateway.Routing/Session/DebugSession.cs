using JdwpGateway.Protocol;
using JdwpGateway.Protocol.Spec;
using JdwpGateway.Protocol.Transport;
using JdwpGateway.Routing.Config;
using JdwpGateway.Routing.Nodes;
using Microsoft.Extensions.Logging;

namespace JdwpGateway.Routing.Session;

/// <summary>
/// One debugger attached to the virtual VM. Owns the debugger connection and a connection to every node for its
/// lifetime: JDWP agents accept one debugger each, so node connections are opened when a debugger attaches and
/// closed (which makes every agent clear its requests and resume its threads) when it detaches.
/// </summary>
public sealed partial class DebugSession : IAsyncDisposable
{
    private readonly JdwpConnection _debugger;
    private readonly GatewayOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _eventLock = new(1, 1);
    private readonly List<Task> _background = [];
    private readonly IConnectionTap? _nodeTap;
    private readonly NodeDirectory _directory;
    private int _nextEventId = 0x40000000;
    private volatile bool _disposeRequested;
    private string? _closeReason;
    private int _disposed;
    private volatile bool _debuggerGone;

    /// <summary>Creates a session for a debugger whose handshake is done.</summary>
    /// <param name="number">The debugger connection's number (names the session).</param>
    /// <param name="debugger">The debugger's connection.</param>
    /// <param name="options">The gateway's options.</param>
    /// <param name="logger">Where to log.</param>
    /// <param name="directory">The nodes behind the gateway, now and as they come and go.</param>
    /// <param name="nodeTap">Optional observer of every node connection's bytes (recording).</param>
    public DebugSession(int number, JdwpConnection debugger, GatewayOptions options, ILogger logger, NodeDirectory directory, IConnectionTap? nodeTap = null)
    {
        _directory = directory ?? throw new ArgumentNullException(nameof(directory));
        _nodeTap = nodeTap;
        _debugger = debugger ?? throw new ArgumentNullException(nameof(debugger));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        Name = $"session#{number}";
        Vm = new VirtualVm(directory);
    }

    /// <summary>Name used in logs.</summary>
    public string Name { get; }

    /// <summary>True once the debugger's connection has ended; the session is then only releasing its nodes.</summary>
    public bool IsDebuggerGone => _debuggerGone;

    /// <summary>The virtual VM's tables.</summary>
    public VirtualVm Vm { get; }

    /// <summary>
    /// Connects the nodes, answers the debugger's handshake (only if at least one node is up), then serves the debugger
    /// until it detaches or the gateway stops.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stop.Token);
        var token = linked.Token;
        string reason = "debugger closed the connection";
        try
        {
            await ConnectAllNodesAsync(token).ConfigureAwait(false);
            if (Vm.UpNodes.Count == 0)
            {
                // JDI cannot work with a VM that has no classes and no threads: refuse the attach instead.
                _closeReason = "no node is reachable, so the debugger's handshake was not answered";
                GatewayLog.NoNodeReachable(_logger, Name, string.Join(", ", _directory.Present.Select(n => $"{n.Options.Name}={n.Options.Address}")));
                return;
            }

            await _debugger.AnswerHandshakeAsync(token).ConfigureAwait(false);
            _debuggerAttached.TrySetResult();
            while (!_disposeRequested)
            {
                var packet = await _debugger.ReadPacketAsync(token).ConfigureAwait(false);
                if (packet is null)
                {
                    break;
                }

                if (packet.IsReply)
                {
                    // Debuggers answer only vendor commands a node sent; any other reply has no one waiting for it.
                    await ForwardReplyToNodeAsync(packet).ConfigureAwait(false);
                    continue;
                }

                if (IsInvocation(packet))
                {
                    // An invocation runs until the target method returns, which may need other commands first
                    // (a breakpoint inside it): serve it beside the ordered stream, as the JDWP agent does.
                    Track(HandleCommandAsync(packet, token));
                }
                else
                {
                    await HandleCommandAsync(packet, token).ConfigureAwait(false);
                }
            }

            if (_disposeRequested)
            {
                reason = "VirtualMachine.Dispose";
            }
        }
        catch (JdwpProtocolException ex)
        {
            reason = ex.Message;
            GatewayLog.MalformedInput(_logger, _debugger.Name, ex.Message);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            reason = "gateway stopping";
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or ObjectDisposedException or InvalidOperationException)
        {
            reason = ex.Message;
        }

        _debuggerGone = true;
        GatewayLog.DebuggerDetached(_logger, Name, _closeReason ?? reason);
    }

    /// <summary>
    /// Closes the debugger and every node connection, so the agents release their threads and accept the next debugger;
    /// background work may still be winding down (see <see cref="DisposeAsync"/>).
    /// </summary>
    public async Task CloseConnectionsAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _debugger.DisposeAsync().ConfigureAwait(false);
        foreach (var node in Vm.UpNodes)
        {
            await node.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Closes the debugger and every node connection, and waits for background work to end.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _directory.Changed -= OnDirectoryChanged;
        await CloseConnectionsAsync().ConfigureAwait(false);

        Task[] background;
        lock (_background)
        {
            background = [.. _background];
        }

        try
        {
            await Task.WhenAll(background).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException or IOException or ObjectDisposedException)
        {
            // Background work ends with its connections; what it was doing no longer matters.
        }

        // A node that connected while the session was ending (a retry) must not keep its agent attached.
        foreach (var node in Vm.UpNodes)
        {
            await node.DisposeAsync().ConfigureAwait(false);
        }

        _stop.Dispose();
    }

    private static bool IsInvocation(JdwpPacket packet) =>
        (packet.CommandSet, packet.Command) is (3, 3) or (3, 4) or (5, 1) or (9, 6);

    private void Track(Task task)
    {
        lock (_background)
        {
            _background.RemoveAll(t => t.IsCompleted);
            _background.Add(task);
        }

        // Background work must never fail unseen: log what escaped it.
        _ = task.ContinueWith(
            t => GatewayLog.UnexpectedFailure(_logger, t.Exception!.GetBaseException(), Name, "running background work"),
            CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private async Task HandleCommandAsync(JdwpPacket packet, CancellationToken token)
    {
        var spec = JdwpSpec.Find(packet.CommandSet, packet.Command);
        var name = spec?.FullName ?? $"{packet.CommandSet}/{packet.Command}";
        GatewayLog.Packet(_logger, Name, "debugger->gateway", $"{name} {packet}");
        Reply reply;
        try
        {
            reply = await RouteAsync(packet, spec, token).ConfigureAwait(false);
        }
        catch (JdwpProtocolException ex)
        {
            // The debugger's own packet did not match its layout: that breaks the framing contract, so the connection
            // closes (which ends the read loop and the session) and nothing is sent back.
            var located = ex.At(_debugger.Name, packet.Id, name);
            GatewayLog.MalformedInput(_logger, _debugger.Name, located.Message);
            _closeReason = located.Message;
            _debuggerGone = true;
            await _debugger.DisposeAsync().ConfigureAwait(false);
            return;
        }
        catch (Exception ex) when (ex is IOException or NodeCommandException or TimeoutException)
        {
            reply = Reply.Error(ErrorCode.InvalidObject, $"a node did not answer: {ex.Message}");
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            return;
        }
        catch (Exception ex)
        {
            GatewayLog.UnexpectedFailure(_logger, ex, Name, $"routing {name}");
            reply = Reply.Error(ErrorCode.Internal, ex.Message);
        }

        if (reply.Code != ErrorCode.None)
        {
            GatewayLog.CommandRefused(_logger, Name, name, reply.Code.ToString(), reply.Reason ?? string.Empty);
        }

        try
        {
            await _debugger.SendReplyAsync(packet.Id, (short)reply.Code, reply.Payload, token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The debugger went away; the read loop ends the session.
        }
        finally
        {
            // The bytes are in the connection's pipe (or the debugger is gone): a rented body can go back to the pool.
            reply.Release();
        }
    }

    /// <summary>
    /// A reply to the debugger: a body, or a JDWP error and the reason logged for it. A forwarded reply's body may
    /// be a rented writer (<see cref="Rented"/>), which <see cref="Release"/> returns once the reply is sent; such a
    /// reply is only sent, never read, so <see cref="Body"/> is empty.
    /// </summary>
    private readonly record struct Reply(ErrorCode Code, byte[] Body, string? Reason, Protocol.Encoding.JdwpWriter? Owner = null)
    {
        /// <summary>The bytes to send.</summary>
        public ReadOnlyMemory<byte> Payload => Owner?.WrittenMemory ?? Body;

        public static Reply Ok(byte[] body) => new(ErrorCode.None, body, null);

        public static Reply Rented(Protocol.Encoding.JdwpWriter body) => new(ErrorCode.None, [], null, body);

        public static Reply Error(ErrorCode code, string reason) => new(code, [], reason);

        public void Release() => Owner?.Return();
    }
}
