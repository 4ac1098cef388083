using System.Security.Cryptography;
using Fabric.Registry.Manifests;
using Fabric.Registry.Storage;

namespace Fabric.Registry.Signing;

/// <summary>
/// An ECDSA P-256 private key that signs manifests: SHA-256 over the canonical bytes, DER-encoded signature (what the
/// JDK's <c>SHA256withECDSA</c> produces and verifies). Stored as PEM PKCS#8, its public half as PEM SPKI.
/// </summary>
public sealed class SigningKey : IDisposable
{
    private readonly ECDsa _key;

    private SigningKey(ECDsa key)
    {
        _key = key;
        KeyId = KeyIds.Of(key);
    }

    public string KeyId { get; }

    public static SigningKey Generate() => new(ECDsa.Create(ECCurve.NamedCurves.nistP256));

    /// <exception cref="ManifestSignatureException">Not a PEM PKCS#8 P-256 private key.</exception>
    public static SigningKey FromPem(string pem, string what = "the key")
    {
        if (!pem.Contains("-----BEGIN PRIVATE KEY-----", StringComparison.Ordinal))
        {
            throw new ManifestSignatureException($"{what} is not a PEM PKCS#8 private key ('-----BEGIN PRIVATE KEY-----')");
        }

        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            key.Dispose();
            throw new ManifestSignatureException($"{what} is not an EC private key: {e.Message}", e);
        }

        TrustSet.RequireP256(key, what);
        return new SigningKey(key);
    }

    public static SigningKey Load(string path)
    {
        try
        {
            return FromPem(File.ReadAllText(path), path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ManifestSignatureException($"{path}: cannot read the signing key: {e.Message}", e);
        }
    }

    public string PrivateKeyPem => _key.ExportPkcs8PrivateKeyPem();

    public string PublicKeyPem => _key.ExportSubjectPublicKeyInfoPem();

    /// <summary>Writes the private key (owner-only permissions) and the public key next to each other.</summary>
    public void Save(string privateKeyPath, string publicKeyPath)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var writer = new StreamWriter(privateKeyPath, System.Text.Encoding.ASCII, options))
        {
            writer.Write(PrivateKeyPem);
            writer.Write('\n');
        }

        File.WriteAllText(publicKeyPath, PublicKeyPem + "\n");
    }

    public byte[] Sign(ReadOnlySpan<byte> data) =>
        _key.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);

    public StoredManifest Sign(ReleaseManifest manifest, DateTimeOffset publishedAt)
    {
        var bytes = manifest.ToCanonicalBytes();
        return new StoredManifest(manifest.Name, bytes, Sign(bytes), KeyId, publishedAt);
    }

    public void Dispose() => _key.Dispose();
}
