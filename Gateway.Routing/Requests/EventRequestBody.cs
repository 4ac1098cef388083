using JdwpGateway.Protocol;
using JdwpGateway.Protocol.Encoding;
using JdwpGateway.Protocol.Spec;

namespace JdwpGateway.Routing.Requests;

/// <summary>Edits an EventRequest.Set body (in virtual IDs) using the layouts of its modifiers.</summary>
public static class EventRequestBody
{
    private static readonly Select Modifiers = (Select)((Repeat)JdwpSpec.Find(15, 1)!.Out.Elements[2]).Body.Elements[0];

    /// <summary>The modifier kinds of a request, in order.</summary>
    public static IReadOnlyList<byte> ModifierKinds(byte[] body)
    {
        var kinds = new List<byte>();
        Walk(body, (kind, _) =>
        {
            kinds.Add(kind);
            return true;
        });
        return kinds;
    }

    /// <summary>The value of the request's Count modifier, if it has one.</summary>
    public static int? CountOf(byte[] body)
    {
        int? count = null;
        Walk(body, (kind, bytes) =>
        {
            if (kind == (byte)ModKind.Count)
            {
                count = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes);
                return false;
            }

            return true;
        });
        return count;
    }

    /// <summary>The body without the modifiers <paramref name="drop"/> selects (e.g. ones an older node does not know).</summary>
    public static byte[] Without(byte[] body, Func<byte, bool> drop)
    {
        ArgumentNullException.ThrowIfNull(drop);
        var kept = new JdwpWriter(body.Length);
        var count = 0;
        Walk(body, (kind, bytes) =>
        {
            if (!drop(kind))
            {
                kept.Byte(kind).Bytes(bytes);
                count++;
            }

            return true;
        });
        return new JdwpWriter(body.Length).Byte(body[0]).Byte(body[1]).Int(count).Bytes(kept.Written).ToArray();
    }

    private static void Walk(byte[] body, Func<byte, ReadOnlySpan<byte>, bool> visit)
    {
        var reader = new JdwpReader(body);
        reader.ReadByte();
        reader.ReadByte();
        var count = reader.ReadCount(1);
        var offset = reader.Position;
        for (var i = 0; i < count; i++)
        {
            var kind = body[offset];
            if (!Modifiers.Cases.TryGetValue(kind, out var modifier))
            {
                throw JdwpReader.Error(JdwpPacket.HeaderLength + offset, $"unknown modKind {kind}");
            }

            var consumed = PacketRewriter.RewritePrefix(body.AsSpan(offset + 1), JdwpPacket.HeaderLength + offset + 1, modifier.Body, IdSizes.Eight, IdSizes.Eight, IdentityMapper.Instance, new JdwpWriter());
            if (!visit(kind, body.AsSpan(offset + 1, consumed)))
            {
                return;
            }

            offset += 1 + consumed;
        }
    }

    private sealed class IdentityMapper : IIdMapper
    {
        public static readonly IdentityMapper Instance = new();

        public ulong Map(IdKind kind, ulong id, ulong contextType) => id;

        public int MapRequest(int requestId) => requestId;

        public byte UntaggedTag(UntaggedSource source, ulong subject, ulong contextType) => (byte)'V';
    }
}
