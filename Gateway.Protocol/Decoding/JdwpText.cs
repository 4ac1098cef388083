using System.Text;

namespace JdwpGateway.Protocol.Decoding;

/// <summary>
/// Shows JDWP strings, which are modified UTF-8 (NUL as C0 80, supplementary characters as surrogate pairs) and may
/// hold any bytes at all, as readable quoted text: valid characters as they are, quotes, backslashes and control
/// characters escaped, and every byte that is not part of a valid sequence as <c>\xNN</c>, so nothing is hidden.
/// </summary>
public static class JdwpText
{
    /// <summary>The bytes as a quoted, escaped string.</summary>
    public static string Quote(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder(bytes.Length + 2).Append('"');
        var i = 0;
        while (i < bytes.Length)
        {
            if (TryDecode(bytes[i..], out var unit, out var length))
            {
                // A high surrogate followed by an encoded low surrogate is one supplementary character (CESU-8).
                if (char.IsHighSurrogate((char)unit) && TryDecode(bytes[(i + length)..], out var low, out var lowLength) && char.IsLowSurrogate((char)low))
                {
                    text.Append((char)unit).Append((char)low);
                    i += length + lowLength;
                    continue;
                }

                AppendCodePoint(text, unit);
                i += length;
                continue;
            }

            text.Append(System.Globalization.CultureInfo.InvariantCulture, $"\\x{bytes[i]:x2}");
            i++;
        }

        return text.Append('"').ToString();
    }

    private static void AppendCodePoint(StringBuilder text, int codePoint)
    {
        switch (codePoint)
        {
            case '"':
                text.Append("\\\"");
                return;
            case '\\':
                text.Append("\\\\");
                return;
            case '\n':
                text.Append("\\n");
                return;
            case '\r':
                text.Append("\\r");
                return;
            case '\t':
                text.Append("\\t");
                return;
        }

        if (codePoint > 0xFFFF)
        {
            text.Append(char.ConvertFromUtf32(codePoint));
        }
        else if (char.IsControl((char)codePoint) || char.IsSurrogate((char)codePoint) || codePoint is 0xFFFE or 0xFFFF)
        {
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $"\\u{codePoint:x4}");
        }
        else
        {
            text.Append((char)codePoint);
        }
    }

    /// <summary>Decodes one modified-UTF-8 (or standard 4-byte UTF-8) sequence; false for an invalid one.</summary>
    private static bool TryDecode(ReadOnlySpan<byte> bytes, out int codePoint, out int length)
    {
        codePoint = 0;
        length = 0;
        if (bytes.IsEmpty)
        {
            return false;
        }

        var b = bytes[0];
        if (b is > 0 and < 0x80)
        {
            codePoint = b;
            length = 1;
            return true;
        }

        if ((b & 0xE0) == 0xC0 && bytes.Length >= 2 && IsContinuation(bytes[1]))
        {
            codePoint = ((b & 0x1F) << 6) | (bytes[1] & 0x3F);

            // Modified UTF-8 writes NUL as C0 80; any other overlong form is invalid.
            length = 2;
            return codePoint >= 0x80 || (b == 0xC0 && bytes[1] == 0x80);
        }

        if ((b & 0xF0) == 0xE0 && bytes.Length >= 3 && IsContinuation(bytes[1]) && IsContinuation(bytes[2]))
        {
            codePoint = ((b & 0x0F) << 12) | ((bytes[1] & 0x3F) << 6) | (bytes[2] & 0x3F);
            length = 3;
            return codePoint >= 0x800;
        }

        if ((b & 0xF8) == 0xF0 && bytes.Length >= 4 && IsContinuation(bytes[1]) && IsContinuation(bytes[2]) && IsContinuation(bytes[3]))
        {
            codePoint = ((b & 0x07) << 18) | ((bytes[1] & 0x3F) << 12) | ((bytes[2] & 0x3F) << 6) | (bytes[3] & 0x3F);
            length = 4;
            return codePoint is >= 0x10000 and <= 0x10FFFF;
        }

        return false;
    }

    private static bool IsContinuation(byte b) => (b & 0xC0) == 0x80;
}
