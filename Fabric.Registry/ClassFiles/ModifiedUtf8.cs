using System.Text;

namespace Fabric.Registry.ClassFiles;

/// <summary>
/// The JVM's "modified UTF-8" (JVMS §4.4.7): no zero bytes (U+0000 is C0 80) and characters above U+FFFF as two
/// three-byte surrogates. Neither is valid standard UTF-8, so .NET's decoder cannot be used for non-ASCII names.
/// </summary>
internal static class ModifiedUtf8
{
    public static void Validate(ReadOnlySpan<byte> bytes, int offset)
    {
        var i = bytes.IndexOfAnyExceptInRange((byte)0x01, (byte)0x7F);
        if (i < 0)
        {
            return;
        }

        {
            i += DecodeOne(bytes, i, offset, out _);
        }
    }

    /// <summary>Decodes bytes already checked by <see cref="Validate"/>.</summary>
    public static string Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IndexOfAnyExceptInRange((byte)0x01, (byte)0x7F) < 0)
        {
            return Encoding.ASCII.GetString(bytes);
        }

        Span<char> chars = bytes.Length <= 512 ? stackalloc char[bytes.Length] : new char[bytes.Length];
        return new string(chars[..Decode(bytes, chars)]);
    }

    /// <summary>Decodes into <paramref name="chars"/> (at least as long as <paramref name="bytes"/>); returns the
    /// number of characters written.</summary>
    public static int Decode(ReadOnlySpan<byte> bytes, Span<char> chars)
    {
        // Class names are almost always ASCII: widen them in one vectorized step.
        if (bytes.IndexOfAnyExceptInRange((byte)0x01, (byte)0x7F) < 0)
        {
            Ascii.ToUtf16(bytes, chars, out var widened);
            return widened;
        }

        var written = 0;
        for (var i = 0; i < bytes.Length;)
        {
            i += DecodeOne(bytes, i, 0, out chars[written++]);
        }

        return written;
    }

    private static int DecodeOne(ReadOnlySpan<byte> bytes, int i, int offset, out char c)
    {
        var b = bytes[i];
        if (b is >= 0x01 and <= 0x7F)
        {
            c = (char)b;
            return 1;
        }

        if ((b & 0xE0) == 0xC0 && i + 1 < bytes.Length && (bytes[i + 1] & 0xC0) == 0x80)
        {
            c = (char)(((b & 0x1F) << 6) | (bytes[i + 1] & 0x3F));
            return 2;
        }

        if ((b & 0xF0) == 0xE0 && i + 2 < bytes.Length && (bytes[i + 1] & 0xC0) == 0x80 && (bytes[i + 2] & 0xC0) == 0x80)
        {
            c = (char)(((b & 0x0F) << 12) | ((bytes[i + 1] & 0x3F) << 6) | (bytes[i + 2] & 0x3F));
            return 3;
        }

        throw new ClassFormatException($"malformed modified UTF-8 byte 0x{b:X2} in a Utf8 constant", offset + i);
    }
}
