using System.Globalization;
using System.Text;
using JdwpGateway.Protocol.Spec;

namespace JdwpGateway.Protocol.Decoding;

/// <summary>
/// Renders a <see cref="DecodedPacket"/> as one readable block of text: a header line
/// (<c>#5 → ThreadReference.Frames</c>, <c>#5 ← reply error=0 (ThreadReference.Frames)</c>), then one indented line
/// per field. IDs are hex with their kind, strings are quoted with anything unprintable or invalid escaped, constants
/// known by field name (type tags, event kinds, suspend policies, class and thread status) are named.
/// </summary>
public static class PacketPrinter
{
    private const string Indent = "  ";
    private const int HexPerLine = 16;
    private const int ValuesPerLine = 8;

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>The packet as text, one line per field, ending with a newline.</summary>
    public static string Print(DecodedPacket packet)
    {
        var text = new StringBuilder();
        Print(packet, text);
        return text.ToString();
    }

    /// <summary>Appends the packet to <paramref name="text"/>.</summary>
    public static void Print(DecodedPacket packet, StringBuilder text)
    {
        ArgumentNullException.ThrowIfNull(packet);
        ArgumentNullException.ThrowIfNull(text);
        text.Append(Header(packet)).Append('\n');
        foreach (var field in packet.Fields)
        {
            PrintField(field, 1, text);
        }
    }

    /// <summary>The header line alone, e.g. <c>#5 → VirtualMachine.Version</c>.</summary>
    public static string Header(DecodedPacket packet)
    {
        ArgumentNullException.ThrowIfNull(packet);
        if (!packet.IsReply)
        {
            return $"#{packet.Id.ToString(Inv)} → {packet.Name}" + (packet.Status == BodyStatus.UnknownCommand ? " (unknown command)" : string.Empty);
        }

        var error = packet.ErrorCode == 0
            ? "error=0"
            : $"error={packet.ErrorCode.ToString(Inv)}" + (Enum.IsDefined((ErrorCode)packet.ErrorCode) ? $" {(ErrorCode)packet.ErrorCode}" : string.Empty);
        var answers = packet.Status switch
        {
            BodyStatus.Unpaired => $"no command #{packet.Id.ToString(Inv)} seen",
            BodyStatus.UnknownCommand => $"{packet.Name}, unknown command",
            _ => packet.Name,
        };
        return $"#{packet.Id.ToString(Inv)} ← reply {error} ({answers})";
    }

    /// <summary>A scalar node's value as shown after its name (empty for nodes that only have children).</summary>
    public static string FormatScalar(DecodedValue value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.Kind switch
        {
            DecodedKind.Byte => value.Bits.ToString(Inv) + Annotate(value.Name, (long)value.Bits),
            DecodedKind.Boolean => value.Bits switch
            {
                0 => "false",
                1 => "true",
                _ => $"true (0x{value.Bits:x2})",
            },
            DecodedKind.Int => value.Name == "modBits" ? $"0x{value.AsInt:x4}" : value.AsInt.ToString(Inv) + Annotate(value.Name, value.AsInt),
            DecodedKind.Long => value.AsLong.ToString(Inv),
            DecodedKind.String => JdwpText.Quote(value.Bytes.Span),
            DecodedKind.Id => FormatId(value.IdKind, value.Bits),
            DecodedKind.RequestId => value.AsInt.ToString(Inv),
            DecodedKind.TaggedObject => $"{(char)value.Tag} {FormatId(value.IdKind, value.Bits)}",
            DecodedKind.Value => FormatValue(value),
            DecodedKind.UntaggedValue => FormatValue(value) + " (untagged)",
            DecodedKind.Location => FormatLocation(value),
            DecodedKind.ArrayRegion => $"region {(char)value.Tag} [{value.Bits.ToString(Inv)}]",
            DecodedKind.Repeat => $"[{value.Bits.ToString(Inv)}]",
            DecodedKind.Select => $"{value.Tag.ToString(Inv)} {value.CaseName}",
            DecodedKind.Untyped => $"untyped, {value.Bytes.Length.ToString(Inv)} bytes (value types unknown)",
            DecodedKind.Raw => $"{value.Bytes.Length.ToString(Inv)} bytes",
            _ => string.Empty,
        };
    }

