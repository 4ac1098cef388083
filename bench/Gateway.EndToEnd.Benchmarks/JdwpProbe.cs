using System.Buffers.Binary;
using System.Diagnostics;
using JdwpGateway.Protocol;
using JdwpGateway.Protocol.Framing;
using JdwpGateway.Protocol.Transport;

namespace JdwpGateway.EndToEnd.Benchmarks;

/// <summary>
/// A bare JDWP debugger for timing single commands (JDI caches AllClasses for a whole session, so it cannot time a
/// repeated AllClasses): handshake, then one command at a time, each timed from send to reply.
/// </summary>
public sealed class JdwpProbe : IAsyncDisposable
{
    private const byte VirtualMachineSet = 1;
    private const byte AllClassesCommand = 3;
    private const byte AllThreadsCommand = 4;
    private const byte DisposeCommand = 6;
    private const byte IdSizesCommand = 7;

    private readonly JdwpCommandChannel _channel;

    private JdwpProbe(JdwpCommandChannel channel) => _channel = channel;

    /// <summary>Connects and handshakes, retrying a refused connection for 10 s (the previous debugger may still be leaving).</summary>
    public static async Task<JdwpProbe> AttachAsync(int port)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                var connection = await JdwpConnection.ConnectAsync("127.0.0.1", port, "probe", JdwpFrameReader.DefaultMaxPacketLength, timeout.Token)
                    .ConfigureAwait(false);
                await connection.HandshakeAsDebuggerAsync(timeout.Token).ConfigureAwait(false);
                var channel = new JdwpCommandChannel(connection);
                channel.Start(_ => ValueTask.CompletedTask);
                var probe = new JdwpProbe(channel);
                await probe.SendAsync(VirtualMachineSet, IdSizesCommand).ConfigureAwait(false);
                return probe;
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Times VirtualMachine.AllThreads; returns the latency and the number of threads.</summary>
    public Task<(TimeSpan Latency, int Count)> AllThreadsAsync() => TimeCountedAsync(AllThreadsCommand);

    /// <summary>Times VirtualMachine.AllClasses; returns the latency and the number of classes.</summary>
    public Task<(TimeSpan Latency, int Count)> AllClassesAsync() => TimeCountedAsync(AllClassesCommand);

    /// <summary>Sends VirtualMachine.Dispose and closes the connection.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await SendAsync(VirtualMachineSet, DisposeCommand).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or TimeoutException)
        {
            // The connection is going away anyway.
        }

        await _channel.DisposeAsync().ConfigureAwait(false);
    }

    private async Task<(TimeSpan, int)> TimeCountedAsync(byte command)
    {
        var start = Stopwatch.GetTimestamp();
        var reply = await SendAsync(VirtualMachineSet, command).ConfigureAwait(false);
        var latency = Stopwatch.GetElapsedTime(start);
        return (latency, BinaryPrimitives.ReadInt32BigEndian(reply.Body));
    }

    private async Task<JdwpPacket> SendAsync(byte commandSet, byte command)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var reply = await _channel.SendCommandAsync(commandSet, command, [], timeout.Token).ConfigureAwait(false);
        if (reply.ErrorCode != 0)
        {
            throw new InvalidOperationException($"{commandSet}/{command} failed with JDWP error {reply.ErrorCode}.");
        }

        return reply;
    }
}
