using JdwpGateway.Protocol;
using JdwpGateway.Protocol.Encoding;
using JdwpGateway.Protocol.Transport;
using JdwpGateway.Routing.Config;

namespace JdwpGateway.Routing.Nodes;

/// <summary>
/// The gateway's debugger-side connection to one node for the length of one debugger session.
/// </summary>
public sealed class NodeLink : IAsyncDisposable
{
    private readonly JdwpCommandChannel _channel;

    private NodeLink(int index, NodeOptions options, JdwpCommandChannel channel, IdSizes sizes, NodeVersion version)
    {
        Index = index;
        Options = options;
        _channel = channel;
        Sizes = sizes;
        Version = version;
    }

    /// <summary>Position of the node in the configuration; stable for the session.</summary>
    public int Index { get; }

    /// <summary>The node's configuration.</summary>
    public NodeOptions Options { get; }

    /// <summary>The node's name.</summary>
    public string Name => Options.Name;

    /// <summary>The node's ID sizes.</summary>
    public IdSizes Sizes { get; }

    /// <summary>What VirtualMachine.Version said.</summary>
    public NodeVersion Version { get; }

    /// <summary>Completes when the connection ends, with the reason (null when closed in order).</summary>
    public Task<Exception?> Completion => _channel.Completion;

    /// <summary>True until the connection ends.</summary>
    public bool IsUp => !_channel.Completion.IsCompleted;

    /// <summary>
    /// Connects, handshakes at once (agents drop debuggers that wait ~2 s), and reads IDSizes and Version.
    /// </summary>
    public static Task<NodeLink> ConnectAsync(int index, NodeOptions options, string sessionName, int maxPacketLength, TimeSpan timeout, Func<NodeLink, JdwpPacket, ValueTask> onEvent, CancellationToken cancellationToken) =>
        ConnectAsync(index, options, sessionName, maxPacketLength, timeout, onEvent, tap: null, cancellationToken);

    /// <summary>As above, with an optional <paramref name="tap"/> that sees every byte of the node connection (recording).</summary>
    public static async Task<NodeLink> ConnectAsync(int index, NodeOptions options, string sessionName, int maxPacketLength, TimeSpan timeout, Func<NodeLink, JdwpPacket, ValueTask> onEvent, IConnectionTap? tap, CancellationToken cancellationToken)
    {
        using var timeoutCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutCts.CancelAfter(timeout);
        var connection = await JdwpConnection.ConnectAsync(options.Host, options.Port, $"{options.Name}@{sessionName}", maxPacketLength, tap, timeoutCts.Token).ConfigureAwait(false);
        var channel = new JdwpCommandChannel(connection);
        try
        {
            await connection.HandshakeAsDebuggerAsync(timeoutCts.Token).ConfigureAwait(false);
            var events = System.Threading.Channels.Channel.CreateUnbounded<JdwpPacket>();
            channel.Start(p => events.Writer.WriteAsync(p));
            var sizesReply = await channel.SendCommandAsync(1, 7, [], timeoutCts.Token).ConfigureAwait(false);
            var versionReply = await channel.SendCommandAsync(1, 1, [], timeoutCts.Token).ConfigureAwait(false);
            var sizes = ParseSizes(sizesReply, connection.Name);
            var link = new NodeLink(index, options, channel, sizes, NodeVersion.Parse(versionReply, connection.Name));
            _ = PumpEventsAsync(link, events.Reader, onEvent);
            _ = channel.Completion.ContinueWith(_ => events.Writer.TryComplete(), TaskScheduler.Default);
            return link;
        }
        catch
        {
            await channel.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Sends a command and returns the reply packet (which may carry a JDWP error code).</summary>
    public Task<JdwpPacket> SendAsync(byte commandSet, byte command, byte[] body, CancellationToken cancellationToken = default) =>
        _channel.SendCommandAsync(commandSet, command, body, cancellationToken);

    /// <summary>
    /// Sends a command whose body is a slice of a (rented) buffer and returns the reply packet; the body has been copied
    /// into the connection when this completes.
    /// </summary>
    public Task<JdwpPacket> SendAsync(byte commandSet, byte command, ReadOnlyMemory<byte> body, CancellationToken cancellationToken = default) =>
        _channel.SendCommandAsync(commandSet, command, body, cancellationToken);

    /// <summary>Sends a command and returns the reply body, throwing <see cref="NodeCommandException"/> on a JDWP error.</summary>
    public async Task<byte[]> QueryAsync(byte commandSet, byte command, byte[] body, CancellationToken cancellationToken = default)
    {
        var reply = await SendAsync(commandSet, command, body, cancellationToken).ConfigureAwait(false);
        return reply.ErrorCode == 0 ? reply.Body : throw new NodeCommandException(Name, commandSet, command, reply.ErrorCode);
    }

    /// <summary>Answers a command the node sent (a vendor command the debugger replied to).</summary>
    public Task SendReplyAsync(int id, short errorCode, byte[] body, CancellationToken cancellationToken = default) =>
        _channel.SendReplyAsync(id, errorCode, body, cancellationToken);

    /// <summary>Closes the connection; the agent then clears requests and resumes threads itself.</summary>
    public ValueTask DisposeAsync() => _channel.DisposeAsync();

    /// <inheritdoc />
    public override string ToString() => Name;

    private static async Task PumpEventsAsync(NodeLink link, System.Threading.Channels.ChannelReader<JdwpPacket> events, Func<NodeLink, JdwpPacket, ValueTask> onEvent)
    {
        await foreach (var packet in events.ReadAllAsync().ConfigureAwait(false))
        {
            await onEvent(link, packet).ConfigureAwait(false);
        }
    }

    private static IdSizes ParseSizes(JdwpPacket reply, string connection)
    {
        if (reply.ErrorCode != 0)
        {
            throw new IOException($"{connection}: IDSizes failed with JDWP error {reply.ErrorCode}");
        }

        var reader = new JdwpReader(reply.Body);
        try
        {
            var sizes = new IdSizes(reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32());
            return sizes.IsValid ? sizes : throw new IOException($"{connection}: unsupported ID sizes {sizes}");
        }
        catch (JdwpProtocolException ex)
        {
            throw ex.At(connection, reply.Id, "VirtualMachine.IDSizes");
        }
    }
}

/// <summary>A node's answer to VirtualMachine.Version.</summary>
public sealed record NodeVersion(string Description, int JdwpMajor, int JdwpMinor, string VmVersion, string VmName)
{
    internal static NodeVersion Parse(JdwpPacket reply, string connection)
    {
        if (reply.ErrorCode != 0)
        {
            throw new IOException($"{connection}: Version failed with JDWP error {reply.ErrorCode}");
        }

        var reader = new JdwpReader(reply.Body);
        try
        {
            return new NodeVersion(reader.ReadString(), reader.ReadInt32(), reader.ReadInt32(), reader.ReadString(), reader.ReadString());
        }
        catch (JdwpProtocolException ex)
        {
            throw ex.At(connection, reply.Id, "VirtualMachine.Version");
        }
    }
}

/// <summary>A node answered a command the gateway sent on its own behalf with a JDWP error.</summary>
public sealed class NodeCommandException(string node, byte commandSet, byte command, short errorCode)
    : Exception($"node {node} answered {commandSet}/{command} with JDWP error {errorCode}")
{
    /// <summary>The JDWP error code.</summary>
    public short ErrorCode { get; } = errorCode;
}
