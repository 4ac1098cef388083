using System.Security.Cryptography;

namespace Fabric.Runtime.Tests.Support;

/// <summary>A publisher key pair (ECDSA P-256) with its PEM files, as docs/fabric.md specifies them.</summary>
public sealed class SigningKey : IDisposable
{
    public SigningKey(string dir, string name = "publisher")
    {
        Key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        PrivatePem = Path.Combine(dir, name + ".key.pem");
        PublicPem = Path.Combine(dir, name + ".pub.pem");
        File.WriteAllText(PrivatePem, Key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(PublicPem, Key.ExportSubjectPublicKeyInfoPem());
        KeyId = Convert.ToHexStringLower(SHA256.HashData(Key.ExportSubjectPublicKeyInfo()))[..16];
    }

    public ECDsa Key { get; }

    public string PrivatePem { get; }

    public string PublicPem { get; }

    public string KeyId { get; }

    public byte[] Sign(byte[] data) => Key.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);

    public void Dispose() => Key.Dispose();
}
