using JdwpGateway.Protocol.Spec;

namespace JdwpGateway.Protocol.Encoding;

/// <summary>
/// The IDs last read in a packet that give later fields their meaning: a method or field ID is only unique within the
/// type read before it, and an untagged value takes its type from the field or array read before it. Shared by every
/// walker of the layout table so they agree on that context.
/// </summary>
internal struct IdContext
{
    /// <summary>The last reference type ID (or the one the caller seeded).</summary>
    public ulong LastType;

    /// <summary>The last field ID.</summary>
    public ulong LastField;

    /// <summary>The last array ID.</summary>
    public ulong LastArray;

    /// <summary>The last plain object ID.</summary>
    public ulong LastObject;

    /// <summary>Remembers <paramref name="id"/> if its kind gives context to later fields.</summary>
    public void Observe(IdKind kind, ulong id)
    {
        switch (kind)
        {
            case IdKind.ReferenceType or IdKind.Class or IdKind.Interface or IdKind.ArrayType:
                LastType = id;
                break;
            case IdKind.Field:
                LastField = id;
                break;
            case IdKind.Array:
                LastArray = id;
                break;
            case IdKind.Object:
                LastObject = id;
                break;
        }
    }
}
