using JdwpGateway.Protocol;
using JdwpGateway.Protocol.Encoding;
using JdwpGateway.Protocol.Spec;
using JdwpGateway.Routing.Nodes;
using JdwpGateway.Routing.Symbols;

namespace JdwpGateway.Routing.Session;

public sealed partial class DebugSession
{
    /// <summary>The symbols an AllClasses reply has listed so far (reused by every AllClasses of the session).</summary>
    private readonly HashSet<ulong> _listedSymbols = [];

    /// <summary>VirtualMachine commands: synthesized, or fanned out to every node and merged.</summary>
    private Task<Reply> VirtualMachineCommandAsync(JdwpPacket packet, CommandSpec spec, CancellationToken token) => packet.Command switch
    {
        1 => Task.FromResult(Version()),
        2 => ClassesBySignatureAsync(packet.Body),
        3 => AllClassesAsync(withGeneric: false),
        20 => AllClassesAsync(withGeneric: true),
        4 => ConcatAsync(packet, spec),
        22 => ConcatAsync(packet, spec),
        5 => Task.FromResult(TopLevelThreadGroups()),
        6 => DisposeAsync(packet),
        7 => Task.FromResult(Reply.Ok(new JdwpWriter().Int(8).Int(8).Int(8).Int(8).Int(8).ToArray())),
        8 or 9 => SuspendOrResumeAsync(packet),
        10 or 15 or 16 or 19 => BroadcastAsync(packet),
        12 or 17 => CapabilitiesAsync(packet),
        14 => DisposeObjectsAsync(packet.Body),
        11 => CreateStringAsync(packet, spec),
        18 => RedefineClassesAsync(packet.Body),
        21 => InstanceCountsAsync(packet.Body),
        _ => RouteByIdsAsync(packet, spec),
    };

    /// <summary>
    /// The lowest JDWP version of the nodes: JDI enables features by the version it reads here, so promising more than
    /// the oldest node supports would make it send commands that node rejects.
    /// </summary>
    private Reply Version()
    {
        var nodes = Vm.UpNodes;
        var lowest = nodes.OrderBy(n => n.Version.JdwpMajor).ThenBy(n => n.Version.JdwpMinor).FirstOrDefault();
        var major = lowest?.Version.JdwpMajor ?? 17;
        var minor = lowest?.Version.JdwpMinor ?? 0;
        var description = $"JdwpGateway virtual VM over {nodes.Count} node(s): " +
            string.Join("; ", nodes.Select(n => $"{n.Name} = {n.Version.VmName} {n.Version.VmVersion}"));
        return Reply.Ok(new JdwpWriter()
            .String(description).Int(major).Int(minor)
            .String(lowest?.Version.VmVersion ?? "unknown")
            .String($"JdwpGateway ({lowest?.Version.VmName ?? "no nodes connected"})")
            .ToArray());
    }

    private Reply TopLevelThreadGroups() => Reply.Ok(new JdwpWriter().Int(1).Id(Vm.RootGroup, 8).ToArray());

    /// <summary>Sends the same body to every node and waits for all (Suspend, Resume, HoldEvents, ...).</summary>
    private async Task<Reply> BroadcastAsync(JdwpPacket packet)
    {
        var replies = await FanOutAsync(packet.CommandSet, packet.Command, _ => packet.Body).ConfigureAwait(false);
        var failed = replies.FirstOrDefault(r => r.Reply.ErrorCode != 0);
        return failed.Node is null || replies.Any(r => r.Reply.ErrorCode == 0)
            ? Reply.Ok([])
            : Reply.Error((ErrorCode)failed.Reply.ErrorCode, $"every node refused; {failed.Node.Name} first");
    }

    private async Task<Reply> DisposeAsync(JdwpPacket packet)
    {
        _disposeRequested = true;
        await FanOutAsync(packet.CommandSet, packet.Command, _ => []).ConfigureAwait(false);
        return Reply.Ok([]);
    }

