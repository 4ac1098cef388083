namespace JdwpGateway.Protocol.Capture;

/// <summary>Which way bytes crossed a JDWP connection.</summary>
public enum CaptureDirection : byte
{
    /// <summary>From the debugger to the VM (commands, the debugger's handshake).</summary>
    ToVm = 0,

    /// <summary>From the VM to the debugger (replies, events, the VM's handshake).</summary>
    FromVm = 1,
}

/// <summary>
/// Bytes that crossed one connection in one direction, as one capture record. The bytes are raw stream bytes (a
/// handshake, one or more packets, or any part of them): readers frame each (connection, direction) stream themselves.
/// </summary>
/// <param name="TimestampMicros">When the bytes crossed, in microseconds since 1970-01-01T00:00:00Z.</param>
/// <param name="Direction">Which way the bytes went.</param>
/// <param name="Connection">The connection's name, e.g. <c>debugger#3</c> or <c>node-a@session#3</c>.</param>
/// <param name="Data">The bytes.</param>
public sealed record CaptureRecord(long TimestampMicros, CaptureDirection Direction, string Connection, ReadOnlyMemory<byte> Data)
{
    /// <summary>The current time in the unit of <see cref="TimestampMicros"/>.</summary>
    public static long NowMicros() => ToMicros(DateTimeOffset.UtcNow);

    /// <summary>Converts a time to microseconds since the Unix epoch.</summary>
    public static long ToMicros(DateTimeOffset time) => (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    /// <summary><see cref="TimestampMicros"/> as a UTC time.</summary>
    public DateTimeOffset Timestamp => DateTimeOffset.UnixEpoch.AddTicks(TimestampMicros * 10);
}

/// <summary>Something wrong or incomplete that a reader found in a capture file.</summary>
/// <param name="Offset">Byte offset within the file where the problem starts.</param>
/// <param name="Message">What is wrong.</param>
/// <param name="IsError">
/// False for what a capture cut short by a crash or a stopped recorder looks like (a torn last record, a missing
/// tail): the records before it are intact. True for damage in the middle of the file.
/// </param>
public sealed record CaptureIssue(long Offset, string Message, bool IsError);

/// <summary>What a reader got from a capture file: the records in order and any issue found.</summary>
/// <param name="Format">The file's format, e.g. <c>jdwp-capture v1</c>, <c>pcap</c> or <c>pcapng</c>.</param>
/// <param name="Records">The intact records, in the order the bytes crossed.</param>
/// <param name="Issues">Problems found; reading stops at the first error, so records after it are not returned.</param>
public sealed record CaptureContents(string Format, IReadOnlyList<CaptureRecord> Records, IReadOnlyList<CaptureIssue> Issues);

/// <summary>A file that is not a capture at all, or one whose framing cannot be read.</summary>
public sealed class CaptureFormatException(string message, long offset = 0) : Exception(message)
{
    /// <summary>Byte offset within the file where reading failed.</summary>
    public long Offset { get; } = offset;
}
