namespace Fabric.Registry.ClassFiles;

/// <summary>Constant-pool tags (JVMS §4.4, through JDK 25). <see cref="None"/> marks index 0 and the unusable slot
/// after a Long or Double.</summary>
public enum ConstantTag : byte
{
    None = 0,
    Utf8 = 1,
    Integer = 3,
    Float = 4,
    Long = 5,
    Double = 6,
    Class = 7,
    String = 8,
    Fieldref = 9,
    Methodref = 10,
    InterfaceMethodref = 11,
    NameAndType = 12,
    MethodHandle = 15,
    MethodType = 16,
    Dynamic = 17,
    InvokeDynamic = 18,
    Module = 19,
    Package = 20,
}
