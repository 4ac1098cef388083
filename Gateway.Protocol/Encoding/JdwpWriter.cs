using System.Buffers;
using System.Buffers.Binary;

namespace JdwpGateway.Protocol.Encoding;

/// <summary>
/// Writes big-endian JDWP primitives into a growable buffer: its own array, or one rented from
/// <see cref="ArrayPool{T}.Shared"/> (<see cref="Rent"/>) so that forwarding a packet allocates nothing proportional to
/// its size; a rented writer gives its array back with <see cref="Return"/>.
/// </summary>
public sealed class JdwpWriter
{
    private byte[] _buffer;
    private int _length;
    private readonly bool _rented;

    /// <summary>Creates a writer with an initial capacity.</summary>
    public JdwpWriter(int capacity = 64) => _buffer = new byte[Math.Max(capacity, 1)];

    private JdwpWriter(byte[] rented)
    {
        _buffer = rented;
        _rented = true;
    }

    /// <summary>A writer whose buffer (and any larger one it grows into) comes from the shared array pool.</summary>
    public static JdwpWriter Rent(int capacity) => new(ArrayPool<byte>.Shared.Rent(Math.Max(capacity, 64)));

    /// <summary>Bytes written so far.</summary>
    public int Length => _length;

    /// <summary>The bytes written so far.</summary>
    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

    /// <summary>The bytes written so far, valid until the writer is cleared, written to again or returned.</summary>
    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _length);

    /// <summary>Writes one byte.</summary>
    public JdwpWriter Byte(byte value)
    {
        Span(1)[0] = value;
        _length++;
        return this;
    }

    /// <summary>Writes a boolean.</summary>
    public JdwpWriter Boolean(bool value) => Byte(value ? (byte)1 : (byte)0);

    /// <summary>Writes a big-endian int.</summary>
    public JdwpWriter Int(int value)
    {
        BinaryPrimitives.WriteInt32BigEndian(Span(4), value);
        _length += 4;
        return this;
    }

    /// <summary>Writes a big-endian long.</summary>
    public JdwpWriter Long(long value)
    {
        BinaryPrimitives.WriteInt64BigEndian(Span(8), value);
        _length += 8;
        return this;
    }

    /// <summary>Writes an unsigned ID of <paramref name="size"/> bytes, big-endian.</summary>
    public JdwpWriter Id(ulong value, int size)
    {
        var span = Span(size);
        for (var i = size - 1; i >= 0; i--)
        {
            span[i] = (byte)value;
            value >>= 8;
        }

        _length += size;
        return this;
    }

    /// <summary>Writes raw bytes.</summary>
    public JdwpWriter Bytes(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(Span(bytes.Length));
        _length += bytes.Length;
        return this;
    }

    /// <summary>Writes a JDWP string from raw bytes.</summary>
    public JdwpWriter StringBytes(ReadOnlySpan<byte> bytes) => Int(bytes.Length).Bytes(bytes);

    /// <summary>Writes a JDWP string from text (UTF-8).</summary>
    public JdwpWriter String(string value) => StringBytes(System.Text.Encoding.UTF8.GetBytes(value));

    /// <summary>Overwrites a big-endian int at <paramref name="offset"/> (for counts known only afterwards).</summary>
    public void PatchInt(int offset, int value) =>
        BinaryPrimitives.WriteInt32BigEndian(_buffer.AsSpan(offset, _length - offset), value);

    /// <summary>Overwrites the byte at <paramref name="offset"/>.</summary>
    public void PatchByte(int offset, byte value) => _buffer.AsSpan(0, _length)[offset] = value;

    /// <summary>A copy of the bytes written.</summary>
    public byte[] ToArray() => Written.ToArray();

    /// <summary>Forgets what was written, keeping the buffer.</summary>
    public void Clear() => _length = 0;

    /// <summary>Forgets what was written after the first <paramref name="length"/> bytes.</summary>
    public void Truncate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, _length);
        _length = length;
    }

    /// <summary>Gives a rented buffer back to the pool (nothing for an own one); the writer is empty afterwards.</summary>
    public void Return()
    {
        var buffer = _buffer;
        _buffer = [];
        _length = 0;
        if (_rented && buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Room for <paramref name="size"/> more bytes at the end of what is written.</summary>
    private Span<byte> Span(int size)
    {
        if (_buffer.Length - _length < size)
        {
            Grow(size);
        }

        return _buffer.AsSpan(_length);
    }

    private void Grow(int size)
    {
        var capacity = (int)Math.Min(Array.MaxLength, Math.Max((long)_buffer.Length * 2, (long)_length + size));
        if (capacity - _length < size)
        {
            throw new InvalidOperationException($"a JDWP body cannot exceed {Array.MaxLength} bytes");
        }

        var grown = _rented ? ArrayPool<byte>.Shared.Rent(capacity) : new byte[capacity];
        _buffer.AsSpan(0, _length).CopyTo(grown);
        if (_rented && _buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
        }

        _buffer = grown;
    }
}
