using System.Security.Cryptography;
using Fabric.Registry.Manifests;
using Fabric.Registry.Symbols;

namespace Fabric.Node.Bench;

/// <summary>The generated application as a signed release, and as a node's warm L2 cache.</summary>
public sealed class BenchRelease
{
    public BenchRelease(string classes, string name, ECDsa key)
    {
        var entries = new List<ManifestEntry>();
        foreach (var file in Directory.EnumerateFiles(classes, "*.class", SearchOption.AllDirectories))
        {
            var bytes = File.ReadAllBytes(file);
            var path = Path.GetRelativePath(classes, file).Replace('\\', '/')[..^6];
            var id = SymbolId.Of(bytes);
            Blobs[id] = bytes;
            entries.Add(new ManifestEntry(path, SymbolKind.Class, id, bytes.Length));
        }

        Manifest = new ReleaseManifest(ManifestName.Parse(name), null, entries);
        Canonical = Manifest.ToCanonicalBytes();
        Signature = key.SignData(Canonical, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        KeyId = Convert.ToHexStringLower(SHA256.HashData(key.ExportSubjectPublicKeyInfo()))[..16];
    }

    public ReleaseManifest Manifest { get; }

    public byte[] Canonical { get; }

    public byte[] Signature { get; }

    public string KeyId { get; }

    public Dictionary<SymbolId, byte[]> Blobs { get; } = [];

    /// <summary>The layout of docs/fabric.md's node section, as a node that ran the release leaves it.</summary>
    public void SeedCache(string cache)
    {
        var n = Manifest.Name;
        var dir = Path.Combine(cache, "manifests", n.Namespace, n.Name, n.Tag);
        Directory.CreateDirectory(dir);
        File.WriteAllBytes(Path.Combine(dir, "signature"), Signature);
        File.WriteAllText(Path.Combine(dir, "key-id"), KeyId);
        File.WriteAllBytes(Path.Combine(dir, "manifest"), Canonical);
        foreach (var (id, bytes) in Blobs)
        {
            var hex = id.ToString();
            Directory.CreateDirectory(Path.Combine(cache, "blobs", hex[..2]));
            File.WriteAllBytes(Path.Combine(cache, "blobs", hex[..2], hex), bytes);
        }
    }
}
