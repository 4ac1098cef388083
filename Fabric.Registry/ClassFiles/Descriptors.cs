namespace Fabric.Registry.ClassFiles;

/// <summary>
/// Pulls class names out of field and method descriptors (<c>(ILjava/lang/String;[Lcom/app/A;)V</c>) and Class
/// constants. Names are decoded into a stack buffer and only turned into strings when not already collected.
/// </summary>
internal static class Descriptors
{
    public static void CollectClasses(ReadOnlySpan<byte> descriptor, int offset, HashSet<string> into)
    {
        for (var i = 0; i < descriptor.Length; i++)
        {
            // In a descriptor 'L' can only start a class type: every other letter is a one-character primitive or
            // '(', ')', '[', and a class name is skipped whole once found.
            if (descriptor[i] != (byte)'L')
            {
                continue;
            }

            var end = descriptor[(i + 1)..].IndexOf((byte)';');
            if (end <= 0)
            {
                throw new ClassFormatException("descriptor has a class type without a name or ';'", offset + i);
            }

            Add(descriptor.Slice(i + 1, end), into);
            i += end + 1;
        }
    }

    /// <summary>A Class constant holds an internal name, or for arrays an array descriptor: only its element class
    /// (if any) is a class to load.</summary>
    public static void CollectClassEntry(ReadOnlySpan<byte> name, int offset, HashSet<string> into)
    {
        if (name.IsEmpty)
        {
            throw new ClassFormatException("a Class constant has an empty name", offset);
        }

        if (name[0] != (byte)'[')
        {
            Add(name, into);
            return;
        }

        var element = name.TrimStart((byte)'[');
        if (element.Length >= 3 && element[0] == (byte)'L' && element[^1] == (byte)';')
        {
            Add(element[1..^1], into);
        }
        else if (element.Length != 1 || !"BCDFIJSZ"u8.Contains(element[0]))
        {
            throw new ClassFormatException("a Class constant holds a malformed array descriptor", offset);
        }
    }

    private static void Add(ReadOnlySpan<byte> modifiedUtf8, HashSet<string> into)
    {
        Span<char> chars = modifiedUtf8.Length <= 512 ? stackalloc char[modifiedUtf8.Length] : new char[modifiedUtf8.Length];
        var name = chars[..ModifiedUtf8.Decode(modifiedUtf8, chars)];
        var lookup = into.GetAlternateLookup<ReadOnlySpan<char>>();
        if (!lookup.Contains(name))
        {
            lookup.Add(name);
        }
    }
}
