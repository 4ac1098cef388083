using Fabric.Registry.Manifests;
using Fabric.Registry.Symbols;

namespace Fabric.Runtime.Tests.Support;

/// <summary>A release made from a class directory: each <c>.class</c> file a class symbol, every other file a
/// resource; the manifest in canonical text, signed.</summary>
public sealed class Release
{
    private Release(ReleaseManifest manifest, byte[] canonical, byte[] signature, string keyId, Dictionary<SymbolId, byte[]> blobs)
    {
        Manifest = manifest;
        Canonical = canonical;
        Signature = signature;
        KeyId = keyId;
        Blobs = blobs;
    }

    public ReleaseManifest Manifest { get; }

    public byte[] Canonical { get; }

    public byte[] Signature { get; }

    public string KeyId { get; }

    public IReadOnlyDictionary<SymbolId, byte[]> Blobs { get; }

    public SymbolId ClassId(string internalName) =>
        Manifest.TryGetClass(internalName, out var e) ? e.Symbol : throw new KeyNotFoundException(internalName);

    public static Release FromDirectory(string classes, string name, SigningKey key, string? parent = null)
    {
        var entries = new List<ManifestEntry>();
        var blobs = new Dictionary<SymbolId, byte[]>();
        foreach (var file in Directory.EnumerateFiles(classes, "*", SearchOption.AllDirectories))
        {
            var path = Path.GetRelativePath(classes, file).Replace('\\', '/');
            var bytes = File.ReadAllBytes(file);
            var id = SymbolId.Of(bytes);
            blobs[id] = bytes;
            entries.Add(path.EndsWith(".class", StringComparison.Ordinal)
                ? new ManifestEntry(path[..^6], SymbolKind.Class, id, bytes.Length)
                : new ManifestEntry(path, SymbolKind.Resource, id, bytes.Length));
        }

        var manifest = new ReleaseManifest(ManifestName.Parse(name), parent is null ? null : ManifestName.Parse(parent), entries);
        var canonical = manifest.ToCanonicalBytes();
        return new Release(manifest, canonical, key.Sign(canonical), key.KeyId, blobs);
    }

    /// <summary>Lays the release out as a node's L2 cache (docs/fabric.md, node section), as a node that ran it once
    /// would have left it.</summary>
    public void SeedCache(string cacheDir, bool includeBlobs = true)
    {
        var n = Manifest.Name;
        var dir = Path.Combine(cacheDir, "manifests", n.Namespace, n.Name, n.Tag);
        Directory.CreateDirectory(dir);
        File.WriteAllBytes(Path.Combine(dir, "signature"), Signature);
        File.WriteAllText(Path.Combine(dir, "key-id"), KeyId);
        File.WriteAllBytes(Path.Combine(dir, "manifest"), Canonical);
        if (includeBlobs)
        {
            foreach (var (id, bytes) in Blobs)
            {
                File.WriteAllBytes(CacheBlobPath(cacheDir, id), bytes);
            }
        }
    }

    public static string CacheBlobPath(string cacheDir, SymbolId id)
    {
        var hex = id.ToString();
        var dir = Path.Combine(cacheDir, "blobs", hex[..2]);
        Directory.CreateDirectory(dir);
        return Path.Combine(dir, hex);
    }

    /// <summary>Where each blob of a node's L2 packs lies (docs/fabric.md, cache layout): read with our own parser of
    /// the pack format, not the node's.</summary>
    public static IReadOnlyDictionary<SymbolId, (string Pack, int Offset, int Length)> PackedBlobs(string cacheDir)
    {
        var magic = "fabric-pack 1\n"u8.ToArray();
        var found = new Dictionary<SymbolId, (string, int, int)>();
        var packs = Path.Combine(cacheDir, "packs");
        if (!Directory.Exists(packs))
        {
            return found;
        }

        foreach (var pack in Directory.EnumerateFiles(packs, "*.pack"))
        {
            var bytes = File.ReadAllBytes(pack);
            if (!bytes.AsSpan().StartsWith(magic))
            {
                throw new InvalidDataException($"{pack} does not start with the pack header");
            }

            var at = magic.Length;
            while (at < bytes.Length)
            {
                var id = new SymbolId(bytes.AsSpan(at, 32));
                var length = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(at + 32));
                found[id] = (pack, at + 36, length);
                at += 36 + length;
            }
        }

        return found;
    }

    /// <summary>True when the node's L2 holds the blob, as a blob file or in a pack, with the right bytes.</summary>
    public bool CacheHolds(string cacheDir, SymbolId id)
    {
        var loose = Path.Combine(cacheDir, "blobs", id.ToString()[..2], id.ToString());
        if (File.Exists(loose))
        {
            return File.ReadAllBytes(loose).AsSpan().SequenceEqual(Blobs[id]);
        }

        return PackedBlobs(cacheDir).TryGetValue(id, out var where)
            && File.ReadAllBytes(where.Pack).AsSpan(where.Offset, where.Length).SequenceEqual(Blobs[id]);
    }
}
