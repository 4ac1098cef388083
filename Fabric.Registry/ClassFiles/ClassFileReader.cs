using System.Buffers.Binary;

namespace Fabric.Registry.ClassFiles;

/// <summary>
/// Reads a class file (JVMS §4, versions through Java 25) straight from its bytes. The constant pool is walked once
/// to record where each entry starts; strings are decoded only for the class names and descriptors the registry needs,
/// so a class costs two arrays plus its names, not an object per constant.
/// </summary>
public static class ClassFileReader
{
    private const uint Magic = 0xCAFEBABE;

    /// <exception cref="ClassFormatException">The bytes are not a well-formed class file.</exception>
    public static ClassFile Read(ReadOnlySpan<byte> bytes)
    {
        var cursor = new Cursor(bytes);
        if (cursor.U4() != Magic)
        {
            throw new ClassFormatException("the magic number is not 0xCAFEBABE", 0);
        }

        var minor = cursor.U2();
        var major = cursor.U2();
        var poolCountOffset = cursor.Position;
        var poolCount = cursor.U2();
        if (poolCount == 0)
        {
            throw new ClassFormatException("constant_pool_count is 0", poolCountOffset);
        }

        var pool = new ConstantPool(bytes, poolCount);
        pool.Scan(ref cursor);
        pool.CheckReferences();

        var accessFlags = cursor.U2();
        var thisOffset = cursor.Position;
        var thisClass = pool.ClassName(cursor.U2(), thisOffset);
        var superOffset = cursor.Position;
        var superIndex = cursor.U2();
        var superClass = superIndex == 0 ? null : pool.ClassName(superIndex, superOffset);
        var interfaceCount = cursor.U2();
        var interfaces = interfaceCount == 0 ? [] : new string[interfaceCount];
        for (var i = 0; i < interfaceCount; i++)
        {
            var at = cursor.Position;
            interfaces[i] = pool.ClassName(cursor.U2(), at);
        }

        var references = new HashSet<string>(StringComparer.Ordinal);
        pool.CollectReferencedClasses(references);
        ReadMembers(ref cursor, pool, references);
        ReadMembers(ref cursor, pool, references);
        SkipAttributes(ref cursor);
        if (cursor.Position != bytes.Length)
        {
            throw new ClassFormatException($"{bytes.Length - cursor.Position} extra bytes after the last attribute", cursor.Position);
        }

        references.Remove(thisClass);
        var sorted = references.ToArray();
        Array.Sort(sorted, StringComparer.Ordinal);
        return new ClassFile(minor, major, accessFlags, thisClass, superClass, interfaces, pool.Tags, sorted);
    }

    /// <summary>Fields or methods: their descriptors name classes too (a parameter type the constant pool names
    /// nowhere else still has to resolve when the method is linked).</summary>
    private static void ReadMembers(ref Cursor cursor, scoped in ConstantPool pool, HashSet<string> references)
    {
        var count = cursor.U2();
        for (var i = 0; i < count; i++)
        {
            cursor.Skip(2); // access_flags
            var nameAt = cursor.Position;
            pool.Utf8(cursor.U2(), nameAt, out _);
            var descriptorAt = cursor.Position;
            var descriptor = pool.Utf8(cursor.U2(), descriptorAt, out var contentAt);
            Descriptors.CollectClasses(descriptor, contentAt, references);
            SkipAttributes(ref cursor);
        }
    }

    private static void SkipAttributes(ref Cursor cursor)
    {
        var count = cursor.U2();
        for (var i = 0; i < count; i++)
        {
            cursor.Skip(2); // attribute_name_index
            var lengthAt = cursor.Position;
            var length = cursor.U4();
            if (length > int.MaxValue)
            {
                throw new ClassFormatException($"attribute length {length} is too large", lengthAt);
            }

            cursor.Skip((int)length);
        }
    }

    /// <summary>A bounds-checked big-endian reader; every overrun is reported as truncation at the offset it
    /// happened.</summary>
    internal ref struct Cursor(ReadOnlySpan<byte> bytes)
    {
        public readonly ReadOnlySpan<byte> Bytes = bytes;

        public int Position;

        public byte U1()
        {
            Need(1);
            return Bytes[Position++];
        }

        public ushort U2()
        {
            Need(2);
            var value = BinaryPrimitives.ReadUInt16BigEndian(Bytes[Position..]);
            Position += 2;
            return value;
        }

        public uint U4()
        {
            Need(4);
            var value = BinaryPrimitives.ReadUInt32BigEndian(Bytes[Position..]);
            Position += 4;
            return value;
        }

        public void Skip(int count)
        {
            Need(count);
            Position += count;
        }

        private readonly void Need(int count)
        {
            if (Bytes.Length - Position < count)
            {
                throw new ClassFormatException(
                    $"truncated: {count} more bytes needed, {Bytes.Length - Position} left of {Bytes.Length}", Position);
            }
        }
    }
}
