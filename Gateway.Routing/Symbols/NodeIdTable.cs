using JdwpGateway.Protocol.Spec;

namespace JdwpGateway.Routing.Symbols;

/// <summary>Where a virtual object-like ID lives: a node and the node's own ID.</summary>
/// <param name="Node">Index of the node; <see cref="NodeIdTable.GatewayNode"/> for things the gateway synthesizes.</param>
/// <param name="NodeId">The node's ID.</param>
/// <param name="Kind">The most specific kind seen for it.</param>
/// <param name="Sends">How many times the node sent this ID to the gateway (what the node's own reference count
/// holds, so a dispose releases all of it).</param>
public readonly record struct NodeRef(int Node, ulong NodeId, IdKind Kind, int Sends = 0);

/// <summary>
/// Bidirectional map between virtual IDs and (node, node ID) pairs for IDs that belong to one node: objects (threads,
/// groups, strings, class loaders, class objects, arrays, modules) or frames.
/// </summary>
/// <remarks>
/// A slot map, so a live ID costs little and a released one nothing: entries sit in a dense array of 32-byte slots
/// (chunked, so growing never copies a large array), and a virtual ID is the table's tag, the slot's generation and the
/// slot's index. A released slot is reused with its generation bumped, so an ID the debugger still holds after a
/// dispose never names the slot's next occupant. The only other cost is the reverse index, one dictionary entry per
/// live ID.
/// </remarks>
public sealed class NodeIdTable
{
    /// <summary>Node index used for IDs the gateway synthesizes itself (per-node thread groups).</summary>
    public const int GatewayNode = -1;

    private const int FreeSlot = int.MinValue;
    private const uint GenerationMask = 0xFF_FFFF;
    private const int ChunkShift = 12;
    private const int ChunkSize = 1 << ChunkShift;
    private const uint NoSlot = uint.MaxValue;

    private readonly Lock _lock = new();
    private readonly ulong _tag;
    private readonly Dictionary<(int Node, ulong Id), uint> _byNodeId = [];

    // A node numbers frames per thread (HotSpot: the thread's frame generation and the depth), so a frame is only
    // unique together with its thread.
    private readonly Dictionary<(int Node, ulong Owner, ulong Id), uint> _byOwnedNodeId = [];
    private Slot[][] _chunks = [];
    private uint _used;
    private uint _freeHead = NoSlot;
    private int _count;

    /// <summary>Creates a table whose virtual IDs carry <paramref name="tag"/> in their top byte.</summary>
    /// <param name="tag">Distinguishes this table's IDs from every other table's (and from counter-issued IDs, whose
    /// top byte is 0), so a virtual ID names exactly one thing in a session.</param>
    public NodeIdTable(byte tag)
    {
        ArgumentOutOfRangeException.ThrowIfZero(tag);
        _tag = (ulong)tag << 56;
    }

