using JdwpGateway.Protocol.Encoding;
using JdwpGateway.Protocol.Spec;

namespace JdwpGateway.Benchmarks;

/// <summary>Returns every ID unchanged: measures the walk and the copy alone.</summary>
public sealed class IdentityMapper : IIdMapper
{
    public static readonly IdentityMapper Instance = new();

    public ulong Map(IdKind kind, ulong id, ulong contextType) => id;

    public int MapRequest(int requestId) => requestId;

    public byte UntaggedTag(UntaggedSource source, ulong subject, ulong contextType) =>
        throw new InvalidOperationException("the sample packets carry no untagged values");
}

/// <summary>
/// Translates IDs through a <see cref="Dictionary{TKey,TValue}"/> filled in setup, as the gateway's tables do (one
/// lookup per ID; the gateway's own mappers add a per-kind switch and per-node keys on top).
/// </summary>
public sealed class DictionaryMapper : IIdMapper
{
    private readonly Dictionary<ulong, ulong> _ids;
    private readonly Dictionary<int, int> _requests;

    public DictionaryMapper(IEnumerable<ulong> ids, IEnumerable<int> requestIds)
    {
        _ids = new Dictionary<ulong, ulong>();
        ulong next = 1;
        foreach (var id in ids)
        {
            _ids.TryAdd(id, next++);
        }

        _requests = requestIds.Distinct().ToDictionary(r => r, r => r + 1000);
    }

    public ulong Map(IdKind kind, ulong id, ulong contextType) =>
        _ids.TryGetValue(id, out var mapped) ? mapped : NotPrepared(kind, id);

    public int MapRequest(int requestId) => _requests.TryGetValue(requestId, out var mapped) ? mapped : 0;

    public byte UntaggedTag(UntaggedSource source, ulong subject, ulong contextType) =>
        throw new InvalidOperationException("the sample packets carry no untagged values");

    private static ulong NotPrepared(IdKind kind, ulong id) =>
        throw new KeyNotFoundException($"{kind} ID {id:x} was not prepared in setup");
}
