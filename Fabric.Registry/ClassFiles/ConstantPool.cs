using System.Buffers.Binary;

namespace Fabric.Registry.ClassFiles;

/// <summary>
/// The constant pool as offsets into the class bytes: one pass records each entry's tag and position, then entries
/// are read in place on demand. Utf8 entries stay modified-UTF-8 bytes until a name is actually needed.
/// </summary>
internal readonly ref struct ConstantPool
{
    private readonly ReadOnlySpan<byte> _bytes;
    private readonly int[] _offsets;

    public ConstantPool(ReadOnlySpan<byte> bytes, int count)
    {
        _bytes = bytes;
        _offsets = new int[count];
        Tags = new ConstantTag[count];
    }

    public ConstantTag[] Tags { get; }

    public void Scan(ref ClassFileReader.Cursor cursor)
    {
        for (var i = 1; i < Tags.Length; i++)
        {
            var at = cursor.Position;
            var tag = (ConstantTag)cursor.U1();
            _offsets[i] = at;
            Tags[i] = tag;
            switch (tag)
            {
                case ConstantTag.Utf8:
                    var length = cursor.U2();
                    var start = cursor.Position;
                    cursor.Skip(length);
                    ModifiedUtf8.Validate(_bytes.Slice(start, length), start);
                    break;
                case ConstantTag.Integer or ConstantTag.Float:
                    cursor.Skip(4);
                    break;
                case ConstantTag.Long or ConstantTag.Double:
                    cursor.Skip(8);
                    if (++i == Tags.Length)
                    {
                        // The JVMS makes the slot after an 8-byte constant unusable, so the pool must have room for it.
                        throw new ClassFormatException($"constant #{i - 1} ({tag}) takes two slots but is the last one", at);
                    }

                    break;
                case ConstantTag.Class or ConstantTag.String or ConstantTag.MethodType
                    or ConstantTag.Module or ConstantTag.Package:
                    cursor.Skip(2);
                    break;
                case ConstantTag.Fieldref or ConstantTag.Methodref or ConstantTag.InterfaceMethodref
                    or ConstantTag.NameAndType or ConstantTag.Dynamic or ConstantTag.InvokeDynamic:
                    cursor.Skip(4);
                    break;
                case ConstantTag.MethodHandle:
                    var kind = cursor.U1();
                    if (kind is < 1 or > 9)
                    {
                        throw new ClassFormatException($"constant #{i} is a MethodHandle of unknown kind {kind}", at + 1);
                    }

                    cursor.Skip(2);
                    break;
                default:
                    throw new ClassFormatException($"constant #{i} has unknown tag {(byte)tag}", at);
            }
        }
    }

    /// <summary>Every index an entry holds must name an entry of the kind the JVMS requires.</summary>
    public void CheckReferences()
    {
        for (var i = 1; i < Tags.Length; i++)
        {
            var at = _offsets[i];
            switch (Tags[i])
            {
                case ConstantTag.Class or ConstantTag.String or ConstantTag.MethodType
                    or ConstantTag.Module or ConstantTag.Package:
                    Expect(at + 1, ConstantTag.Utf8);
                    break;
                case ConstantTag.Fieldref or ConstantTag.Methodref or ConstantTag.InterfaceMethodref:
                    Expect(at + 1, ConstantTag.Class);
                    Expect(at + 3, ConstantTag.NameAndType);
                    break;
                case ConstantTag.NameAndType:
                    Expect(at + 1, ConstantTag.Utf8);
                    Expect(at + 3, ConstantTag.Utf8);
                    break;
                case ConstantTag.Dynamic or ConstantTag.InvokeDynamic:
                    // at + 1 indexes the BootstrapMethods attribute, not the pool.
                    Expect(at + 3, ConstantTag.NameAndType);
                    break;
                case ConstantTag.MethodHandle:
                    Expect(at + 2, ConstantTag.Fieldref, ConstantTag.Methodref, ConstantTag.InterfaceMethodref);
                    break;
            }
        }
    }

    /// <summary>Adds the classes named by Class constants and by the descriptors of NameAndType and MethodType
    /// constants.</summary>
    public void CollectReferencedClasses(HashSet<string> into)
    {
        for (var i = 1; i < Tags.Length; i++)
        {
            var at = _offsets[i];
            switch (Tags[i])
            {
                case ConstantTag.Class:
                    var name = Utf8(Index(at + 1), at + 1, out var nameAt);
                    Descriptors.CollectClassEntry(name, nameAt, into);
                    break;
                case ConstantTag.NameAndType:
                    var descriptor = Utf8(Index(at + 3), at + 3, out var descriptorAt);
                    Descriptors.CollectClasses(descriptor, descriptorAt, into);
                    break;
                case ConstantTag.MethodType:
                    var methodDescriptor = Utf8(Index(at + 1), at + 1, out var methodDescriptorAt);
                    Descriptors.CollectClasses(methodDescriptor, methodDescriptorAt, into);
                    break;
            }
        }
    }

    /// <summary>The internal name a Class constant holds (arrays keep their descriptor form here).</summary>
    public string ClassName(int index, int at)
    {
        Expect(index, at, ConstantTag.Class);
        var name = Utf8(Index(_offsets[index] + 1), _offsets[index] + 1, out var nameAt);
        if (name.IsEmpty)
        {
            throw new ClassFormatException($"constant #{index} is a Class with an empty name", nameAt);
        }

        return ModifiedUtf8.Decode(name);
    }

    /// <summary>The bytes of Utf8 constant <paramref name="index"/>; <paramref name="contentAt"/> is where they start,
    /// for error offsets.</summary>
    public ReadOnlySpan<byte> Utf8(int index, int at, out int contentAt)
    {
        Expect(index, at, ConstantTag.Utf8);
        var offset = _offsets[index];
        var length = BinaryPrimitives.ReadUInt16BigEndian(_bytes[(offset + 1)..]);
        contentAt = offset + 3;
        return _bytes.Slice(contentAt, length);
    }

    private ushort Index(int at) => BinaryPrimitives.ReadUInt16BigEndian(_bytes[at..]);

    private void Expect(int at, params ReadOnlySpan<ConstantTag> tags) => Expect(Index(at), at, tags);

    private void Expect(int index, int at, params ReadOnlySpan<ConstantTag> tags)
    {
        if (index == 0 || index >= Tags.Length)
        {
            throw new ClassFormatException($"constant-pool index {index} is out of range 1..{Tags.Length - 1}", at);
        }

        if (!tags.Contains(Tags[index]))
        {
            var actual = Tags[index] == ConstantTag.None ? "the unusable slot after a Long or Double" : Tags[index].ToString();
            throw new ClassFormatException($"constant-pool index {index} names {actual}, expected {string.Join(" or ", tags.ToArray())}", at);
        }
    }
}
