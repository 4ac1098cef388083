using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace JdwpGateway.Protocol.Encoding;

/// <summary>Writes big-endian JDWP primitives into a growable buffer.</summary>
public sealed class JdwpWriter
{
    private readonly ArrayBufferWriter<byte> _buffer;

    /// <summary>Creates a writer with an initial capacity.</summary>
    public JdwpWriter(int capacity = 64) => _buffer = new ArrayBufferWriter<byte>(Math.Max(capacity, 1));

    /// <summary>Bytes written so far.</summary>
    public int Length => _buffer.WrittenCount;

    /// <summary>The bytes written so far.</summary>
    public ReadOnlySpan<byte> Written => _buffer.WrittenSpan;

    /// <summary>Writes one byte.</summary>
    public JdwpWriter Byte(byte value)
    {
        _buffer.GetSpan(1)[0] = value;
        _buffer.Advance(1);
        return this;
    }

    /// <summary>Writes a boolean.</summary>
    public JdwpWriter Boolean(bool value) => Byte(value ? (byte)1 : (byte)0);

    /// <summary>Writes a big-endian int.</summary>
    public JdwpWriter Int(int value)
    {
        BinaryPrimitives.WriteInt32BigEndian(_buffer.GetSpan(4), value);
        _buffer.Advance(4);
        return this;
    }

    /// <summary>Writes a big-endian long.</summary>
    public JdwpWriter Long(long value)
    {
        BinaryPrimitives.WriteInt64BigEndian(_buffer.GetSpan(8), value);
        _buffer.Advance(8);
        return this;
    }

    /// <summary>Writes an unsigned ID of <paramref name="size"/> bytes, big-endian.</summary>
    public JdwpWriter Id(ulong value, int size)
    {
        var span = _buffer.GetSpan(size);
        for (var i = size - 1; i >= 0; i--)
        {
            span[i] = (byte)value;
            value >>= 8;
        }

        _buffer.Advance(size);
        return this;
    }

    /// <summary>Writes raw bytes.</summary>
    public JdwpWriter Bytes(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(_buffer.GetSpan(bytes.Length));
        _buffer.Advance(bytes.Length);
        return this;
    }

    /// <summary>Writes a JDWP string from raw bytes.</summary>
    public JdwpWriter StringBytes(ReadOnlySpan<byte> bytes) => Int(bytes.Length).Bytes(bytes);

    /// <summary>Writes a JDWP string from text (UTF-8).</summary>
    public JdwpWriter String(string value) => StringBytes(System.Text.Encoding.UTF8.GetBytes(value));

    /// <summary>Overwrites a big-endian int at <paramref name="offset"/> (for counts known only afterwards).</summary>
    public void PatchInt(int offset, int value) =>
        BinaryPrimitives.WriteInt32BigEndian(MemoryMarshal.AsMemory(_buffer.WrittenMemory).Span[offset..], value);

    /// <summary>A copy of the bytes written.</summary>
    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();

    /// <summary>Forgets what was written, keeping the buffer.</summary>
    public void Clear() => _buffer.Clear();
}
