namespace JdwpGateway.Routing.Symbols;

/// <summary>
/// Hands out virtual IDs. One counter serves every kind, so a virtual ID names exactly one thing in a
/// session, which keeps logs unambiguous. IDs start high enough to never look like a small node ID in a log.
/// </summary>
public sealed class VirtualIds
{
    private long _next = 0x1000;

    /// <summary>The next unused virtual ID.</summary>
    public ulong Next() => (ulong)Interlocked.Increment(ref _next);
}
