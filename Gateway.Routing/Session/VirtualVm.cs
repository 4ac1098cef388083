using System.Collections.Concurrent;
using JdwpGateway.Protocol.Encoding;
using JdwpGateway.Routing.Nodes;
using JdwpGateway.Routing.Requests;
using JdwpGateway.Routing.Symbols;

namespace JdwpGateway.Routing.Session;

/// <summary>
/// The state of one virtual VM: its nodes and the tables that translate IDs between the debugger and them.
/// </summary>
public sealed class VirtualVm
{
    private readonly ConcurrentDictionary<int, NodeLink> _nodes = new();
    private readonly ConcurrentDictionary<(Symbol Symbol, int Node), bool> _absent = new();
    private readonly ConcurrentDictionary<(int Node, ulong ArrayId), byte> _arrayComponentTags = new();
    private readonly ConcurrentDictionary<ulong, bool> _shownTypes = new();
    private readonly ConcurrentDictionary<ulong, byte[]> _createdStrings = new();
    private readonly ConcurrentDictionary<(ulong VirtualId, int Node), ulong> _stringCopies = new();
    private readonly ConcurrentDictionary<int, ulong> _nodeGroups = new();
    private readonly NodeDirectory _directory;

    /// <summary>Creates the state for a session over the nodes of <paramref name="directory"/>, now and later.</summary>
    public VirtualVm(NodeDirectory directory)
    {
        _directory = directory ?? throw new ArgumentNullException(nameof(directory));
        var ids = new VirtualIds();
        Objects = new NodeIdTable(ObjectTag);
        Frames = new NodeIdTable(FrameTag);
        Symbols = new SymbolTable(ids, directory.Releases);
        RootGroup = Objects.AddSynthetic(RootGroupMarker, Protocol.Spec.IdKind.ThreadGroup);
    }


    /// <summary>Top byte of object IDs (counter-issued IDs of types and members have 0 there).</summary>
    public const byte ObjectTag = 0x0A;

    /// <summary>Top byte of frame IDs.</summary>
    public const byte FrameTag = 0x0F;

    /// <summary>The synthetic ID's payload that marks the root group rather than a node's group.</summary>
    public const ulong RootGroupMarker = ulong.MaxValue;

    /// <summary>
    /// The one top-level thread group. A JVM has a single top-level group and debuggers rely on it (jdb lists only the
    /// first one), so the per-node groups hang under this root.
    /// </summary>
    public ulong RootGroup { get; }

    /// <summary>Objects of every kind (threads, groups, strings, arrays, class loaders, class objects, modules).</summary>
    public NodeIdTable Objects { get; }

    /// <summary>Stack frames.</summary>
    public NodeIdTable Frames { get; }

    /// <summary>Reference types, methods and fields.</summary>
    public SymbolTable Symbols { get; }

    /// <summary>Event requests.</summary>
    public RequestTable Requests { get; } = new();

    /// <summary>The synthetic top-level thread group of a node (made on first use; kept if the node returns).</summary>
    public ulong NodeGroupOf(int index) =>
        _nodeGroups.GetOrAdd(index, static (i, objects) => objects.AddSynthetic((ulong)i, Protocol.Spec.IdKind.ThreadGroup), Objects);

    /// <summary>Nodes that are connected now, in configuration order.</summary>
    public IReadOnlyList<NodeLink> UpNodes => [.. _nodes.Values.Where(n => n.IsUp).OrderBy(n => n.Index)];

    /// <summary>The node the debugger last worked with (last event, or last command routed by an object ID).</summary>
    public int ContextNode { get; set; }

    /// <summary>Records that the debugger has been given this reference type ID.</summary>
    public void MarkShown(ulong virtualTypeId) => _shownTypes[virtualTypeId] = true;

    /// <summary>True when the debugger has been given this reference type ID before.</summary>
    public bool WasShown(ulong virtualTypeId) => _shownTypes.ContainsKey(virtualTypeId);

    /// <summary>Name of a node by index.</summary>
    public string NodeName(int index) => _directory.NameOf(index);

    /// <summary>The link of a connected node.</summary>
    public bool TryGetNode(int index, out NodeLink node) => _nodes.TryGetValue(index, out node!) && node.IsUp;

    /// <summary>Adds a node that connected.</summary>
    public void AddNode(NodeLink node) => _nodes[node.Index] = node;

    /// <summary>Forgets a node that left, with every ID it issued.</summary>
    public void RemoveNode(int index)
    {
        _nodes.TryRemove(index, out _);
        Objects.RemoveNode(index);
        Frames.RemoveNode(index);
        Symbols.RemoveNode(index);
        Requests.RemoveNode(index);
        foreach (var key in _absent.Keys.Where(k => k.Node == index))
        {
            _absent.TryRemove(key, out _);
        }

        foreach (var key in _arrayComponentTags.Keys.Where(k => k.Node == index))
        {
            _arrayComponentTags.TryRemove(key, out _);
        }

        foreach (var key in _stringCopies.Keys.Where(k => k.Node == index))
        {
            _stringCopies.TryRemove(key, out _);
        }
    }

