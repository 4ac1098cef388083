using System.Text;
using Fabric.Registry.Manifests;
using Fabric.Registry.Symbols;

namespace Fabric.Registry.Storage.Tests;

internal static class TestData
{
    public static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    public static byte[] Random(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public static SymbolRecord Record(byte[] bytes, string name) =>
        new(SymbolId.Of(bytes), SymbolKind.Class, name, bytes.Length, ["java/lang/Object"]);

    public static StoredManifest Manifest(string name, ManifestName? parent, params (string Path, byte[] Bytes)[] classes)
    {
        var manifest = new ReleaseManifest(
            ManifestName.Parse(name),
            parent,
            classes.Select(c => new ManifestEntry(c.Path, SymbolKind.Class, SymbolId.Of(c.Bytes), c.Bytes.Length)));
        return new StoredManifest(manifest.Name, manifest.ToCanonicalBytes(), [0x30, 0x01, 0x02], "0123456789abcdef", DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000));
    }
}