    /// <summary>A capability holds for the virtual VM only when every node has it.</summary>
    private async Task<Reply> CapabilitiesAsync(JdwpPacket packet)
    {
        var replies = await FanOutAsync(packet.CommandSet, packet.Command, _ => []).ConfigureAwait(false);
        var width = packet.Command == 12 ? 7 : 32;
        var merged = Enumerable.Repeat((byte)1, width).ToArray();
        var any = false;
        foreach (var (_, reply) in replies.Where(r => r.Reply.ErrorCode == 0 && r.Reply.Body.Length >= width))
        {
            any = true;
            for (var i = 0; i < width; i++)
            {
                merged[i] &= reply.Body[i] != 0 ? (byte)1 : (byte)0;
            }
        }

        if (!any)
        {
            Array.Clear(merged);
        }

        return Reply.Ok(merged);
    }

    /// <summary>Concatenates each node's list (AllThreads, AllModules).</summary>
    private async Task<Reply> ConcatAsync(JdwpPacket packet, CommandSpec spec)
    {
        var replies = await FanOutAsync(packet.CommandSet, packet.Command, _ => []).ConfigureAwait(false);
        var total = 0;
        var items = JdwpWriter.Rent(replies.Sum(r => r.Reply.Body.Length) + 4);
        items.Int(0);
        foreach (var (node, reply) in replies.Where(r => r.Reply.ErrorCode == 0))
        {
            var virtualized = await ToDebuggerAsync(node, spec.Reply, reply.Body, 0, reply.Id, spec.FullName, rent: true).ConfigureAwait(false);
            if (virtualized.Code != ErrorCode.None)
            {
                continue;
            }

            var list = virtualized.Payload.Span;
            total += System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(list);
            items.Bytes(list[4..]);
            virtualized.Release();
        }

        items.PatchInt(0, total);
        return Reply.Rented(items);
    }

    /// <summary>Every node's classes of that signature, one entry per symbol.</summary>
    private async Task<Reply> ClassesBySignatureAsync(byte[] body)
    {
        var signature = new JdwpReader(body).ReadString();
        var replies = await FanOutAsync(1, 2, _ => body).ConfigureAwait(false);
        var found = new List<(Symbol Symbol, byte Tag, int Status)>();
        foreach (var (node, reply) in replies.Where(r => r.Reply.ErrorCode == 0))
        {
            var entries = new List<(byte Tag, ulong Id)>();
            var statuses = new List<int>();
            var reader = new JdwpReader(reply.Body);
            var count = reader.ReadCount(1);
            for (var i = 0; i < count; i++)
            {
                entries.Add((reader.ReadByte(), reader.ReadId(node.Sizes.ReferenceTypeId)));
                statuses.Add(reader.ReadInt32());
            }

            var symbols = await Task.WhenAll(entries.Select(e => Vm.Symbols.SurfaceAsync(node, e.Id, e.Tag, signature))).ConfigureAwait(false);
            for (var i = 0; i < symbols.Length; i++)
            {
                if (!found.Any(f => ReferenceEquals(f.Symbol, symbols[i])))
                {
                    found.Add((symbols[i], entries[i].Tag, statuses[i]));
                }
            }
        }

        var writer = new JdwpWriter().Int(found.Count);
        foreach (var (symbol, tag, status) in found)
        {
            writer.Byte(tag).Id(symbol.VirtualId, 8).Int(status);
            Vm.MarkShown(symbol.VirtualId);
        }

        return Reply.Ok(writer.ToArray());
    }

