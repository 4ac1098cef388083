using Fabric.Registry.Manifests;
using Fabric.Registry.Symbols;

namespace Fabric.Registry.Symbolization;

/// <summary>
/// One class or resource as found in the inputs. <see cref="Name"/> is a class's internal name as its class file
/// states it, or a resource's path; <see cref="Source"/> says where it came from (<c>app.jar!com/app/Main.class</c>)
/// for error messages; <see cref="References"/> are the classes its constant pool names (empty for resources).
/// </summary>
public sealed record Symbol(
    SymbolId Id,
    SymbolKind Kind,
    string Name,
    ReadOnlyMemory<byte> Content,
    string Source,
    IReadOnlyList<string> References)
{
    public long Length => Content.Length;

    public ManifestEntry ToEntry() => new(Name, Kind, Id, Content.Length);
}
