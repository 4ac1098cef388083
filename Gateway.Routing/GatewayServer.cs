using System.Net;
using System.Net.Sockets;
using JdwpGateway.Protocol;
using JdwpGateway.Protocol.Capture;
using JdwpGateway.Protocol.Transport;
using JdwpGateway.Routing.Config;
using JdwpGateway.Routing.Nodes;
using JdwpGateway.Routing.Session;
using JdwpGateway.Routing.Telemetry;
using Microsoft.Extensions.Logging;

namespace JdwpGateway.Routing;

/// <summary>
/// Listens for debuggers and serves each one a <see cref="DebugSession"/> over all nodes. JDWP agents accept one
/// debugger at a time, so the gateway does too: a second debugger is refused with a log line while one is attached.
/// </summary>
public sealed class GatewayServer : IAsyncDisposable
{
    private readonly GatewayOptions _options;
    private readonly NodeDirectory _directory;
    private Discovery.RegistryNodeSource? _discovery;
    private readonly Discovery.RegistryReleases? _releases;
    private readonly ILogger _logger;
    private readonly bool _ownsMetrics;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _connections = [];
    private Socket? _listener;
    private Task? _acceptLoop;
    private DebugSession? _active;
    private int _connectionCount;
    private int _disposed;
    private TaskCompletionSource _slotFreed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static readonly Action<ILogger, string, string, Exception?> Recording = LoggerMessage.Define<string, string>(
        LogLevel.Information, new EventId(100, "Recording"), "{Connection}: recording every connection of this debugger to {Path}");

    private static readonly Action<ILogger, string, string, Exception?> RecordingFailed = LoggerMessage.Define<string, string>(
        LogLevel.Warning, new EventId(101, "RecordingFailed"), "{Connection}: not recorded: {Problem}");

    /// <summary>Creates a server; call <see cref="Start"/> to listen.</summary>
    /// <param name="options">The gateway's configuration.</param>
    /// <param name="loggerFactory">Where to log.</param>
    /// <param name="metrics">Where to count (a host's, exported by its OpenTelemetry SDK); null makes one the server owns.</param>
    public GatewayServer(GatewayOptions options, ILoggerFactory loggerFactory, GatewayMetrics? metrics = null)
    {
        _ownsMetrics = metrics is null;
        Metrics = metrics ?? new GatewayMetrics();
        _options = options ?? throw new ArgumentNullException(nameof(options));
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _logger = loggerFactory.CreateLogger("JdwpGateway");
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid gateway configuration:" + Environment.NewLine + "  - " + string.Join(Environment.NewLine + "  - ", problems), nameof(options));
        }