    private static void PrintField(DecodedValue field, int depth, StringBuilder text)
    {
        var pad = string.Concat(Enumerable.Repeat(Indent, depth));
        switch (field.Kind)
        {
            case DecodedKind.Repeat when IsByteRun(field):
                {
                    // Byte arrays spelled as repeats (bytecodes, class files, constant pools): a hex dump, not a line per byte.
                    var bytes = field.Children.Select(g => (byte)g.Children[0].Bits).ToArray();
                    text.Append(pad).Append(field.Name).Append(": [").Append(bytes.Length.ToString(Inv)).Append("] bytes\n");
                    HexDump(bytes, depth + 1, text);
                    return;
                }

            case DecodedKind.Repeat:
                text.Append(pad).Append(field.Name).Append(": ").Append(FormatScalar(field)).Append('\n');
                foreach (var group in field.Children)
                {
                    PrintGroup(group, depth + 1, text);
                }

                return;
            case DecodedKind.Select:
                text.Append(pad).Append(field.Name).Append(": ").Append(FormatScalar(field)).Append('\n');
                foreach (var child in field.Children)
                {
                    PrintField(child, depth + 1, text);
                }

                return;
            case DecodedKind.ArrayRegion:
                text.Append(pad).Append(field.Name).Append(": ").Append(FormatScalar(field)).Append('\n');
                PrintRegion(field, depth + 1, text);
                return;
            case DecodedKind.Untyped or DecodedKind.Raw:
                text.Append(pad).Append(field.Name).Append(": ").Append(FormatScalar(field)).Append('\n');
                HexDump(field.Bytes.Span, depth + 1, text);
                return;
            default:
                text.Append(pad).Append(field.Name).Append(": ").Append(FormatScalar(field)).Append('\n');
                return;
        }
    }

    private static void PrintGroup(DecodedValue group, int depth, StringBuilder text)
    {
        var pad = string.Concat(Enumerable.Repeat(Indent, depth));
        if (group.Children.Count == 1 && IsScalar(group.Children[0]))
        {
            // One value per repetition (a list of threads, of values): keep each on one line.
            var only = group.Children[0];
            text.Append(pad).Append(group.Name).Append(' ').Append(only.Name).Append(": ").Append(FormatScalar(only)).Append('\n');
            return;
        }

        if (group.Children.Count == 1 && group.Children[0].Kind == DecodedKind.Select)
        {
            var select = group.Children[0];
            text.Append(pad).Append(group.Name).Append(' ').Append(select.Name).Append(": ").Append(FormatScalar(select)).Append('\n');
            foreach (var child in select.Children)
            {
                PrintField(child, depth + 1, text);
            }

            return;
        }

        text.Append(pad).Append(group.Name).Append('\n');
        foreach (var child in group.Children)
        {
            PrintField(child, depth + 1, text);
        }
    }

    private static void PrintRegion(DecodedValue region, int depth, StringBuilder text)
    {
        var pad = string.Concat(Enumerable.Repeat(Indent, depth));
        if (region.Children.Count > 0 || region.Bits == 0)
        {
            foreach (var value in region.Children)
            {
                text.Append(pad).Append(value.Name).Append(": ").Append(FormatScalar(value)).Append('\n');
            }

            return;
        }

        var size = Encoding.PacketRewriter.PrimitiveSize(region.Tag);
        var bytes = region.Bytes.Span;
        var count = (int)region.Bits;
        for (var start = 0; start < count; start += ValuesPerLine)
        {
            text.Append(pad).Append('[').Append(start.ToString(Inv)).Append("] ");
            var end = Math.Min(count, start + ValuesPerLine);
            for (var i = start; i < end; i++)
            {
                ulong bits = 0;
                foreach (var b in bytes.Slice(i * size, size))
                {
                    bits = (bits << 8) | b;
                }

                text.Append(i > start ? ", " : string.Empty).Append(FormatPrimitive(region.Tag, bits));
            }

            text.Append('\n');
        }
    }

    private static bool IsScalar(DecodedValue value) =>
        value.Kind is not (DecodedKind.Repeat or DecodedKind.Group or DecodedKind.Select or DecodedKind.ArrayRegion or DecodedKind.Untyped or DecodedKind.Raw);

