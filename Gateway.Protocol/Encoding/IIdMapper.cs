using JdwpGateway.Protocol.Spec;

namespace JdwpGateway.Protocol.Encoding;

/// <summary>
/// Substitutes IDs while <see cref="PacketRewriter"/> copies a packet. The routing layer implements it
/// once per direction (debugger→node, node→debugger); the rewriter knows the layouts, the mapper knows the tables.
/// </summary>
public interface IIdMapper
{
    /// <summary>
    /// Maps a non-null ID. <paramref name="contextType"/> is the last reference type ID read in the same packet
    /// (or the one the caller seeded), because method and field IDs are only unique within their type.
    /// </summary>
    ulong Map(IdKind kind, ulong id, ulong contextType);

    /// <summary>Maps an event request ID.</summary>
    int MapRequest(int requestId);

    /// <summary>
    /// The type tag of an untagged value: for <see cref="UntaggedSource.PrecedingField"/> the field's, for
    /// <see cref="UntaggedSource.ArrayComponent"/> the array's component type. <paramref name="subject"/> is the
    /// field or array ID as found in the source packet.
    /// </summary>
    byte UntaggedTag(UntaggedSource source, ulong subject, ulong contextType);
}
