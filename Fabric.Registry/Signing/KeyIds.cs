using System.Security.Cryptography;

namespace Fabric.Registry.Signing;

/// <summary>A key's ID: the first 16 hex digits of the SHA-256 of its SubjectPublicKeyInfo DER bytes.</summary>
public static class KeyIds
{
    public static string Of(ReadOnlySpan<byte> subjectPublicKeyInfo) =>
        Convert.ToHexStringLower(SHA256.HashData(subjectPublicKeyInfo))[..16];

    public static string Of(ECDsa key) => Of(key.ExportSubjectPublicKeyInfo());
}
