namespace Fabric.Registry.ClassFiles;

/// <summary>
/// What the registry needs from a class file: its identity (<see cref="ThisClass"/>, in internal form), its version,
/// its direct supertypes and every other class it refers to. Produced by <see cref="ClassFileReader.Read"/>.
/// </summary>
public sealed class ClassFile
{
    internal ClassFile(
        ushort minorVersion,
        ushort majorVersion,
        ushort accessFlags,
        string thisClass,
        string? superClass,
        IReadOnlyList<string> interfaces,
        IReadOnlyList<ConstantTag> constantTags,
        IReadOnlyList<string> referencedClasses)
    {
        MinorVersion = minorVersion;
        MajorVersion = majorVersion;
        AccessFlags = accessFlags;
        ThisClass = thisClass;
        SuperClass = superClass;
        Interfaces = interfaces;
        ConstantTags = constantTags;
        ReferencedClasses = referencedClasses;
    }

    public const ushort AccModule = 0x8000;

    public ushort MinorVersion { get; }

    /// <summary>52 = Java 8 ... 69 = Java 25.</summary>
    public ushort MajorVersion { get; }

    public ushort AccessFlags { get; }

    /// <summary>Internal name (<c>com/app/Main</c>); <c>module-info</c> for a module descriptor.</summary>
    public string ThisClass { get; }

    /// <summary>Null only for <c>java/lang/Object</c> and <c>module-info</c>.</summary>
    public string? SuperClass { get; }

    public IReadOnlyList<string> Interfaces { get; }

    /// <summary>The tag of every constant-pool slot, index 0 included (<see cref="ConstantTag.None"/>), so
    /// <c>ConstantTags.Count</c> is the class file's <c>constant_pool_count</c>.</summary>
    public IReadOnlyList<ConstantTag> ConstantTags { get; }

    /// <summary>
    /// Every other class this one names, sorted (ordinal) and without duplicates or itself: Class constants (an array
    /// type counts as its element class; primitive arrays name nothing) and the classes in every field and method
    /// descriptor of NameAndType and MethodType constants and of the class's own fields and methods.
    /// </summary>
    public IReadOnlyList<string> ReferencedClasses { get; }

    public bool IsModuleInfo => (AccessFlags & AccModule) != 0;
}
