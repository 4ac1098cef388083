namespace Fabric.Registry.Symbols;

/// <summary>What a symbol's bytes are. The kind is metadata: the ID depends on the bytes alone.</summary>
public enum SymbolKind
{
    /// <summary>A class file (<c>CAFEBABE</c>), named by its binary name in internal form, e.g. <c>com/app/Main</c>.</summary>
    Class = 1,

    /// <summary>Any other file of a JAR or class directory, named by its path, e.g. <c>META-INF/app.properties</c>.</summary>
    Resource = 2,
}