    /// <summary>Every node's classes, one entry per symbol.</summary>
    private async Task<Reply> AllClassesAsync(bool withGeneric)
    {
        var command = withGeneric ? (byte)20 : (byte)3;
        var replies = await FanOutAsync(1, command, _ => []).ConfigureAwait(false);

        // Sized from the largest node's reply: the merged list holds at least its classes (nodes mostly load the same
        // ones, so it is rarely much longer), and with 8-byte IDs, as HotSpot's are, its entries keep their length.
        var ok = replies.Where(r => r.Reply.ErrorCode == 0 && r.Reply.Body.Length >= 4).ToList();
        // One set per session, emptied per call: the debugger's commands (other than invocations) are handled one at a time.
        var seen = _listedSymbols;
        seen.Clear();
        seen.EnsureCapacity(ok.Count == 0 ? 0 : ok.Max(r => ClaimedCount(r.Reply.Body)));
        var writer = JdwpWriter.Rent((ok.Count == 0 ? 0 : ok.Max(r => r.Reply.Body.Length)) + 4);
        var countAt = writer.Length;
        writer.Int(0);
        var total = 0;
        foreach (var (node, reply) in replies.Where(r => r.Reply.ErrorCode == 0))
        {
            // After the session's first AllClasses every type is surfaced already: resolve those without a task, a
            // decoded signature or a copied one each, and copy each entry's strings straight from the node's reply.
            var body = reply.Body;
            var count = new JdwpReader(body).ReadCount(1);
            var entries = System.Buffers.ArrayPool<ListedClass>.Shared.Rent(count);
            var symbols = System.Buffers.ArrayPool<Symbol?>.Shared.Rent(count);
            try
            {
                total += await ListClassesAsync(node, body, withGeneric, entries, symbols, seen, writer).ConfigureAwait(false);
            }
            finally
            {
                System.Buffers.ArrayPool<ListedClass>.Shared.Return(entries);
                System.Buffers.ArrayPool<Symbol?>.Shared.Return(symbols, clearArray: true);
            }
        }

        writer.PatchInt(countAt, total);
        return Reply.Rented(writer);
    }

    /// <summary>
    /// Appends to <paramref name="writer"/> the classes of one node's AllClasses reply that no earlier node listed, and
    /// returns how many. <paramref name="entries"/> and <paramref name="symbols"/> are rented scratch, one slot per class.
    /// </summary>
    private async Task<int> ListClassesAsync(NodeLink node, byte[] body, bool withGeneric, ListedClass[] entries, Symbol?[] symbols,
        HashSet<ulong> seen, JdwpWriter writer)
    {
        var reader = new JdwpReader(body);
        var count = reader.ReadCount(1);
        var total = 0;
        List<(int Index, Task<Symbol> Surfacing)>? unknown = null;
        for (var i = 0; i < count; i++)
        {
            var tag = reader.ReadByte();
            var id = reader.ReadId(node.Sizes.ReferenceTypeId);
            var stringsStart = reader.Position;
            var signature = reader.ReadStringBytes();
            if (withGeneric)
            {
                reader.ReadStringBytes();
            }

            entries[i] = new ListedClass(tag, stringsStart, reader.Position, reader.ReadInt32());
            if (Vm.Symbols.TryGetByNodeType(node.Index, id, out var known))
            {
                symbols[i] = known;
            }
            else
            {
                (unknown ??= []).Add((i, Vm.Symbols.SurfaceAsync(node, id, tag, System.Text.Encoding.UTF8.GetString(signature))));
            }
        }

        if (unknown is not null)
        {
            await Task.WhenAll(unknown.Select(u => u.Surfacing)).ConfigureAwait(false);
            foreach (var (index, surfacing) in unknown)
            {
                symbols[index] = await surfacing.ConfigureAwait(false);
            }
        }

        for (var i = 0; i < count; i++)
        {
            var symbol = symbols[i]!;
            if (!seen.Add(symbol.VirtualId))
            {
                continue;
            }

            var e = entries[i];
            Vm.MarkShown(symbol.VirtualId);
            writer.Byte(e.Tag).Id(symbol.VirtualId, 8).Bytes(body.AsSpan(e.StringsStart, e.StringsEnd - e.StringsStart)).Int(e.Status);
            total++;
        }

        return total;
    }

