using JdwpGateway.Protocol.Encoding;
using JdwpGateway.Protocol.Spec;

namespace JdwpGateway.Fuzz;

/// <summary>
/// Identity-ish ID mappers for the fuzz target. Untagged values take a tag derived from their subject (field or array
/// ID), the way the routing layer would look the type up; one residue in <see cref="Tags"/> is not a tag at all, to
/// fuzz the unknown-tag path too. The tag depends on the low 32 bits of the subject only, so that an ID narrowed to 4
/// bytes still selects the same tag and the 8→4 output can be re-read.
/// </summary>
public sealed class FuzzMapper : IIdMapper
{
    /// <summary>Every JDWP value tag (primitives including void, then objects), then one byte that is not a tag.</summary>
    public static readonly byte[] Tags = "BZCSIFJDVL[stglc?"u8.ToArray();

    /// <summary>Returns every ID unchanged.</summary>
    public static readonly FuzzMapper Identity = new(narrow: false);

    /// <summary>Keeps the low 32 bits of every ID (for an 8→4 rewrite).</summary>
    public static readonly FuzzMapper Narrowing = new(narrow: true);

    private readonly bool _narrow;

    private FuzzMapper(bool narrow) => _narrow = narrow;

    /// <summary>The tag an untagged value of <paramref name="subject"/> has.</summary>
    public static byte TagOf(ulong subject) => Tags[(int)((uint)subject % (uint)Tags.Length)];

    /// <summary>True when <see cref="TagOf"/> gives a real JDWP tag for <paramref name="subject"/>.</summary>
    public static bool HasValidTag(ulong subject) => TagOf(subject) != (byte)'?';

    /// <inheritdoc />
    public ulong Map(IdKind kind, ulong id, ulong contextType) => _narrow ? (uint)id : id;

    /// <inheritdoc />
    public int MapRequest(int requestId) => requestId;

    /// <inheritdoc />
    public byte UntaggedTag(UntaggedSource source, ulong subject, ulong contextType) => TagOf(subject);
}
