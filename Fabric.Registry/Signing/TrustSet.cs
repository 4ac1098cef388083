using System.Security.Cryptography;
using Fabric.Registry.Manifests;
using Fabric.Registry.Storage;

namespace Fabric.Registry.Signing;

/// <summary>
/// The public keys whose signatures are accepted, by key ID. A manifest is trusted only when its key ID names one of
/// them, the signature verifies over its canonical bytes, and those bytes name the manifest they are stored as.
/// </summary>
public sealed class TrustSet : IDisposable
{
    private readonly Dictionary<string, ECDsa> _keys = new(StringComparer.Ordinal);

    public IReadOnlyCollection<string> KeyIds => _keys.Keys;

    /// <summary>Every <c>*.pem</c> file of <paramref name="directory"/> holding a public key.</summary>
    public static TrustSet FromDirectory(string directory)
    {
        if (!Directory.Exists(directory))
        {
            throw new ManifestSignatureException($"trusted keys directory {directory} does not exist");
        }

        var files = Directory.GetFiles(directory, "*.pem").Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0)
        {
            throw new ManifestSignatureException($"trusted keys directory {directory} holds no *.pem public key");
        }

        return FromFiles(files);
    }

    public static TrustSet FromFiles(IEnumerable<string> files)
    {
        var set = new TrustSet();
        foreach (var file in files)
        {
            string pem;
            try
            {
                pem = File.ReadAllText(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                set.Dispose();
                throw new ManifestSignatureException($"{file}: cannot read the public key: {e.Message}", e);
            }

            set.AddPem(pem, file);
        }

        return set;
    }

    public static TrustSet FromPems(IEnumerable<string> pems)
    {
        var set = new TrustSet();
        foreach (var pem in pems)
        {
            set.AddPem(pem, "a trusted key");
        }

        return set;
    }

    /// <returns>The key's ID.</returns>
    public string AddPem(string pem, string what)
    {
        if (!pem.Contains("-----BEGIN PUBLIC KEY-----", StringComparison.Ordinal))
        {
            throw new ManifestSignatureException($"{what} is not a PEM public key ('-----BEGIN PUBLIC KEY-----')");
        }

        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            key.Dispose();
            throw new ManifestSignatureException($"{what} is not an EC public key: {e.Message}", e);
        }

        RequireP256(key, what);
        var id = Signing.KeyIds.Of(key);
        if (!_keys.TryAdd(id, key))
        {
            key.Dispose();
        }

        return id;
    }

    /// <exception cref="ManifestSignatureException">Unsigned, unknown key, bad signature, or bytes naming another
    /// manifest.</exception>
    public void Verify(StoredManifest manifest)
    {
        if (manifest.Signature.Length == 0 || string.IsNullOrEmpty(manifest.KeyId))
        {
            throw new ManifestSignatureException($"{manifest.Name} is not signed");
        }

        if (!_keys.TryGetValue(manifest.KeyId, out var key))
        {
            throw new ManifestSignatureException(
                $"{manifest.Name} is signed by key {manifest.KeyId}, which is not trusted (trusted: {string.Join(", ", _keys.Keys.Order())})");
        }

        if (!key.VerifyData(manifest.CanonicalBytes, manifest.Signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence))
        {
            throw new ManifestSignatureException($"{manifest.Name}: the signature by key {manifest.KeyId} does not match the manifest's bytes");
        }

        ReleaseManifest parsed;
        try
        {
            parsed = ManifestText.Parse(manifest.CanonicalBytes);
        }
        catch (FormatException e)
        {
            throw new ManifestSignatureException($"{manifest.Name}: signed bytes are not a canonical manifest: {e.Message}", e);
        }

        if (parsed.Name != manifest.Name)
        {
            // A valid signature over another release must not be replayed under this name.
            throw new ManifestSignatureException($"{manifest.Name}: the signed bytes are the manifest of {parsed.Name}");
        }
    }

    internal static void RequireP256(ECDsa key, string what)
    {
        var curve = key.ExportParameters(false).Curve;
        var p256 = curve.IsNamed
            && (curve.Oid.Value == "1.2.840.10045.3.1.7"
                || curve.Oid.FriendlyName is "nistP256" or "ECDSA_P256" or "secp256r1" or "prime256v1");
        if (!p256)
        {
            key.Dispose();
            throw new ManifestSignatureException($"{what} is not a P-256 key (curve {curve.Oid.FriendlyName ?? curve.Oid.Value})");
        }
    }

    public void Dispose()
    {
        foreach (var key in _keys.Values)
        {
            key.Dispose();
        }

        _keys.Clear();
    }
}
