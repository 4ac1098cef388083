using System.Collections.Concurrent;
using System.Security.Cryptography;
using JdwpGateway.Protocol.Encoding;
using JdwpGateway.Routing.Nodes;

namespace JdwpGateway.Routing.Symbols;

/// <summary>
/// The virtual VM's reference types, methods and fields. A type seen on a node is "surfaced": its signature and
/// fingerprint are read from the node and it joins the symbol with the same identity, or founds a new one.
/// </summary>
public sealed class SymbolTable(VirtualIds ids)
{
    private const byte ArrayTag = 3;

    /// <summary>The identity of every class the bootstrap loader defined: such classes are one symbol per signature.</summary>
    public const string BootstrapIdentity = "bootstrap";

    private readonly ConcurrentDictionary<(int Node, ulong TypeId), Symbol> _byNodeType = new();
    private readonly ConcurrentDictionary<(int Node, ulong TypeId), Lazy<Task<Symbol>>> _surfacing = new();
    private readonly ConcurrentDictionary<ulong, Symbol> _byVirtual = new();
    private readonly ConcurrentDictionary<(string Signature, string Fingerprint), Symbol> _byIdentity = new();
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
    /// the debugger keeps its reference type. Re-keys the symbol by the fingerprint read from <paramref name="node"/>
    /// and forgets member tables, since redefinition may add methods.
    /// </summary>
    public async Task RekeyAfterRedefinitionAsync(Symbol symbol, NodeLink node, ulong typeId)
    {
        var typeIdBytes = new JdwpWriter().Id(typeId, node.Sizes.ReferenceTypeId).ToArray();
        var fingerprint = await FingerprintAsync(node, typeIdBytes, symbol.Signature).ConfigureAwait(false);
        _byIdentity.TryRemove(new KeyValuePair<(string, string), Symbol>((symbol.Signature, symbol.Fingerprint), symbol));
        symbol.Fingerprint = fingerprint;
        _byIdentity[(symbol.Signature, fingerprint)] = symbol;
        foreach (var key in _memberLoads.Keys.Where(k => symbol.NodeTypeIds.TryGetValue(k.Node, out var t) && t == k.TypeId))
        {
            _memberLoads.TryRemove(key, out _);
        }
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
        var typeIdBytes = new JdwpWriter().Id(typeId, node.Sizes.ReferenceTypeId).ToArray();
        if (signature is null)
        {
            var sigBody = await node.QueryAsync(2, 1, typeIdBytes).ConfigureAwait(false);
            signature = new JdwpReader(sigBody).ReadString();
        }

        if (typeTag == 0)
        {
            typeTag = signature.StartsWith('[') ? ArrayTag : (byte)0;
        }

        var fingerprint = await FingerprintAsync(node, typeIdBytes, signature).ConfigureAwait(false);
        var symbol = _byIdentity.GetOrAdd((signature, fingerprint), key =>
        {
            var created = new Symbol(ids.Next(), key.Signature, key.Fingerprint, typeTag);
            _byVirtual[created.VirtualId] = created;
            return created;
        });
        symbol.NodeTypeIds[node.Index] = typeId;
        _byNodeType[(node.Index, typeId)] = symbol;
        return symbol;
    }

    /// <summary>
    /// The identity of a class's bytes as JDWP can observe them: SHA-256 over the constant pool (ReferenceType.ConstantPool),
    /// which differs whenever names, constants or referenced members differ. Arrays have no constant pool and are
    /// identified by signature alone. Classes of the bootstrap loader are identified by signature alone too: a debugger
    /// finds a type by name and defining loader, and the bootstrap loader is the same (none) on every node, so two types
    /// of one name there (java.lang.String of a JDK 17 and of a JDK 25 node) would make JDI pick either for both. See
    /// docs/virtual-vm.md, "Symbol identity".
    /// </summary>
    private static async Task<string> FingerprintAsync(NodeLink node, byte[] typeIdBytes, string signature)
    {
        if (signature.StartsWith('['))
        {
            return "array";
        }

        var loader = await node.SendAsync(2, 2, typeIdBytes).ConfigureAwait(false);
        if (loader.ErrorCode == 0 && new JdwpReader(loader.Body).ReadId(node.Sizes.ObjectId) == 0)
        {
            return BootstrapIdentity;
        }

        var reply = await node.SendAsync(2, 18, typeIdBytes).ConfigureAwait(false);
        if (reply.ErrorCode != 0)
        {
            // Classes without a constant pool we can read (not yet prepared, or an agent without canGetConstantPool).
            return $"unfingerprinted:{node.Index}";
        }

        return Convert.ToHexString(SHA256.HashData(reply.Body));
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
