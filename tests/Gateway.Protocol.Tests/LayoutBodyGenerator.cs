using JdwpGateway.Protocol.Spec;

namespace JdwpGateway.Protocol.Tests;

/// <summary>
/// Writes a random body that is valid for a <see cref="Layout"/>: it walks the layout's elements the way the JDWP
/// specification reads them (not the way the rewriter does), choosing random primitives, IDs, value tags, repeat
/// counts of 0..3 and select cases.
/// </summary>
internal sealed class LayoutBodyGenerator
{
    /// <summary>Every value tag of JDWP: primitives first, then objects.</summary>
    public static readonly byte[] PrimitiveTags = "BZCSIFJDV"u8.ToArray();

    public static readonly byte[] ObjectTags = "L[stglc"u8.ToArray();

    public static readonly byte[] AllTags = [.. PrimitiveTags, .. ObjectTags];

    private readonly Func<uint, uint> _next;
    private readonly Func<ulong> _next64;
    private readonly IdSizes _sizes;
    private readonly ulong _idLimit;
    private ulong _lastField;
    private ulong _lastArray;

    /// <param name="next">Uniform random number below its argument.</param>
    /// <param name="next64">Uniform random 64-bit number.</param>
    /// <param name="sizes">ID widths to write.</param>
    /// <param name="idLimit">Non-null IDs are drawn from [1, idLimit); 0 means the whole 64-bit range.</param>
    public LayoutBodyGenerator(Func<uint, uint> next, Func<ulong> next64, IdSizes sizes, ulong idLimit = 0)
    {
        _next = next;
        _next64 = next64;
        _sizes = sizes;
        _idLimit = idLimit;
    }

    /// <summary>Types a field or an array component can have: every tag but void.</summary>
    public static readonly byte[] NonVoidTags = [.. AllTags.Where(t => t != (byte)'V')];

    /// <summary>Untagged values get their tag from their subject (field or array ID); the mappers use the same function.</summary>
    public static byte UntaggedTagOf(ulong subject) => NonVoidTags[(int)(subject % (ulong)NonVoidTags.Length)];

    public static LayoutBodyGenerator FromRandom(Random random, IdSizes sizes, ulong idLimit = 0) =>
        new(max => (uint)random.NextInt64(max), () => (ulong)random.NextInt64() ^ ((ulong)random.Next(2) << 63), sizes, idLimit);

    public byte[] Generate(Layout layout)
    {
        _lastField = 0;
        _lastArray = 0;
        var bytes = new Bytes();
        WriteLayout(layout, bytes);
        return bytes.ToArray();
    }

    private void WriteLayout(Layout layout, Bytes bytes)
    {
        foreach (var element in layout.Elements)
        {
            WriteElement(element, bytes);
        }
    }

    private void WriteElement(Element element, Bytes bytes)
    {
        switch (element)
        {
            case Prim { Kind: PrimKind.Byte or PrimKind.Boolean }:
                bytes.U8((byte)_next(256));
                break;
            case Prim { Kind: PrimKind.Int }:
                bytes.I32((int)_next64());
                break;
            case Prim { Kind: PrimKind.Long }:
                bytes.I64((long)_next64());
                break;
            case Prim { Kind: PrimKind.String }:
                {
                    // Raw bytes, deliberately not always valid UTF-8: the rewriter must carry them untouched.
                    var length = (int)_next(9);
                    bytes.I32(length);
                    for (var i = 0; i < length; i++)
                    {
                        bytes.U8((byte)_next(256));
                    }

                    break;
                }

            case Id id:
                {
                    var value = NextId();
                    if (id.Kind == IdKind.Field)
                    {
                        _lastField = value;
                    }
                    else if (id.Kind == IdKind.Array)
                    {
                        _lastArray = value;
                    }

                    bytes.Id(value, _sizes.SizeOf(id.Kind));
                    break;
                }

            case RequestId:
                bytes.I32((int)_next64());
                break;
            case TaggedObject:
                {
                    var tag = ObjectTags[_next((uint)ObjectTags.Length)];
                    var value = NextId();
                    if (tag == (byte)'[')
                    {
                        _lastArray = value;
                    }

                    bytes.U8(tag).Id(value, _sizes.ObjectId);
                    break;
                }

            case Value:
                {
                    var tag = AllTags[_next((uint)AllTags.Length)];
                    bytes.U8(tag);
                    WriteValueOfTag(tag, bytes);
                    break;
                }

            case UntaggedValue untagged:
                WriteValueOfTag(UntaggedTagOf(untagged.Source == UntaggedSource.PrecedingField ? _lastField : _lastArray), bytes);
                break;
            case Location:
                bytes.U8((byte)(1 + _next(3))).Id(NextId(), _sizes.ReferenceTypeId).Id(NextId(), _sizes.MethodId).I64((long)_next64());
                break;
            case ArrayRegion:
                {
                    // Arrays of void do not exist; every other tag is a possible component type.
                    var tag = NonVoidTags[_next((uint)NonVoidTags.Length)];
                    var count = (int)_next(4);
                    bytes.U8(tag).I32(count);
                    for (var i = 0; i < count; i++)
                    {
                        if (PrimitiveSizeOf(tag) >= 0)
                        {
                            WriteValueOfTag(tag, bytes);
                        }
                        else
                        {
                            var elementTag = ObjectTags[_next((uint)ObjectTags.Length)];
                            bytes.U8(elementTag);
                            WriteValueOfTag(elementTag, bytes);
                        }
                    }

                    break;
                }

            case Repeat repeat:
                {
                    var count = (int)_next(4);
                    bytes.I32(count);
                    for (var i = 0; i < count; i++)
                    {
                        WriteLayout(repeat.Body, bytes);
                    }

                    break;
                }

            case Select select:
                {
                    var cases = select.Cases.Values.ToArray();
                    var chosen = cases[_next((uint)cases.Length)];
                    bytes.U8(chosen.Tag);
                    WriteLayout(chosen.Body, bytes);
                    break;
                }

            default:
                throw new InvalidOperationException($"generator does not know {element.GetType().Name}");
        }
    }

    private void WriteValueOfTag(byte tag, Bytes bytes)
    {
        var size = PrimitiveSizeOf(tag);
        if (size < 0)
        {
            bytes.Id(NextId(), _sizes.ObjectId);
            return;
        }

        for (var i = 0; i < size; i++)
        {
            bytes.U8((byte)_next(256));
        }
    }

    private ulong NextId()
    {
        if (_next(5) == 0)
        {
            return 0;
        }

        return _idLimit == 0
            ? Math.Max(1, _next64())
            : 1 + (_next64() % (_idLimit - 1));
    }

    /// <summary>The JDWP specification's sizes of primitive values; -1 for object tags.</summary>
    public static int PrimitiveSizeOf(byte tag) => (char)tag switch
    {
        'B' or 'Z' => 1,
        'C' or 'S' => 2,
        'I' or 'F' => 4,
        'J' or 'D' => 8,
        'V' => 0,
        _ => -1,
    };
}
