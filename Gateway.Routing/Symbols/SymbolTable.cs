using System.Collections.Concurrent;
using JdwpGateway.Protocol.Encoding;
using JdwpGateway.Routing.Nodes;

namespace JdwpGateway.Routing.Symbols;

/// <summary>
/// The virtual VM's reference types, methods and fields. A type seen on a node is "surfaced": its signature is read
/// from the node and it joins the symbol with the same identity, or founds a new one. Identity is read only when it
/// matters: while a signature has been seen on one node there is nothing to tell its type apart from, so the first type
/// of a name founds its symbol without a query, and both sides are identified when a second type of that name appears
/// (docs/virtual-vm.md, "Identity").
/// </summary>
public sealed class SymbolTable(VirtualIds ids, IReleaseHashes? releases = null)
{
    private const byte ArrayTag = 3;

    /// <summary>The identity of every class the bootstrap loader defined: such classes are one symbol per signature.</summary>
    public const string BootstrapIdentity = ClassIdentityReader.BootstrapIdentity;

    private readonly ClassIdentityReader _identities = new(releases);
    private readonly ConcurrentDictionary<(int Node, ulong TypeId), Symbol> _byNodeType = new();
    private readonly ConcurrentDictionary<(int Node, ulong TypeId), Lazy<Task<Symbol>>> _surfacing = new();
    private readonly ConcurrentDictionary<ulong, Symbol> _byVirtual = new();
    private readonly ConcurrentDictionary<string, SignatureGroup> _bySignature = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<ulong, Member> _members = new();
    private readonly ConcurrentDictionary<(Symbol Owner, bool IsMethod, string Name, string Signature), Member> _membersByKey = new();
    private readonly ConcurrentDictionary<(int Node, ulong TypeId, bool IsMethod, ulong MemberId), Member> _byNodeMember = new();
    private readonly ConcurrentDictionary<(int Node, ulong TypeId, bool IsMethod), Lazy<Task>> _memberLoads = new();

    /// <summary>Number of symbols.</summary>
    public int Count => _byVirtual.Count;

    /// <summary>All symbols known so far.</summary>
    public IEnumerable<Symbol> Symbols => _byVirtual.Values;

    /// <summary>The symbol behind a node's type ID, if surfaced already.</summary>
    public bool TryGetByNodeType(int node, ulong typeId, out Symbol symbol) => _byNodeType.TryGetValue((node, typeId), out symbol!);

    /// <summary>The symbol behind a virtual type ID.</summary>
    public bool TryGetByVirtual(ulong virtualId, out Symbol symbol) => _byVirtual.TryGetValue(virtualId, out symbol!);

    /// <summary>The member behind a virtual method or field ID.</summary>
    public bool TryGetMember(ulong virtualId, out Member member) => _members.TryGetValue(virtualId, out member!);

    /// <summary>The member behind a node's method or field ID, within the node type that declares it.</summary>
    public bool TryGetNodeMember(int node, ulong typeId, bool isMethod, ulong memberId, out Member member) =>
        _byNodeMember.TryGetValue((node, typeId, isMethod, memberId), out member!);

    /// <summary>
    /// Surfaces a node's type: reads its signature (unless given) and fingerprint, then joins or founds its symbol.
    /// Concurrent calls for the same type share one query.
    /// </summary>
    public Task<Symbol> SurfaceAsync(NodeLink node, ulong typeId, byte typeTag = 0, string? knownSignature = null)
    {
        if (_byNodeType.TryGetValue((node.Index, typeId), out var known))
        {
            return Task.FromResult(known);
        }

        var key = (node.Index, typeId);
        var lazy = _surfacing.GetOrAdd(key, k => new Lazy<Task<Symbol>>(() => SurfaceCoreAsync(node, k.TypeId, typeTag, knownSignature)));
        return ForgetOnFailure(_surfacing, key, lazy);
    }

