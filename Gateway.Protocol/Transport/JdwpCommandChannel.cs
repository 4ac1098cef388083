using System.Collections.Concurrent;

namespace JdwpGateway.Protocol.Transport;

/// <summary>
/// The debugger's role on a connection to a VM: numbers outgoing commands, pairs replies with them,
/// and hands commands that the VM sends (events) to a callback, in arrival order.
/// </summary>
public sealed class JdwpCommandChannel : IAsyncDisposable
{
    private readonly JdwpConnection _connection;
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JdwpPacket>> _pending = new();
    private readonly CancellationTokenSource _stop = new();
    private int _nextId;
    private int _disposed;
    private Task? _readLoop;
    private Exception? _closedBecause;

    /// <summary>Wraps a connection whose handshake is done.</summary>
    public JdwpCommandChannel(JdwpConnection connection) =>
        _connection = connection ?? throw new ArgumentNullException(nameof(connection));

    /// <summary>The underlying connection's name.</summary>
    public string Name => _connection.Name;

    /// <summary>Completes when the read loop ends; its result says why (null for an orderly close).</summary>
    public Task<Exception?> Completion { get; private set; } = Task.FromResult<Exception?>(null);

    /// <summary>Starts reading. <paramref name="onVmCommand"/> receives events and any other command the VM sends.</summary>
    public void Start(Func<JdwpPacket, ValueTask> onVmCommand)
    {
        ArgumentNullException.ThrowIfNull(onVmCommand);
        var loop = ReadLoopAsync(onVmCommand);
        _readLoop = loop;
        Completion = loop;
    }

    /// <summary>Sends a command and waits for its reply.</summary>
    public Task<JdwpPacket> SendCommandAsync(byte commandSet, byte command, byte[] body, CancellationToken cancellationToken = default) =>
        SendCommandAsync(commandSet, command, body.AsMemory(), cancellationToken);

    /// <summary>
    /// Sends a command and waits for its reply. The body is copied into the connection before the command is on its
    /// way, so a rented buffer may be returned as soon as this completes.
    /// </summary>
    public async Task<JdwpPacket> SendCommandAsync(byte commandSet, byte command, ReadOnlyMemory<byte> body, CancellationToken cancellationToken = default)
    {
        var id = Interlocked.Increment(ref _nextId);
        var reply = new TaskCompletionSource<JdwpPacket>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = reply;
        if (_closedBecause is not null)
        {
            Abandon(id, reply);
            throw Closed();
        }

        try
        {
            await _connection.SendCommandAsync(id, commandSet, command, body, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or System.Net.Sockets.SocketException or InvalidOperationException)
        {
            Abandon(id, reply);
            throw new IOException($"{Name}: could not send {commandSet}/{command}: {ex.Message}", ex);
        }

        using (cancellationToken.Register(static s => ((TaskCompletionSource<JdwpPacket>)s!).TrySetCanceled(), reply))
        {
            try
            {
                return await reply.Task.ConfigureAwait(false);
            }
            finally
            {
                _pending.TryRemove(id, out _);
            }
        }
    }

    /// <summary>Answers a command the VM sent (vendor command sets carry commands in both directions).</summary>
    public async Task SendReplyAsync(int id, short errorCode, byte[] body, CancellationToken cancellationToken = default) =>
        await _connection.SendAsync(JdwpPacket.NewReply(id, errorCode, body), cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Forgets a command that was never sent. The connection may close (failing every pending reply) between its
    /// registration and here: a failed reply nobody awaits would surface as an unobserved task exception.
    /// </summary>
    private void Abandon(int id, TaskCompletionSource<JdwpPacket> reply)
    {
        _pending.TryRemove(id, out _);
        if (!reply.TrySetCanceled())
        {
            _ = reply.Task.Exception;
        }
    }

    /// <summary>Stops reading and closes the connection; pending commands fail.</summary>
    public async ValueTask DisposeAsync()
    {
        // Several owners may close a channel (a malformed event, the node leaving, the session ending).
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stop.Cancel();
        await _connection.DisposeAsync().ConfigureAwait(false);
        if (_readLoop is not null)
        {
            await _readLoop.ConfigureAwait(false);
        }

        FailPending(new IOException($"{Name}: connection closed"));
        _stop.Dispose();
    }

    private async Task<Exception?> ReadLoopAsync(Func<JdwpPacket, ValueTask> onVmCommand)
    {
        await Task.Yield();
        Exception? reason = null;
        try
        {
            while (true)
            {
                var packet = await _connection.ReadPacketAsync(_stop.Token).ConfigureAwait(false);
                if (packet is null)
                {
                    break;
                }

                if (packet.IsReply)
                {
                    if (_pending.TryGetValue(packet.Id, out var waiter))
                    {
                        waiter.TrySetResult(packet);
                    }

                    continue;
                }

                await onVmCommand(packet).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is JdwpProtocolException or IOException or ObjectDisposedException or InvalidOperationException or System.Net.Sockets.SocketException)
        {
            reason = ex;
        }

        FailPending(reason ?? new IOException($"{Name}: connection closed by the VM"));
        return reason;
    }

    private void FailPending(Exception reason)
    {
        _closedBecause ??= reason;
        foreach (var (id, waiter) in _pending)
        {
            if (_pending.TryRemove(id, out _))
            {
                waiter.TrySetException(Closed());
            }
        }
    }

    private IOException Closed() => new($"{Name}: connection closed ({_closedBecause?.Message})", _closedBecause);
}