    /// <summary>
    /// Releases objects on the nodes that own them. A node counts every time it sent an ID (the gateway's own queries
    /// included), which the debugger cannot know, so each node is told the larger of the debugger's count and the
    /// gateway's; the agent frees its entry once the count is reached.
    /// </summary>
    private async Task<Reply> DisposeObjectsAsync(byte[] body)
    {
        var reader = new JdwpReader(body);
        var count = reader.ReadCount(12);
        var perNode = new Dictionary<int, List<(ulong Id, int RefCount)>>();
        var enableCollection = new List<(int Node, ulong NodeId)>();
        for (var i = 0; i < count; i++)
        {
            var id = reader.ReadId(8);
            var refCount = reader.ReadInt32();
            if (Vm.Objects.TryResolve(id, out var r) && r.Node >= 0)
            {
                (perNode.TryGetValue(r.Node, out var list) ? list : perNode[r.Node] = []).Add((r.NodeId, Math.Max(refCount, r.Sends)));
                enableCollection.AddRange(Vm.ForgetObject(id, r));
            }
        }

        foreach (var (index, nodeId) in enableCollection)
        {
            if (Vm.TryGetNode(index, out var node))
            {
                // The copy was pinned (DisableCollection) for as long as the debugger held the string.
                var writer = new JdwpWriter().Id(nodeId, node.Sizes.ObjectId);
                await node.SendAsync(9, 8, writer.ToArray()).ConfigureAwait(false);
                (perNode.TryGetValue(index, out var list) ? list : perNode[index] = []).Add((nodeId, 1));
            }
        }

        foreach (var (index, list) in perNode)
        {
            if (Vm.TryGetNode(index, out var node))
            {
                var writer = new JdwpWriter().Int(list.Count);
                foreach (var (id, refCount) in list)
                {
                    writer.Id(id, node.Sizes.ObjectId).Int(refCount);
                }

                await node.SendAsync(1, 14, writer.ToArray()).ConfigureAwait(false);
            }
        }

        return Reply.Ok([]);
    }

    /// <summary>A string is created on the context node and remembered, so it can be copied to any node that needs it.</summary>
    private async Task<Reply> CreateStringAsync(JdwpPacket packet, CommandSpec spec)
    {
        var reply = await RouteByIdsAsync(packet, spec).ConfigureAwait(false);
        if (reply.Code == ErrorCode.None)
        {
            Vm.RecordCreatedString(new JdwpReader(reply.Payload.Span).ReadId(8), new JdwpReader(packet.Body).ReadStringBytes().ToArray());
        }

        return reply;
    }

    /// <summary>
    /// Hot swap: each class's new bytes are applied on every node that has loaded its symbol, in one RedefineClasses per
    /// node. The debugger's reference type stays; its symbol is re-keyed by the new bytes.
    /// </summary>
    private async Task<Reply> RedefineClassesAsync(byte[] body)
    {
        var reader = new JdwpReader(body);
        var count = reader.ReadCount(12);
        var classes = new List<(Symbol Symbol, byte[] Bytes)>();
        for (var i = 0; i < count; i++)
        {
            var id = reader.ReadId(8);
            var length = reader.ReadCount(1);
            var bytes = reader.ReadBytes(length).ToArray();
            if (!Vm.Symbols.TryGetByVirtual(id, out var symbol))
            {
                return Reply.Error(ErrorCode.InvalidClass, $"reference type {id:x} is unknown");
            }

            classes.Add((symbol, bytes));
        }

        var applied = new List<(NodeLink Node, Symbol Symbol, ulong TypeId)>();
        foreach (var node in Vm.UpNodes)
        {
            var perNode = new JdwpWriter();
            var onNode = new List<(Symbol Symbol, ulong TypeId)>();
            foreach (var (symbol, bytes) in classes)
            {
                if (await Vm.Symbols.FindOnNodeAsync(symbol, node).ConfigureAwait(false) is ulong typeId)
                {
                    perNode.Id(typeId, node.Sizes.ReferenceTypeId).Int(bytes.Length).Bytes(bytes);
                    onNode.Add((symbol, typeId));
                }
            }

            if (onNode.Count == 0)
            {
                continue;
            }

            var reply = await node.SendAsync(1, 18, new JdwpWriter().Int(onNode.Count).Bytes(perNode.Written).ToArray()).ConfigureAwait(false);
            if (reply.ErrorCode != 0)
            {
                var done = applied.Count == 0 ? "no node was changed" : $"already redefined on {string.Join(", ", applied.Select(a => a.Node.Name).Distinct())}";
                return Reply.Error((ErrorCode)reply.ErrorCode, $"node {node.Name} refused the redefinition ({done})");
            }

            applied.AddRange(onNode.Select(c => (node, c.Symbol, c.TypeId)));
        }

        foreach (var group in applied.GroupBy(a => a.Symbol))
        {
            var first = group.First();
            var bytes = classes.First(c => ReferenceEquals(c.Symbol, group.Key)).Bytes;
            await Vm.Symbols.RekeyAfterRedefinitionAsync(group.Key, first.Node, first.TypeId, bytes).ConfigureAwait(false);
        }

        return Reply.Ok([]);
    }

