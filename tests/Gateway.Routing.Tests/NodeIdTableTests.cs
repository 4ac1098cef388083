using CsCheck;
using Xunit;
using JdwpGateway.Protocol.Spec;
using JdwpGateway.Routing.Symbols;

namespace JdwpGateway.Routing.Tests;

public sealed class NodeIdTableTests
{
    [Fact]
    public void The_same_node_ID_gets_the_same_virtual_ID_and_each_send_is_counted()
    {
        var table = new NodeIdTable(0x0A);
        var first = table.Intern(2, 0xFFFF_FFFF_FFFF_FFF0, IdKind.Thread);
        var again = table.Intern(2, 0xFFFF_FFFF_FFFF_FFF0, IdKind.Thread);
        var otherNode = table.Intern(3, 0xFFFF_FFFF_FFFF_FFF0, IdKind.Thread);

        Assert.Equal(first, again);
        Assert.NotEqual(first, otherNode);
        Assert.Equal(0x0AUL, first >> 56);
        Assert.True(table.TryResolve(first, out var resolved));
        Assert.Equal(new NodeRef(2, 0xFFFF_FFFF_FFFF_FFF0, IdKind.Thread, 2), resolved);
        Assert.Equal(2, table.Count);
    }

    [Fact]
    public void A_removed_ID_never_resolves_again_even_when_its_slot_is_reused()
    {
        var table = new NodeIdTable(0x0A);
        var old = table.Intern(0, 100, IdKind.Object);
        table.Remove(old);
        var reused = table.Intern(0, 200, IdKind.Object);

        Assert.NotEqual(old, reused);
        Assert.Equal((uint)old, (uint)reused);
        Assert.False(table.TryResolve(old, out _));
        Assert.True(table.TryResolve(reused, out var r));
        Assert.Equal(200UL, r.NodeId);
        Assert.Equal(1, r.Sends);

        // The same node ID interned again after its removal is a new virtual ID: the debugger disposed the old one.
        var back = table.Intern(0, 100, IdKind.Object);
        Assert.NotEqual(old, back);
    }

    [Fact]
    public void IDs_of_another_table_or_of_no_table_do_not_resolve()
    {
        var objects = new NodeIdTable(0x0A);
        var frames = new NodeIdTable(0x0F);
        var obj = objects.Intern(0, 1, IdKind.Object);
        var frame = frames.Intern(0, 1, IdKind.Frame);

        Assert.NotEqual(obj, frame);
        Assert.False(objects.TryResolve(frame, out _));
        Assert.False(frames.TryResolve(obj, out _));
        Assert.False(objects.TryResolve(0, out _));
        Assert.False(objects.TryResolve(obj + 1, out _));
    }

    [Fact]
    public void Frames_are_forgotten_with_the_thread_that_owns_them()
    {
        var frames = new NodeIdTable(0x0F);
        var a1 = frames.Intern(0, 1, IdKind.Frame, owner: 77);
        var a2 = frames.Intern(0, 2, IdKind.Frame, owner: 77);
        var b1 = frames.Intern(1, 1, IdKind.Frame, owner: 88);

        frames.RemoveOwnedBy(77);

        Assert.False(frames.TryResolve(a1, out _));
        Assert.False(frames.TryResolve(a2, out _));
        Assert.True(frames.TryResolve(b1, out _));
        Assert.Equal(1, frames.Count);
    }

    [Fact]
    public void Frames_with_the_same_node_ID_on_two_threads_are_two_frames()
    {
        // HotSpot numbers each thread's frames from 0.
        var frames = new NodeIdTable(0x0F);
        var top1 = frames.Intern(0, 0, IdKind.Frame, owner: 77);
        var top2 = frames.Intern(0, 0, IdKind.Frame, owner: 88);

        Assert.NotEqual(top1, top2);
        frames.RemoveOwnedBy(77);
        Assert.True(frames.TryResolve(top2, out var r));
        Assert.Equal(0UL, r.NodeId);
        Assert.Equal(top2, frames.Intern(0, 0, IdKind.Frame, owner: 88));
    }

    [Fact]
    public void A_node_that_leaves_takes_its_entries_and_nothing_else()
    {
        var table = new NodeIdTable(0x0A);
        var group = table.AddSynthetic(5, IdKind.ThreadGroup);
        var left = Enumerable.Range(0, 10).Select(i => table.Intern(1, (ulong)i, IdKind.Thread)).ToList();
        var stays = table.Intern(2, 3, IdKind.Thread);

        table.RemoveNode(1);

        Assert.All(left, id => Assert.False(table.TryResolve(id, out _)));
        Assert.True(table.TryResolve(stays, out _));
        Assert.True(table.TryResolve(group, out var g));
        Assert.Equal(NodeIdTable.GatewayNode, g.Node);
        Assert.Equal([stays], table.VirtualIdsOf(2, IdKind.Thread));
        Assert.Empty(table.VirtualIdsOf(1, IdKind.Thread));
    }

    /// <summary>Random interns and removals against a plain dictionary model: the table must agree with it throughout.</summary>
    [Fact]
    public void Agrees_with_a_model_under_random_operations()
    {
        var operation = Gen.Select(Gen.Int[0, 3], Gen.Int[0, 2], Gen.ULong[0, 40]);
        operation.Array[1, 400].Sample(ops =>
        {
            var table = new NodeIdTable(0x0A);
            var model = new Dictionary<(int, ulong), (ulong Virtual, int Sends)>();
            var dead = new HashSet<ulong>();
            foreach (var (op, node, nodeId) in ops)
            {
                switch (op)
                {
                    case 0 or 1:
                        var id = table.Intern(node, nodeId, IdKind.Object);
                        if (model.TryGetValue((node, nodeId), out var known))
                        {
                            if (known.Virtual != id)
                            {
                                return false;
                            }

                            model[(node, nodeId)] = (id, known.Sends + 1);
                        }
                        else
                        {
                            if (dead.Contains(id) || model.Values.Any(v => v.Virtual == id))
                            {
                                return false;
                            }

                            model[(node, nodeId)] = (id, 1);
                        }

                        break;
                    case 2 when model.TryGetValue((node, nodeId), out var victim):
                        table.Remove(victim.Virtual);
                        model.Remove((node, nodeId));
                        dead.Add(victim.Virtual);
                        break;
                    case 3:
                        table.RemoveNode(node);
                        foreach (var key in model.Keys.Where(k => k.Item1 == node).ToList())
                        {
                            dead.Add(model[key].Virtual);
                            model.Remove(key);
                        }

                        break;
                }
            }

            return table.Count == model.Count
                && model.All(p => table.TryResolve(p.Value.Virtual, out var r) && r.Node == p.Key.Item1 && r.NodeId == p.Key.Item2 && r.Sends == p.Value.Sends)
                && dead.All(d => !table.TryResolve(d, out _));
        });
    }
}
