using System.Security.Cryptography;

namespace Fabric.Registry.Symbols;

/// <summary>
/// The identity of a symbol: the SHA-256 of its exact bytes. Identical bytes give identical IDs on every machine,
/// so an ID is also the integrity check of the bytes it names.
/// </summary>
public readonly struct SymbolId : IEquatable<SymbolId>, IComparable<SymbolId>, ISpanFormattable
{
    public const int ByteLength = 32;
    public const int HexLength = 64;

    // Four longs instead of a byte[] so the ID is a value: no allocation, cheap equality and hashing.
    private readonly ulong _a, _b, _c, _d;

    public SymbolId(ReadOnlySpan<byte> sha256)
    {
        if (sha256.Length != ByteLength)
        {
            throw new ArgumentException($"a symbol ID is {ByteLength} bytes, not {sha256.Length}", nameof(sha256));
        }

        _a = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(sha256);
        _b = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(sha256[8..]);
        _c = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(sha256[16..]);
        _d = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(sha256[24..]);
    }

    /// <summary>The ID of <paramref name="content"/>.</summary>
    public static SymbolId Of(ReadOnlySpan<byte> content)
    {
        Span<byte> hash = stackalloc byte[ByteLength];
        SHA256.HashData(content, hash);
        return new SymbolId(hash);
    }

    /// <summary>The ID of everything <paramref name="content"/> yields, read to its end.</summary>
    public static async Task<SymbolId> OfAsync(Stream content, CancellationToken cancellationToken = default)
    {
        var hash = await SHA256.HashDataAsync(content, cancellationToken).ConfigureAwait(false);
        return new SymbolId(hash);
    }

    /// <summary>True when <paramref name="content"/> hashes to this ID.</summary>
    public bool Matches(ReadOnlySpan<byte> content) => Of(content) == this;

    public void CopyTo(Span<byte> destination)
    {
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(destination, _a);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _b);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(destination[16..], _c);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(destination[24..], _d);
    }

    public byte[] ToBytes()
    {
        var bytes = new byte[ByteLength];
        CopyTo(bytes);
        return bytes;
    }

    /// <summary>Parses 64 hex digits (either case).</summary>
    public static SymbolId Parse(ReadOnlySpan<char> hex) =>
        TryParse(hex, out var id) ? id : throw new FormatException($"'{hex}' is not a symbol ID (64 hex digits)");

    public static bool TryParse(ReadOnlySpan<char> hex, out SymbolId id)
    {
        id = default;
        if (hex.Length != HexLength)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[ByteLength];
        if (Convert.FromHexString(hex, bytes, out _, out var written) != System.Buffers.OperationStatus.Done
            || written != ByteLength)
        {
            return false;
        }

        id = new SymbolId(bytes);
        return true;
    }

    /// <summary>Lower-case hex, the form used in URLs, manifests and blob file names.</summary>
    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[ByteLength];
        CopyTo(bytes);
        return Convert.ToHexStringLower(bytes);
    }

    /// <summary>The first <paramref name="digits"/> hex digits, for logs and progress output.</summary>
    public string ToShortString(int digits = 12) => ToString()[..digits];

    public string ToString(string? format, IFormatProvider? formatProvider) => ToString();

    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider)
    {
        charsWritten = 0;
        if (destination.Length < HexLength)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[ByteLength];
        CopyTo(bytes);
        var ok = Convert.TryToHexStringLower(bytes, destination, out charsWritten);
        return ok;
    }

    public bool Equals(SymbolId other) => _a == other._a && _b == other._b && _c == other._c && _d == other._d;

    public override bool Equals(object? obj) => obj is SymbolId other && Equals(other);

    // SHA-256 output is uniformly distributed, so any 64 bits of it make a good hash.
    public override int GetHashCode() => (int)(_a ^ (_a >> 32));

    public int CompareTo(SymbolId other)
    {
        var c = _a.CompareTo(other._a);
        if (c == 0) c = _b.CompareTo(other._b);
        if (c == 0) c = _c.CompareTo(other._c);
        if (c == 0) c = _d.CompareTo(other._d);
        return c;
    }

    public static bool operator ==(SymbolId left, SymbolId right) => left.Equals(right);

    public static bool operator !=(SymbolId left, SymbolId right) => !left.Equals(right);
}
