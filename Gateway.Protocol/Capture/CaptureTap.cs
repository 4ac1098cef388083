using System.Buffers;
using JdwpGateway.Protocol.Transport;

namespace JdwpGateway.Protocol.Capture;

/// <summary>
/// Records a connection's bytes into a <see cref="CaptureWriter"/>. The gateway is the VM to a debugger and the
/// debugger to a node, so what a connection receives is <see cref="CaptureDirection.ToVm"/> on a debugger connection
/// and <see cref="CaptureDirection.FromVm"/> on a node connection: <paramref name="received"/> says which.
/// A write failure (disk full) stops this tap's recording and is kept in <see cref="Failure"/>; it never reaches the
/// connection, because losing a recording must not end a debugging session.
/// </summary>
public sealed class CaptureTap(CaptureWriter writer, CaptureDirection received) : IConnectionTap
{
    private volatile Exception? _failure;

    /// <summary>The first write error, after which this tap records nothing.</summary>
    public Exception? Failure => _failure;

    /// <summary>A tap for a connection on which the gateway plays the VM (a debugger's connection).</summary>
    public static CaptureTap ForDebuggerConnection(CaptureWriter writer) => new(writer, CaptureDirection.ToVm);

    /// <summary>A tap for a connection on which the gateway plays the debugger (a node's connection).</summary>
    public static CaptureTap ForNodeConnection(CaptureWriter writer) => new(writer, CaptureDirection.FromVm);

    /// <inheritdoc />
    public void OnBytes(JdwpConnection connection, TapDirection direction, in ReadOnlySequence<byte> bytes)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (_failure is not null || bytes.IsEmpty)
        {
            return;
        }

        var captured = direction == TapDirection.Received
            ? received
            : received == CaptureDirection.ToVm ? CaptureDirection.FromVm : CaptureDirection.ToVm;
        try
        {
            writer.Append(captured, connection.Name, bytes);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ObjectDisposedException or NotSupportedException)
        {
            _failure = ex;
        }
    }
}
