namespace JdwpGateway.Protocol.Spec;

/// <summary>Short constructors that keep <see cref="JdwpSpec"/> readable as a table.</summary>
internal static class LayoutBuilder
{
    public static Layout L(params Element[] elements) => elements.Length == 0 ? Layout.Empty : new Layout(elements);

    public static Prim Byte(string name) => new(PrimKind.Byte, name);
    public static Prim Bool(string name) => new(PrimKind.Boolean, name);
    public static Prim Int(string name) => new(PrimKind.Int, name);
    public static Prim Long(string name) => new(PrimKind.Long, name);
    public static Prim Str(string name) => new(PrimKind.String, name);

    public static Id Object(string name) => new(IdKind.Object, name);
    public static Id Thread(string name) => new(IdKind.Thread, name);
    public static Id ThreadGroup(string name) => new(IdKind.ThreadGroup, name);
    public static Id StringId(string name) => new(IdKind.String, name);
    public static Id ClassLoader(string name) => new(IdKind.ClassLoader, name);
    public static Id ClassObject(string name) => new(IdKind.ClassObject, name);
    public static Id Array(string name) => new(IdKind.Array, name);
    public static Id RefType(string name) => new(IdKind.ReferenceType, name);
    public static Id Class(string name) => new(IdKind.Class, name);
    public static Id Interface(string name) => new(IdKind.Interface, name);
    public static Id ArrayType(string name) => new(IdKind.ArrayType, name);
    public static Id Method(string name) => new(IdKind.Method, name);
    public static Id Field(string name) => new(IdKind.Field, name);
    public static Id Frame(string name) => new(IdKind.Frame, name);
    public static Id Module(string name) => new(IdKind.Module, name);

    public static RequestId Request(string name) => new(name);
    public static TaggedObject TaggedObj(string name) => new(name);
    public static Value Val(string name) => new(name);
    public static UntaggedValue Untagged(UntaggedSource source, string name) => new(source, name);
    public static Location Loc(string name) => new(name);
    public static ArrayRegion Region(string name) => new(name);
    public static Repeat Rep(string name, params Element[] body) => new(name, L(body));
    public static Select Sel(string name, params Case[] cases) => new(name, cases.ToDictionary(c => c.Tag));
    public static Case When(byte tag, string name, params Element[] body) => new(tag, name, L(body));
}