    /// <summary>
    /// Forgets an object the debugger disposed, with what the gateway remembered about it; returns the copies of a
    /// created string that other nodes hold for it, which the caller lets those nodes collect.
    /// </summary>
    public IReadOnlyList<(int Node, ulong NodeId)> ForgetObject(ulong virtualId, NodeRef nodeRef)
    {
        Objects.Remove(virtualId);
        _arrayComponentTags.TryRemove((nodeRef.Node, nodeRef.NodeId), out _);
        if (!_createdStrings.TryRemove(virtualId, out _))
        {
            return [];
        }

        var copies = new List<(int, ulong)>();
        foreach (var key in _stringCopies.Keys.Where(k => k.VirtualId == virtualId))
        {
            if (_stringCopies.TryRemove(key, out var copy))
            {
                copies.Add((key.Node, copy));
            }
        }

        return copies;
    }

    /// <summary>True when the node was asked and has not loaded the symbol.</summary>
    public bool IsKnownAbsent(Symbol symbol, int node) => _absent.ContainsKey((symbol, node));

    /// <summary>Clears absence marks for a class name on a node (it was just loaded there).</summary>
    public void ForgetAbsence(int node, string signature)
    {
        foreach (var key in _absent.Keys.Where(k => k.Node == node && k.Symbol.Signature == signature))
        {
            _absent.TryRemove(key, out _);
        }
    }

    /// <summary>Looks for a symbol on a node and records the answer either way.</summary>
    public async Task LocateAsync(Symbol symbol, NodeLink node)
    {
        var found = await Symbols.FindOnNodeAsync(symbol, node).ConfigureAwait(false);
        if (found is null)
        {
            _absent[(symbol, node.Index)] = true;
        }
    }

    /// <summary>Remembers a string the debugger created (VirtualMachine.CreateString), so it can be used on any node.</summary>
    public void RecordCreatedString(ulong virtualId, byte[] utf8) => _createdStrings[virtualId] = utf8;

    /// <summary>True for a string the debugger created: it may be used with objects of any node.</summary>
    public bool IsCreatedString(ulong virtualId) => _createdStrings.ContainsKey(virtualId);

    /// <summary>The copy of a created string on another node than the one it was created on, if made already.</summary>
    public bool TryGetStringCopy(ulong virtualId, int node, out ulong nodeId) => _stringCopies.TryGetValue((virtualId, node), out nodeId);

    /// <summary>
    /// Creates a created string's copy on a node that needs it as an argument (a string's value is all the debugger can
    /// observe of it), kept from collection while the session lasts.
    /// </summary>
    public async Task CopyStringAsync(NodeLink node, ulong virtualId)
    {
        if (!_createdStrings.TryGetValue(virtualId, out var utf8) || _stringCopies.ContainsKey((virtualId, node.Index)))
        {
            return;
        }

        var created = await node.QueryAsync(1, 11, new JdwpWriter().StringBytes(utf8).ToArray()).ConfigureAwait(false);
        var nodeId = new JdwpReader(created).ReadId(node.Sizes.ObjectId);
        await node.QueryAsync(9, 7, new JdwpWriter().Id(nodeId, node.Sizes.ObjectId).ToArray()).ConfigureAwait(false);
        _stringCopies[(virtualId, node.Index)] = nodeId;
    }

    /// <summary>The type tag of an array's components, if read already.</summary>
    public bool TryGetArrayComponentTag(int node, ulong arrayId, out byte tag) => _arrayComponentTags.TryGetValue((node, arrayId), out tag);

    /// <summary>Reads an array's type signature from its node to learn its component tag.</summary>
    public async Task LoadArrayComponentTagAsync(NodeLink node, ulong arrayId)
    {
        var typeReply = await node.QueryAsync(9, 1, new JdwpWriter().Id(arrayId, node.Sizes.ObjectId).ToArray()).ConfigureAwait(false);
        var reader = new JdwpReader(typeReply);
        reader.ReadByte();
        var typeId = reader.ReadId(node.Sizes.ReferenceTypeId);
        var symbol = await Symbols.SurfaceAsync(node, typeId).ConfigureAwait(false);
        var signature = symbol.Signature;
        var tag = signature.Length > 1 && signature[0] == '[' ? (byte)signature[1] : (byte)'L';
        _arrayComponentTags[(node.Index, arrayId)] = tag;
    }
}
