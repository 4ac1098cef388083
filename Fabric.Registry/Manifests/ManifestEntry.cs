using Fabric.Registry.Symbols;

namespace Fabric.Registry.Manifests;

/// <summary>
/// One line of a release: <paramref name="Path"/> is a class's internal name (<c>com/app/Main</c>, no
/// <c>.class</c>) or a resource's path; <paramref name="Size"/> lets a loader size its buffer before the bytes arrive.
/// </summary>
public readonly record struct ManifestEntry(string Path, SymbolKind Kind, SymbolId Symbol, long Size);
