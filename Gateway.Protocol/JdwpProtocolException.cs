namespace JdwpGateway.Protocol;

/// <summary>
/// The one exception type for malformed JDWP input. It names the connection, the packet and the byte offset
/// so a log line is enough to find the bad bytes in a capture.
/// </summary>
public sealed class JdwpProtocolException : Exception
{
    /// <summary>Creates the exception.</summary>
    public JdwpProtocolException(string connection, int? packetId, string? command, long offset, string problem)
        : base(Format(connection, packetId, command, offset, problem))
    {
        Connection = connection;
        PacketId = packetId;
        CommandName = command;
        Offset = offset;
        Problem = problem;
    }

    /// <summary>The connection the bytes came from.</summary>
    public string Connection { get; }

    /// <summary>The packet id, when the header was readable.</summary>
    public int? PacketId { get; }

    /// <summary>The command (e.g. <c>ThreadReference.Frames</c>), when known.</summary>
    public string? CommandName { get; }

    /// <summary>Byte offset: within the connection's stream for framing errors, within the packet for body errors.</summary>
    public long Offset { get; }

    /// <summary>What was wrong, without the location.</summary>
    public string Problem { get; }

    /// <summary>The same problem, placed on a connection and packet (body readers do not know either).</summary>
    public JdwpProtocolException At(string connection, int packetId, string? command) =>
        new(connection, packetId, command ?? CommandName, Offset, Problem);

    private static string Format(string connection, int? packetId, string? command, long offset, string problem) =>
        $"Malformed JDWP input on {connection}" +
        (packetId is { } id ? $", packet id {id}" : string.Empty) +
        (command is null ? string.Empty : $" ({command})") +
        $", at byte offset {offset}: {problem}";
}