    /// <summary>Instances of a symbol in the virtual VM: the sum over the nodes that have loaded it.</summary>
    private async Task<Reply> InstanceCountsAsync(byte[] body)
    {
        var reader = new JdwpReader(body);
        var count = reader.ReadCount(8);
        var symbols = new List<Symbol>();
        for (var i = 0; i < count; i++)
        {
            var id = reader.ReadId(8);
            if (!Vm.Symbols.TryGetByVirtual(id, out var symbol))
            {
                return Reply.Error(ErrorCode.InvalidClass, $"reference type {id:x} is unknown");
            }

            symbols.Add(symbol);
        }

        var totals = new long[symbols.Count];
        foreach (var node in Vm.UpNodes)
        {
            for (var i = 0; i < symbols.Count; i++)
            {
                var typeId = await Vm.Symbols.FindOnNodeAsync(symbols[i], node).ConfigureAwait(false);
                if (typeId is null)
                {
                    continue;
                }

                var reply = await node.QueryAsync(1, 21, new JdwpWriter().Int(1).Id(typeId.Value, node.Sizes.ReferenceTypeId).ToArray()).ConfigureAwait(false);
                var counts = new JdwpReader(reply);
                counts.ReadInt32();
                totals[i] += counts.ReadInt64();
            }
        }

        var writer = new JdwpWriter().Int(totals.Length);
        foreach (var total in totals)
        {
            writer.Long(total);
        }

        return Reply.Ok(writer.ToArray());
    }

    /// <summary>Sends a command to every connected node at once; nodes that fail to answer are left out.</summary>
    private async Task<List<(NodeLink Node, JdwpPacket Reply)>> FanOutAsync(byte set, byte command, Func<NodeLink, byte[]> body)
    {
        var nodes = Vm.UpNodes;
        var tasks = nodes.Select(async node =>
        {
            try
            {
                return (node, await node.SendAsync(set, command, body(node)).ConfigureAwait(false));
            }
            catch (IOException)
            {
                return (node, (JdwpPacket?)null);
            }
        });
        var results = await Task.WhenAll(tasks).ConfigureAwait(false);
        return [.. results.Where(r => r.Item2 is not null).Select(r => (r.node, r.Item2!))];
    }

    /// <summary>A reply's leading count, bounded by what its length can hold (an entry takes at least 10 bytes), so a bad count sizes nothing huge.</summary>
    private static int ClaimedCount(byte[] body) =>
        Math.Clamp(System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(body), 0, body.Length / 10);

    /// <summary>One entry of a node's AllClasses reply: its signature (and generic signature) are bytes [StringsStart, StringsEnd) of the reply.</summary>
    private readonly record struct ListedClass(byte Tag, int StringsStart, int StringsEnd, int Status);
}
