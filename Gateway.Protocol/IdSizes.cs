using JdwpGateway.Protocol.Spec;

namespace JdwpGateway.Protocol;

/// <summary>The widths of each ID kind, as reported by VirtualMachine.IDSizes.</summary>
public readonly record struct IdSizes(int FieldId, int MethodId, int ObjectId, int ReferenceTypeId, int FrameId)
{
    /// <summary>What HotSpot reports on 64-bit platforms, and what the gateway presents to debuggers.</summary>
    public static readonly IdSizes Eight = new(8, 8, 8, 8, 8);

    /// <summary>Width of an ID of <paramref name="kind"/>.</summary>
    public int SizeOf(IdKind kind) => kind switch
    {
        IdKind.Field => FieldId,
        IdKind.Method => MethodId,
        IdKind.Frame => FrameId,
        IdKind.ReferenceType or IdKind.Class or IdKind.Interface or IdKind.ArrayType => ReferenceTypeId,
        _ => ObjectId,
    };

    /// <summary>True when every size is a width this codec can carry (1 to 8 bytes).</summary>
    public bool IsValid => Ok(FieldId) && Ok(MethodId) && Ok(ObjectId) && Ok(ReferenceTypeId) && Ok(FrameId);

    private static bool Ok(int size) => size is >= 1 and <= 8;
}