    /// <summary>Finds the symbol's type on a node (by signature, then fingerprint); null when the node has not loaded it.</summary>
    public async Task<ulong?> FindOnNodeAsync(Symbol symbol, NodeLink node)
    {
        if (symbol.NodeTypeIds.TryGetValue(node.Index, out var id))
        {
            return id;
        }

        var body = await node.QueryAsync(1, 2, new JdwpWriter().String(symbol.Signature).ToArray()).ConfigureAwait(false);
        var candidates = new List<(byte Tag, ulong Id)>();
        ReadClassesBySignature(body, node, candidates);
        foreach (var (tag, candidate) in candidates)
        {
            var found = await SurfaceAsync(node, candidate, tag, symbol.Signature).ConfigureAwait(false);
            if (ReferenceEquals(found, symbol))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Loads a node type's methods or fields so their IDs can be mapped both ways.</summary>
    public Task EnsureMembersAsync(NodeLink node, ulong typeId, bool methods)
    {
        var key = (node.Index, typeId, methods);
        var lazy = _memberLoads.GetOrAdd(key, k => new Lazy<Task>(() => LoadMembersAsync(node, k.TypeId, k.IsMethod)));
        return ForgetOnFailure(_memberLoads, key, lazy);
    }

    /// <summary>True once a node type's methods (or fields) have been loaded: a member not mapped then is not on that node.</summary>
    public bool MembersLoaded(int node, ulong typeId, bool methods) =>
        _memberLoads.TryGetValue((node, typeId, methods), out var load) && load.IsValueCreated && load.Value.IsCompletedSuccessfully;

    /// <summary>A failed query (a node error, a connection hiccup) must not be cached: the next caller asks again.</summary>
    private static TTask ForgetOnFailure<TKey, TTask>(ConcurrentDictionary<TKey, Lazy<TTask>> cache, TKey key, Lazy<TTask> lazy)
        where TKey : notnull
        where TTask : Task
    {
        var task = lazy.Value;
        _ = task.ContinueWith(
            _ => cache.TryRemove(new KeyValuePair<TKey, Lazy<TTask>>(key, lazy)),
            CancellationToken.None,
            TaskContinuationOptions.NotOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        return task;
    }

    /// <summary>
    /// After a redefinition the class has new bytes: it is a new symbol for nodes that load the class from now on, while
    /// the debugger keeps its reference type. Re-keys the symbol by the identity of <paramref name="bytes"/> as defined
    /// on <paramref name="node"/> and forgets member tables, since redefinition may add methods.
    /// </summary>
    public async Task RekeyAfterRedefinitionAsync(Symbol symbol, NodeLink node, ulong typeId, byte[] bytes)
    {
        // Read now, even for a symbol on one node: its loader's manifest names the bytes it had before.
        var identity = await _identities.IdentifyAsync(node, typeId, symbol.Signature, bytes).ConfigureAwait(false);
        var group = GroupOf(symbol.Signature);
        lock (group.Gate)
        {
            symbol.Identity = identity;
            symbol.Founder = null;
        }

        foreach (var key in _memberLoads.Keys.Where(k => symbol.NodeTypeIds.TryGetValue(k.Node, out var t) && t == k.TypeId))
        {
            _memberLoads.TryRemove(key, out _);
        }
    }

    /// <summary>
    /// The symbol's identity, read now if it was deferred. Wanted for a symbol the debugger's requests name, so a node
    /// that restarts later can rejoin it, and for a symbol shared with more nodes.
    /// </summary>
    public async Task<string> EnsureIdentityAsync(Symbol symbol)
    {
        Task resolving;
        var group = GroupOf(symbol.Signature);
        lock (group.Gate)
        {
            if (symbol.Identity is { } known)
            {
                return known;
            }

            resolving = StartResolving(symbol);
        }

        await resolving.ConfigureAwait(false);
        return symbol.Identity!;
    }

    /// <summary>Forgets a node that left: its type IDs and member IDs are meaningless from now on.</summary>
    public void RemoveNode(int node)
    {
        foreach (var key in _byNodeType.Keys.Where(k => k.Node == node))
        {
            if (_byNodeType.TryRemove(key, out var symbol))
            {
                symbol.NodeTypeIds.TryRemove(node, out _);
            }
        }

        foreach (var key in _surfacing.Keys.Where(k => k.Node == node))
        {
            _surfacing.TryRemove(key, out _);
        }

        // A symbol whose identity was never read, and whose founder is gone, can no longer be compared with anything.
        foreach (var group in _bySignature.Values)
        {
            lock (group.Gate)
            {
                foreach (var symbol in group.Symbols.Where(s => s.Identity is null && s.Founder?.Node.Index == node))
                {
                    symbol.Identity = Unidentified(symbol);
                    symbol.Founder = null;
                }
            }
        }

        _identities.RemoveNode(node);

        foreach (var (key, member) in _byNodeMember.Where(p => p.Key.Node == node))
        {
            _byNodeMember.TryRemove(key, out _);
            member.NodeIds.TryRemove(node, out _);
        }

        foreach (var key in _memberLoads.Keys.Where(k => k.Node == node))
        {
            _memberLoads.TryRemove(key, out _);
        }
    }

    internal static void ReadClassesBySignature(byte[] body, NodeLink node, List<(byte Tag, ulong Id)> into)
    {
        var reader = new JdwpReader(body);
        var count = reader.ReadCount(1);
        for (var i = 0; i < count; i++)
        {
            var tag = reader.ReadByte();
            var id = reader.ReadId(node.Sizes.ReferenceTypeId);
            reader.ReadInt32();
            into.Add((tag, id));
        }
    }

    private async Task<Symbol> SurfaceCoreAsync(NodeLink node, ulong typeId, byte typeTag, string? signature)
    {
        if (signature is null)
        {
            var sigBody = await node.QueryAsync(2, 1, new JdwpWriter().Id(typeId, node.Sizes.ReferenceTypeId).ToArray()).ConfigureAwait(false);
            signature = new JdwpReader(sigBody).ReadString();
        }

        if (typeTag == 0)
        {
            typeTag = signature.StartsWith('[') ? ArrayTag : (byte)0;
        }

        // Arrays have no bytes of their own: one symbol per signature, known without asking.
        var identity = signature.StartsWith('[') ? ClassIdentityReader.ArrayIdentity : null;
        var group = GroupOf(signature);
        lock (group.Gate)
        {
            if (group.Symbols.Count == 0 || identity is not null)
            {
                return JoinOrFound(group, signature, typeTag, identity, node, typeId);
            }
        }

        // A second type of this name: identify it, and the symbols whose identity was deferred, then compare.
        identity = await _identities.IdentifyAsync(node, typeId, signature).ConfigureAwait(false);
        Task[] deferred;
        lock (group.Gate)
        {
            deferred = [.. group.Symbols.Where(s => s.Identity is null).Select(StartResolving)];
        }

        await Task.WhenAll(deferred).ConfigureAwait(false);
        lock (group.Gate)
        {
            return JoinOrFound(group, signature, typeTag, identity, node, typeId);
        }
    }

    /// <summary>
    /// Under the group's lock: the node's type joins the symbol of the same identity, or founds one. A symbol holds one
    /// type per node: a second type of the same identity on one node (two loaders) is another type there, so it is
    /// another symbol. A null identity founds a symbol whose identity is read later, from this type.
    /// </summary>
    private Symbol JoinOrFound(SignatureGroup group, string signature, byte typeTag, string? identity, NodeLink node, ulong typeId)
    {
        var symbol = identity is null
            ? null
            : group.Symbols.Find(s => s.Identity == identity && (!s.NodeTypeIds.TryGetValue(node.Index, out var held) || held == typeId));
        if (symbol is null)
        {
            symbol = new Symbol(ids.Next(), signature, identity, typeTag) { Founder = identity is null ? (node, typeId) : null };
            _byVirtual[symbol.VirtualId] = symbol;
            group.Symbols.Add(symbol);
        }

        symbol.NodeTypeIds[node.Index] = typeId;
        _byNodeType[(node.Index, typeId)] = symbol;
        return symbol;
    }

    /// <summary>Under the group's lock: starts reading a deferred identity from the symbol's founder, once.</summary>
    private Task StartResolving(Symbol symbol) => symbol.Resolving ??= ResolveAsync(symbol);

    private async Task ResolveAsync(Symbol symbol)
    {
        // Started under the group's lock: leave it before the first query.
        await Task.Yield();
        string identity;
        try
        {
            identity = symbol.Founder is { } founder
                ? await _identities.IdentifyAsync(founder.Node, founder.TypeId, symbol.Signature).ConfigureAwait(false)
                : Unidentified(symbol);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The founder's node is gone (or its connection broke): the type can no longer be compared with anything.
            identity = Unidentified(symbol);
        }

        var group = GroupOf(symbol.Signature);
        lock (group.Gate)
        {
            symbol.Identity ??= identity;
            symbol.Founder = null;
        }
    }

    private static string Unidentified(Symbol symbol) => $"unidentified:{symbol.VirtualId}";

    private SignatureGroup GroupOf(string signature) => _bySignature.GetOrAdd(signature, static _ => new SignatureGroup());

    /// <summary>The symbols of one signature; its lock orders founding, joining and identity reads for that name.</summary>
    private sealed class SignatureGroup
    {
        public Lock Gate { get; } = new();

        public List<Symbol> Symbols { get; } = [];
    }

    private async Task LoadMembersAsync(NodeLink node, ulong typeId, bool methods)
    {
        var symbol = await SurfaceAsync(node, typeId).ConfigureAwait(false);
        var body = await node.QueryAsync(2, methods ? (byte)15 : (byte)14, new JdwpWriter().Id(typeId, node.Sizes.ReferenceTypeId).ToArray()).ConfigureAwait(false);
        var reader = new JdwpReader(body);
        var count = reader.ReadCount(1);
        var idSize = methods ? node.Sizes.MethodId : node.Sizes.FieldId;
        for (var i = 0; i < count; i++)
        {
            var memberId = reader.ReadId(idSize);
            var name = reader.ReadString();
            var signature = reader.ReadString();
            reader.ReadStringBytes();
            reader.ReadInt32();
            var member = _membersByKey.GetOrAdd((symbol, methods, name, signature), key =>
            {
                var created = new Member(ids.Next(), key.Owner, key.IsMethod, key.Name, key.Signature);
                _members[created.VirtualId] = created;
                return created;
            });
            member.NodeIds[node.Index] = memberId;
            _byNodeMember[(node.Index, typeId, methods, memberId)] = member;
        }
    }
}
