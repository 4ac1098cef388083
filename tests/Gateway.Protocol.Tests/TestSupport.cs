using System.Buffers;
using System.Buffers.Binary;
using JdwpGateway.Protocol.Encoding;
using JdwpGateway.Protocol.Spec;

namespace JdwpGateway.Protocol.Tests;

/// <summary>
/// Builds big-endian byte strings independently of the product's <see cref="JdwpWriter"/>, so that expected
/// bytes in the tests do not share a bug with the code under test.
/// </summary>
internal sealed class Bytes
{
    private readonly List<byte> _bytes = [];

    public int Length => _bytes.Count;

    public Bytes U8(byte value)
    {
        _bytes.Add(value);
        return this;
    }

    public Bytes Tag(char tag) => U8((byte)tag);

    public Bytes I16(short value)
    {
        Span<byte> span = stackalloc byte[2];
        BinaryPrimitives.WriteInt16BigEndian(span, value);
        _bytes.AddRange(span.ToArray());
        return this;
    }

    public Bytes I32(int value)
    {
        Span<byte> span = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(span, value);
        _bytes.AddRange(span.ToArray());
        return this;
    }

    public Bytes I64(long value)
    {
        Span<byte> span = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(span, value);
        _bytes.AddRange(span.ToArray());
        return this;
    }

    /// <summary>An unsigned ID of <paramref name="size"/> bytes, big-endian.</summary>
    public Bytes Id(ulong value, int size = 8)
    {
        for (var i = size - 1; i >= 0; i--)
        {
            _bytes.Add((byte)(value >> (8 * i)));
        }

        return this;
    }

    public Bytes Raw(params byte[] bytes)
    {
        _bytes.AddRange(bytes);
        return this;
    }

    public Bytes Str(string text)
    {
        var utf8 = System.Text.Encoding.UTF8.GetBytes(text);
        return I32(utf8.Length).Raw(utf8);
    }

    /// <summary>typeTag, classID, methodID, index.</summary>
    public Bytes Loc(byte typeTag, ulong classId, ulong methodId, long index, int idSize = 8) =>
        U8(typeTag).Id(classId, idSize).Id(methodId, idSize).I64(index);

    public byte[] ToArray() => [.. _bytes];

    /// <summary>A whole packet on the wire: header (length, id, flags, b9, b10) then body.</summary>
    public static byte[] Packet(int id, byte flags, byte b9, byte b10, byte[] body) =>
        new Bytes().I32(11 + body.Length).I32(id).U8(flags).U8(b9).U8(b10).Raw(body).ToArray();

    public static byte[] Command(int id, byte set, byte command, byte[] body) => Packet(id, 0, set, command, body);

    public static byte[] Reply(int id, short errorCode, byte[] body) =>
        Packet(id, 0x80, (byte)((ushort)errorCode >> 8), (byte)errorCode, body);
}

/// <summary>A <see cref="ReadOnlySequence{T}"/> made of several segments, as a Pipe hands them out.</summary>
internal sealed class Segment : ReadOnlySequenceSegment<byte>
{
    private Segment(ReadOnlyMemory<byte> memory, long runningIndex)
    {
        Memory = memory;
        RunningIndex = runningIndex;
    }

    /// <summary>Cuts <paramref name="data"/> into pieces of <paramref name="pieceSize"/> bytes (the last may be shorter).</summary>
    public static ReadOnlySequence<byte> Split(byte[] data, int pieceSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pieceSize, 1);
        if (data.Length == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        // Each piece gets its own array so no segment can see its neighbour's bytes.
        Segment? first = null;
        Segment? last = null;
        for (var offset = 0; offset < data.Length; offset += pieceSize)
        {
            var piece = data.AsSpan(offset, Math.Min(pieceSize, data.Length - offset)).ToArray();
            var segment = new Segment(piece, offset);
            if (last is null)
            {
                first = segment;
            }
            else
            {
                last.Next = segment;
            }

            last = segment;
        }

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }
}

/// <summary>
/// A mapper that adds <see cref="Delta"/> to every ID and records what it was asked, so tests can check both
/// the bytes written and the (kind, id, contextType) triples the rewriter passed.
/// </summary>
internal sealed class RecordingMapper(ulong delta = 0x100) : IIdMapper
{
    public ulong Delta { get; } = delta;

    public List<(IdKind Kind, ulong Id, ulong ContextType)> Calls { get; } = [];

    public List<int> Requests { get; } = [];

    public List<(UntaggedSource Source, ulong Subject, ulong ContextType)> UntaggedCalls { get; } = [];

    /// <summary>The tag returned for each untagged subject (field or array ID).</summary>
    public Dictionary<ulong, byte> UntaggedTags { get; } = [];

    public ulong Map(IdKind kind, ulong id, ulong contextType)
    {
        Calls.Add((kind, id, contextType));
        return id + Delta;
    }

    public int MapRequest(int requestId)
    {
        Requests.Add(requestId);
        return requestId + 1000;
    }

    public byte UntaggedTag(UntaggedSource source, ulong subject, ulong contextType)
    {
        UntaggedCalls.Add((source, subject, contextType));
        return UntaggedTags.TryGetValue(subject, out var tag)
            ? tag
            : throw new InvalidOperationException($"test mapper has no tag for subject {subject:x}");
    }
}

/// <summary>
/// Maps every ID to itself; the tag of an untagged value is a pure function of its subject, so the generator in
/// <see cref="LayoutBodyGenerator"/> and the rewriter agree on it in every direction.
/// </summary>
internal sealed class IdentityMapper : IIdMapper
{
    public static readonly IdentityMapper Instance = new();

    public ulong Map(IdKind kind, ulong id, ulong contextType) => id;

    public int MapRequest(int requestId) => requestId;

    public byte UntaggedTag(UntaggedSource source, ulong subject, ulong contextType) => LayoutBodyGenerator.UntaggedTagOf(subject);
}