    /// <summary>Number of live entries.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _count;
            }
        }
    }

    /// <summary>The virtual ID for a node's ID, allocating one on first sight; counts one more send of it.</summary>
    /// <param name="node">The node's index.</param>
    /// <param name="nodeId">The node's ID.</param>
    /// <param name="kind">The kind the packet gives it.</param>
    /// <param name="owner">For frames: the virtual ID of the thread they belong to, which scopes the node's ID (see
    /// <see cref="RemoveOwnedBy"/>); 0 for IDs unique on their node.</param>
    public ulong Intern(int node, ulong nodeId, IdKind kind, ulong owner = 0)
    {
        lock (_lock)
        {
            if (owner == 0 ? _byNodeId.TryGetValue((node, nodeId), out var index) : _byOwnedNodeId.TryGetValue((node, owner, nodeId), out index))
            {
                ref var known = ref At(index);
                if (known.Sends < int.MaxValue)
                {
                    known.Sends++;
                }

                return IdOf(index, known.Generation);
            }

            index = Allocate(node, nodeId, kind, owner);
            if (owner == 0)
            {
                _byNodeId.Add((node, nodeId), index);
            }
            else
            {
                _byOwnedNodeId.Add((node, owner, nodeId), index);
            }

            return IdOf(index, At(index).Generation);
        }
    }

    /// <summary>Adds a synthesized entry with no node ID behind it; <paramref name="payload"/> says what it stands for.</summary>
    public ulong AddSynthetic(ulong payload, IdKind kind)
    {
        lock (_lock)
        {
            var index = Allocate(GatewayNode, payload, kind, 0);
            return IdOf(index, At(index).Generation);
        }
    }

    /// <summary>Looks up a virtual ID.</summary>
    public bool TryResolve(ulong virtualId, out NodeRef nodeRef)
    {
        lock (_lock)
        {
            if (TryFind(virtualId, out var index))
            {
                ref var slot = ref At(index);
                nodeRef = new NodeRef(slot.Node, slot.NodeId, slot.Kind, slot.Sends);
                return true;
            }
        }

        nodeRef = default;
        return false;
    }

    /// <summary>The virtual IDs of a node's entries of one kind (e.g. the threads the debugger may know).</summary>
    public IReadOnlyList<ulong> VirtualIdsOf(int node, IdKind kind)
    {
        var found = new List<ulong>();
        lock (_lock)
        {
            for (uint i = 0; i < _used; i++)
            {
                ref var slot = ref At(i);
                if (slot.Node == node && slot.Kind == kind)
                {
                    found.Add(IdOf(i, slot.Generation));
                }
            }
        }

        return found;
    }

    /// <summary>Forgets every entry of a node that left (its IDs can never be valid again).</summary>
    public void RemoveNode(int node) => RemoveWhere(static (in Slot s, ulong n) => s.Node == (int)n, (ulong)(uint)node);

    /// <summary>Forgets the frames of a thread that resumed (a frame ID is valid only while its thread is suspended).</summary>
    public void RemoveOwnedBy(ulong owner) => RemoveWhere(static (in Slot s, ulong o) => s.Owner == o && s.Node != FreeSlot, owner);

    /// <summary>Forgets one entry (after DisposeObjects).</summary>
    public void Remove(ulong virtualId)
    {
        lock (_lock)
        {
            if (TryFind(virtualId, out var index))
            {
                Release(index);
            }
        }
    }

    /// <summary>Forgets every entry.</summary>
    public void Clear() => RemoveWhere(static (in Slot s, ulong _) => s.Node != FreeSlot, 0);

    private delegate bool SlotFilter(in Slot slot, ulong argument);

    private void RemoveWhere(SlotFilter filter, ulong argument)
    {
        lock (_lock)
        {
            for (uint i = 0; i < _used; i++)
            {
                ref var slot = ref At(i);
                if (slot.Node != FreeSlot && filter(slot, argument))
                {
                    Release(i);
                }
            }
        }
    }

    private uint Allocate(int node, ulong nodeId, IdKind kind, ulong owner)
    {
        uint index;
        if (_freeHead != NoSlot)
        {
            index = _freeHead;
            _freeHead = (uint)At(index).NodeId;
        }
        else
        {
            index = _used++;
            if ((index >> ChunkShift) >= _chunks.Length)
            {
                Array.Resize(ref _chunks, _chunks.Length + 1);
                _chunks[^1] = new Slot[ChunkSize];
            }
        }

        ref var slot = ref At(index);
        slot.Node = node;
        slot.NodeId = nodeId;
        slot.Kind = kind;
        slot.Owner = owner;
        slot.Sends = node == GatewayNode ? 0 : 1;
        _count++;
        return index;
    }

    private void Release(uint index)
    {
        ref var slot = ref At(index);
        if (slot.Node != GatewayNode && slot.Owner == 0)
        {
            _byNodeId.Remove((slot.Node, slot.NodeId));
        }
        else if (slot.Node != GatewayNode)
        {
            _byOwnedNodeId.Remove((slot.Node, slot.Owner, slot.NodeId));
        }

        slot.Node = FreeSlot;
        slot.NodeId = _freeHead;
        slot.Owner = 0;
        slot.Generation = (slot.Generation + 1) & GenerationMask;
        _freeHead = index;
        _count--;
    }

    private bool TryFind(ulong virtualId, out uint index)
    {
        index = (uint)virtualId;
        if ((virtualId & 0xFF00_0000_0000_0000) != _tag || index >= _used)
        {
            return false;
        }

        ref var slot = ref At(index);
        return slot.Node != FreeSlot && slot.Generation == ((uint)(virtualId >> 32) & GenerationMask);
    }

    private ulong IdOf(uint index, uint generation) => _tag | ((ulong)generation << 32) | index;

    private ref Slot At(uint index) => ref _chunks[index >> ChunkShift][index & (ChunkSize - 1)];

    /// <summary>One entry: 32 bytes. A free slot has <see cref="FreeSlot"/> as its node and the next free index as its ID.</summary>
    private struct Slot
    {
        public ulong NodeId;
        public ulong Owner;
        public int Node;
        public int Sends;
        public uint Generation;
        public IdKind Kind;
    }
}