        _directory = new NodeDirectory(options.Nodes);
        if (options.Discovery is { } discovery)
        {
            _releases = new Discovery.RegistryReleases(discovery, _logger);
            _directory.Releases = _releases;
        }
    }

    /// <summary>The gateway's instruments (meter and activity source <see cref="GatewayMetrics.Name"/>).</summary>
    public GatewayMetrics Metrics { get; }

    /// <summary>The nodes behind the gateway now; a discovery source changes it as nodes come and go.</summary>
    public NodeDirectory Nodes => _directory;

    /// <summary>The address debuggers attach to (with the real port when configured as 0).</summary>
    public IPEndPoint LocalEndPoint => (IPEndPoint)(_listener?.LocalEndPoint ?? throw new InvalidOperationException("Not started."));

    /// <summary>The session of the attached debugger, if any.</summary>
    public DebugSession? ActiveSession => _active;

    /// <summary>Whether the attached debugger's session holds a live connection to the node at <paramref name="index"/>.</summary>
    private bool IsConnected(int index) => _active is { } session && session.Vm.TryGetNode(index, out _);

    /// <summary>Binds the listening socket and starts accepting debuggers.</summary>
    public void Start()
    {
        var endPoint = _options.ListenEndPoint;
        _listener = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Bind(endPoint);
        _listener.Listen(16);
        var nodes = string.Join(", ", _directory.Present.Select(n => $"{n.Options.Name}={n.Options.Address}"));
        GatewayLog.Listening(_logger, LocalEndPoint.ToString(), nodes.Length > 0 ? nodes : "none yet");
        _acceptLoop = AcceptLoopAsync(_stop.Token);
        if (_options.Discovery is { } discovery)
        {
            _discovery = new Discovery.RegistryNodeSource(discovery, _directory, _logger, LocalEndPoint, IsConnected);
            _discovery.Start();
        }
    }

    /// <summary>Stops listening and ends the active session (which detaches from every node).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stop.Cancel();
        if (_discovery is not null)
        {
            await _discovery.DisposeAsync().ConfigureAwait(false);
        }

        _listener?.Dispose();
        if (_acceptLoop is not null)
        {
            await _acceptLoop.ConfigureAwait(false);
        }

        Task[] pending;
        lock (_connections)
        {
            pending = [.. _connections];
        }

        await Task.WhenAll(pending).ConfigureAwait(false);
        _releases?.Dispose();
        _stop.Dispose();
        if (_ownsMetrics)
        {
            Metrics.Dispose();
        }
    }

    private async Task AcceptLoopAsync(CancellationToken token)
    {
        while (!token.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener!.AcceptAsync(token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (token.IsCancellationRequested)
                {
                    return;
                }

                continue;
            }

            var number = Interlocked.Increment(ref _connectionCount);
            var task = ServeAsync(socket, number, token);
            lock (_connections)
            {
                _connections.RemoveAll(t => t.IsCompleted);
                _connections.Add(task);
            }
        }
    }

    private async Task ServeAsync(Socket socket, int number, CancellationToken token)
    {
        var remote = socket.RemoteEndPoint?.ToString() ?? "?";
        var name = $"debugger#{number}";
        var recorder = OpenRecorder(name, number);
        var connection = new JdwpConnection(socket, name, _options.MaxPacketLength, recorder is null ? null : CaptureTap.ForDebuggerConnection(recorder));
        try
        {
            using (var handshakeTimeout = CancellationTokenSource.CreateLinkedTokenSource(token))
            {
                handshakeTimeout.CancelAfter(_options.DebuggerHandshakeTimeout);
                try
                {
                    // The answer waits until the session has its nodes: a debugger must not believe it is attached
                    // to a VM that has none.
                    await connection.ExpectHandshakeAsync(handshakeTimeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!token.IsCancellationRequested)
                {
                    GatewayLog.HandshakeTimeout(_logger, connection.Name, _options.DebuggerHandshakeTimeout);
                    return;
                }
            }

            if (_active is { IsDebuggerGone: true })
            {
                // The previous debugger has left and its session is releasing the nodes: this is a reattach, not a
                // second debugger, so wait for the nodes to be free.
                await _slotFreed.Task.WaitAsync(TimeSpan.FromSeconds(10), token).ConfigureAwait(false);
            }

            if (_active is { } attached)
            {
                GatewayLog.SecondDebuggerRefused(_logger, remote, attached.Name);
                return;
            }

            var session = new DebugSession(number, connection, _options, _logger, _directory, recorder is null ? null : CaptureTap.ForNodeConnection(recorder), Metrics);
            if (Interlocked.CompareExchange(ref _active, session, null) is { } raced)
            {
                GatewayLog.SecondDebuggerRefused(_logger, remote, raced.Name);
                await session.DisposeAsync().ConfigureAwait(false);
                return;
            }

            var freed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _slotFreed = freed;
            try
            {
                GatewayLog.DebuggerAttached(_logger, session.Name, remote);
                Metrics.SessionStarted(session.Vm);
                await session.RunAsync(token).ConfigureAwait(false);
            }
            finally
            {
                Metrics.SessionEnded(session.Vm);
                // Free the nodes and the slot first, so a debugger that reconnects at once is served; then let
                // background work wind down.
                await session.CloseConnectionsAsync().ConfigureAwait(false);
                Interlocked.CompareExchange(ref _active, null, session);
                freed.TrySetResult();
                await session.DisposeAsync().ConfigureAwait(false);
            }
        }
        catch (JdwpProtocolException ex)
        {
            Metrics.ProtocolError(fromDebugger: true);
            GatewayLog.MalformedInput(_logger, connection.Name, ex.Message);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException or TimeoutException)
        {
            // The debugger vanished during the handshake, or the gateway is stopping.
        }
        catch (Exception ex)
        {
            GatewayLog.UnexpectedFailure(_logger, ex, connection.Name, "serving a debugger");
        }
        finally
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            recorder?.Dispose();
        }
    }

    /// <summary>A capture file for one debugger connection and its session's node connections, when recording.</summary>
    private CaptureWriter? OpenRecorder(string connection, int number)
    {
        if (_options.Record is not { } directory)
        {
            return null;
        }

        try
        {
            Directory.CreateDirectory(directory);
            var stamp = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture);
            for (var attempt = 1; ; attempt++)
            {
                // Numbers restart with each gateway process: never overwrite an earlier run's file in the same second.
                var suffix = attempt == 1 ? string.Empty : $"-{attempt}";
                var path = Path.Combine(directory, $"debugger-{number}-{stamp}{suffix}.jdwpcap");
                if (File.Exists(path) && attempt < 100)
                {
                    continue;
                }

                var writer = CaptureWriter.Create(path);
                Recording(_logger, connection, path, null);
                return writer;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            // A recording that cannot be made must not cost the debugger its session.
            RecordingFailed(_logger, connection, ex.Message, ex);
            return null;
        }
    }
}
