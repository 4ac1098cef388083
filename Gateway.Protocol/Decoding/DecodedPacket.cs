using JdwpGateway.Protocol.Spec;

namespace JdwpGateway.Protocol.Decoding;

/// <summary>How much of a packet's body the decoder could type.</summary>
public enum BodyStatus : byte
{
    /// <summary>Every byte of the body was decoded by its layout.</summary>
    Decoded,

    /// <summary>Decoded up to untagged values of unknown type; the rest is one <see cref="DecodedKind.Untyped"/> node.</summary>
    PartlyUntyped,

    /// <summary>No layout: a vendor or unknown command (or a reply to one); the body is one <see cref="DecodedKind.Raw"/> node.</summary>
    UnknownCommand,

    /// <summary>A reply whose command was not seen (e.g. a capture that started late); the body is raw.</summary>
    Unpaired,

    /// <summary>An error reply that carries bytes, which JDWP does not define; the body is raw.</summary>
    ErrorWithBody,
}

/// <summary>A packet with its header fields and its body decoded into <see cref="DecodedValue"/> nodes.</summary>
public sealed record DecodedPacket
{
    /// <summary>The packet id.</summary>
    public required int Id { get; init; }

    /// <summary>The header flags byte as sent (0x80 for a reply).</summary>
    public required byte Flags { get; init; }

    /// <summary>The command set: the packet's own, or for a reply the set of the command it answers (0 when unknown).</summary>
    public required byte CommandSet { get; init; }

    /// <summary>The command: the packet's own, or for a reply the command it answers (0 when unknown).</summary>
    public required byte Command { get; init; }

    /// <summary>The error code of a reply; 0 for a command.</summary>
    public short ErrorCode { get; init; }

    /// <summary>The command's description; null for unknown commands and unpaired replies.</summary>
    public CommandSpec? Spec { get; init; }

    /// <summary>ID widths the body was decoded with.</summary>
    public required IdSizes Sizes { get; init; }

    /// <summary>How far the body could be decoded.</summary>
    public required BodyStatus Status { get; init; }

    /// <summary>The body's fields, in layout order.</summary>
    public required IReadOnlyList<DecodedValue> Fields { get; init; }

    /// <summary>True for a reply.</summary>
    public bool IsReply => (Flags & JdwpPacket.ReplyFlag) != 0;

    /// <summary><c>Set.Command</c>, or <c>set/command</c> when unknown.</summary>
    public string Name => Spec?.FullName ?? $"{CommandSet}/{Command}";
}

/// <summary>
/// Tells the decoder the type of an untagged value (ClassType.SetValues, ObjectReference.SetValues,
/// ArrayReference.SetValues), which the packet does not carry. Implementations learn it from what they have seen
/// (field signatures, array types) or ask a VM.
/// </summary>
public interface IUntaggedTypeSource
{
    /// <summary>
    /// The value tag (<c>'I'</c>, <c>'L'</c>, <c>'['</c>...) of an untagged value, or null when unknown (the decoder then
    /// keeps the rest of the body as an untyped run).
    /// </summary>
    /// <param name="source">Where the type comes from: the preceding field, or the array's component type.</param>
    /// <param name="subject">The field ID, or the array ID, as found in the packet.</param>
    /// <param name="owner">
    /// For fields, the class (ClassType.SetValues) or object (ObjectReference.SetValues) named by the packet; for array
    /// components, the array again.
    /// </param>
    byte? TagOf(UntaggedSource source, ulong subject, ulong owner);
}