    private static bool IsByteRun(DecodedValue repeat) =>
        repeat.Children.Count > 0 && repeat.Children.All(g => g.Children.Count == 1 && g.Children[0].Kind == DecodedKind.Byte);

    private static void HexDump(ReadOnlySpan<byte> bytes, int depth, StringBuilder text)
    {
        var pad = string.Concat(Enumerable.Repeat(Indent, depth));
        for (var offset = 0; offset < bytes.Length; offset += HexPerLine)
        {
            text.Append(pad).Append(offset.ToString("x4", Inv)).Append(':');
            foreach (var b in bytes.Slice(offset, Math.Min(HexPerLine, bytes.Length - offset)))
            {
                text.Append(' ').Append(b.ToString("x2", Inv));
            }

            text.Append('\n');
        }
    }

    private static string FormatId(IdKind? kind, ulong id) => $"{kind} {Hex(id)}";

    private static string Hex(ulong id) => id == 0 ? "null" : $"0x{id:x}";

    private static string FormatLocation(DecodedValue location)
    {
        var typeTag = (long)location.Children[0].Bits;
        var type = Enum.IsDefined((TypeTag)typeTag) ? ((TypeTag)typeTag).ToString() : $"typeTag {typeTag.ToString(Inv)}";
        return $"{type} {Hex(location.Children[1].Bits)}, method {Hex(location.Children[2].Bits)}, index {location.Children[3].AsLong.ToString(Inv)}";
    }

    private static string FormatValue(DecodedValue value) =>
        value.IdKind is { } kind ? $"{(char)value.Tag} {FormatId(kind, value.Bits)}" : $"{(char)value.Tag} {FormatPrimitive(value.Tag, value.Bits)}".TrimEnd();

    private static string FormatPrimitive(byte tag, ulong bits) => (char)tag switch
    {
        'Z' => bits switch
        {
            0 => "false",
            1 => "true",
            _ => $"true (0x{bits:x2})",
        },
        'B' => unchecked((sbyte)bits).ToString(Inv),
        'C' => FormatChar((char)bits),
        'S' => unchecked((short)bits).ToString(Inv),
        'I' => unchecked((int)bits).ToString(Inv),
        'J' => unchecked((long)bits).ToString(Inv),
        'F' => BitConverter.Int32BitsToSingle(unchecked((int)bits)).ToString("R", Inv),
        'D' => BitConverter.Int64BitsToDouble(unchecked((long)bits)).ToString("R", Inv),
        'V' => string.Empty,
        _ => $"0x{bits:x}",
    };

    private static string FormatChar(char c) =>
        char.IsControl(c) || char.IsSurrogate(c) ? $"'\\u{(int)c:x4}'" : c == '\'' ? "'\\''" : $"'{c}'";

    /// <summary>Names a constant for fields whose meaning the name fixes; empty when unknown.</summary>
    private static string Annotate(string field, long value)
    {
        var name = field switch
        {
            "refTypeTag" or "typeTag" => Named<TypeTag>(value),
            "suspendPolicy" => Named<SuspendPolicy>(value),
            "eventKind" => EventKindName(value),
            "status" => Flags<ClassStatus>(value),
            "threadStatus" => Named<ThreadStatus>(value),
            "suspendStatus" => Flags<SuspendStatus>(value),
            "options" => Flags<InvokeOptions>(value),
            "sigbyte" when value is > 32 and < 127 => $"'{(char)value}'",
            _ => null,
        };
        return name is null ? string.Empty : $" ({name})";
    }

    private static string? Named<T>(long value)
        where T : struct, Enum
    {
        var typed = (T)Enum.ToObject(typeof(T), value);
        return Enum.IsDefined(typed) ? typed.ToString() : null;
    }

    private static string? Flags<T>(long value)
        where T : struct, Enum
    {
        var text = ((T)Enum.ToObject(typeof(T), value)).ToString();
        return text.Length > 0 && (char.IsDigit(text[0]) || text[0] == '-') ? null : text;
    }

    private static string? EventKindName(long value) => value switch
    {
        // EventKind has aliases (ThreadEnd, VMInit): name each value by its primary name.
        7 => nameof(EventKind.ThreadDeath),
        90 => nameof(EventKind.VMStart),
        _ => Named<EventKind>(value),
    };
}
