using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace JdwpGateway.Protocol.Encoding;

/// <summary>
/// Reads big-endian JDWP primitives from a packet body. Every read checks bounds and reports the
/// offset of the failing field through <see cref="JdwpProtocolException"/>.
/// </summary>
public ref struct JdwpReader
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly int _baseOffset;

    /// <summary>Reads <paramref name="data"/>; offsets in errors are reported as <paramref name="baseOffset"/> + position.</summary>
    public JdwpReader(ReadOnlySpan<byte> data, int baseOffset = JdwpPacket.HeaderLength)
    {
        _data = data;
        _baseOffset = baseOffset;
        Position = 0;
    }

    /// <summary>Bytes consumed so far.</summary>
    public int Position { get; private set; }

    /// <summary>Bytes left.</summary>
    public readonly int Remaining => _data.Length - Position;

    /// <summary>Offset of the next byte within the packet.</summary>
    public readonly int PacketOffset => _baseOffset + Position;

    /// <summary>Reads one byte.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte ReadByte()
    {
        Need(1, "byte");
        return _data[Position++];
    }

    /// <summary>Reads a boolean (any non-zero byte is true).</summary>
    public bool ReadBoolean() => ReadByte() != 0;

    /// <summary>Reads a big-endian int.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int ReadInt32()
    {
        Need(4, "int");
        var value = BinaryPrimitives.ReadInt32BigEndian(_data[Position..]);
        Position += 4;
        return value;
    }

    /// <summary>Reads a big-endian long.</summary>
    public long ReadInt64()
    {
        Need(8, "long");
        var value = BinaryPrimitives.ReadInt64BigEndian(_data[Position..]);
        Position += 8;
        return value;
    }

    /// <summary>Reads an unsigned big-endian ID of <paramref name="size"/> bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong ReadId(int size)
    {
        Need(size, "ID");
        ulong value = 0;
        var span = _data.Slice(Position, size);
        for (var i = 0; i < span.Length; i++)
        {
            value = (value << 8) | span[i];
        }

        Position += size;
        return value;
    }

    /// <summary>Reads a JDWP string and returns its raw bytes (not always valid UTF-8, so not decoded).</summary>
    public ReadOnlySpan<byte> ReadStringBytes()
    {
        var start = PacketOffset;
        var length = ReadInt32();
        if (length < 0 || length > Remaining)
        {
            throw Error(start, $"string length {length} exceeds the {Remaining} bytes left in the packet");
        }

        var bytes = _data.Slice(Position, length);
        Position += length;
        return bytes;
    }

    /// <summary>Reads a JDWP string as text, replacing invalid sequences (for display only).</summary>
    public string ReadString() => System.Text.Encoding.UTF8.GetString(ReadStringBytes());

    /// <summary>Reads a count that precedes a repeated group; negative or impossible counts are errors.</summary>
    public int ReadCount(int minimumElementSize)
    {
        var start = PacketOffset;
        var count = ReadInt32();
        if (count < 0 || (long)count * Math.Max(minimumElementSize, 0) > Remaining)
        {
            throw Error(start, $"repeat count {count} cannot fit in the {Remaining} bytes left in the packet");
        }

        return count;
    }

    /// <summary>Reads <paramref name="length"/> raw bytes.</summary>
    public ReadOnlySpan<byte> ReadBytes(int length)
    {
        Need(length, "bytes");
        var bytes = _data.Slice(Position, length);
        Position += length;
        return bytes;
    }

    /// <summary>An error at <paramref name="packetOffset"/>.</summary>
    public static JdwpProtocolException Error(int packetOffset, string problem) =>
        new(string.Empty, null, null, packetOffset, problem);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly void Need(int size, string what)
    {
        if ((uint)size > (uint)(_data.Length - Position))
        {
            ThrowTruncated(size, what);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private readonly void ThrowTruncated(int size, string what) =>
        throw Error(PacketOffset, $"packet ends inside a {size}-byte {what}: {Remaining} bytes left");
}
