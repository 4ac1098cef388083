using System.Buffers.Binary;
using System.Text;

namespace Fabric.Registry.Tests.Support;

/// <summary>
/// A hand-assembled class file holding one constant of every tag (javac emits no Dynamic constant for ordinary code)
/// and a non-ASCII class name with a supplementary character in modified UTF-8.
/// </summary>
public static class SyntheticClass
{
    public static byte[] WithEveryTag(ushort thisClassIndex = 2)
    {
        var b = new List<byte>();
        void U1(int v) => b.Add((byte)v);
        void U2(int v) { U1(v >> 8); U1(v); }
        void U4(uint v) { U2((int)(v >> 16)); U2((int)v); }
        void Utf8(byte[] bytes) { U1(1); U2(bytes.Length); b.AddRange(bytes); }
        void Ascii(string s) => Utf8(Encoding.ASCII.GetBytes(s));

        U4(0xCAFEBABE);
        U2(0);
        U2(61);
        U2(36);
        // "p/Café😀": é is two bytes; U+1F600 is the surrogates D83D DE00, three bytes each.
        Utf8([.. "p/Caf"u8, 0xC3, 0xA9, 0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80]); // #1
        U1(7); U2(1);                       // #2 Class this
        Ascii("java/lang/Object");          // #3
        U1(7); U2(3);                       // #4 Class super
        Ascii("p/Iface");                   // #5
        U1(7); U2(5);                       // #6 Class interface
        U1(3); U4(42);                      // #7 Integer
        U1(4); U4(BitConverter.SingleToUInt32Bits(1.0f)); // #8 Float
        U1(5); U4(1); U4(2);                // #9-10 Long
        U1(6); U4(BitConverter.SingleToUInt32Bits(2.0f)); U4(0); // #11-12 Double
        Ascii("[[Lq/Elem;");                // #13
        U1(7); U2(13);                      // #14 Class of an array
        U1(8); U2(3);                       // #15 String
        Ascii("f");                         // #16
        Ascii("Lp/FromField;");             // #17
        U1(12); U2(16); U2(17);             // #18 NameAndType
        U1(9); U2(2); U2(18);               // #19 Fieldref
        Ascii("m");                         // #20
        Ascii("()V");                       // #21
        U1(12); U2(20); U2(21);             // #22 NameAndType
        U1(10); U2(4); U2(22);              // #23 Methodref
        U1(11); U2(6); U2(22);              // #24 InterfaceMethodref
        U1(15); U1(6); U2(23);              // #25 MethodHandle REF_invokeStatic
        Ascii("(Lp/FromMethodType;)V");     // #26
        U1(16); U2(26);                     // #27 MethodType
        Ascii("Lp/FromDynamic;");           // #28
        U1(12); U2(16); U2(28);             // #29 NameAndType
        U1(17); U2(0); U2(29);              // #30 Dynamic
        U1(18); U2(0); U2(22);              // #31 InvokeDynamic
        Ascii("m.mod");                     // #32
        U1(19); U2(32);                     // #33 Module
        Ascii("p");                         // #34
        U1(20); U2(34);                     // #35 Package
        U2(0x0021);
        U2(thisClassIndex);
        U2(4);
        U2(1); U2(6);
        U2(0); U2(0); U2(0);
        return [.. b];
    }

    /// <summary>Where this_class sits: the class file ends with this_class, super_class, one interface and three
    /// empty counts.</summary>
    public static int ThisClassOffset(byte[] bytes) => bytes.Length - 14;

    public static ushort ReadU2(byte[] bytes, int offset) => BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(offset));
}
