using JdwpGateway.Protocol.Spec;

namespace JdwpGateway.Routing.Mapping;

/// <summary>
/// What one rewrite pass learned: IDs it could not map yet (each with the query that will make them mappable)
/// and errors that make the packet unroutable.
/// </summary>
public abstract class MappingOutcome
{
    private readonly List<Func<Task>> _misses = [];

    /// <summary>Queries to run before the next pass.</summary>
    public IReadOnlyList<Func<Task>> Misses => _misses;

    /// <summary>The first error met, if any.</summary>
    public RoutingError? Error { get; private set; }

    /// <summary>Records a miss; the pass writes 0 and continues so all misses of a packet are found at once.</summary>
    protected ulong Miss(Func<Task> resolve)
    {
        _misses.Add(resolve);
        return 0;
    }

    /// <summary>Records an error; the pass continues but its output is discarded.</summary>
    protected ulong Fail(ErrorCode code, string message)
    {
        Error ??= new RoutingError(code, message);
        return 0;
    }
}

/// <summary>A packet that cannot be routed: the JDWP error for the debugger and the reason for the log.</summary>
public sealed record RoutingError(ErrorCode Code, string Message);
