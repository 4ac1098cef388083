using System.Security.Cryptography;
using Fabric.Registry.Manifests;
using Fabric.Registry.Signing;
using Fabric.Registry.Storage;
using Fabric.Registry.Symbols;
using Fabric.Registry.Tests.Support;

namespace Fabric.Registry.Tests.Signing;

public sealed class SigningTests : IDisposable
{
    private const string JavaTool = """
        import java.nio.file.*;
        import java.security.*;
        import java.security.spec.*;
        import java.util.*;

        public class SigTool {
            static byte[] pem(Path p) throws Exception {
                String text = Files.readString(p).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
                return Base64.getDecoder().decode(text);
            }
            static PublicKey pub(Path p) throws Exception {
                return KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(pem(p)));
            }
            static PrivateKey priv(Path p) throws Exception {
                return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(pem(p)));
            }
            static void writePem(Path p, String type, byte[] der) throws Exception {
                String body = Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der);
                Files.writeString(p, "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n");
            }
            static byte[] sign(PrivateKey key, Path data) throws Exception {
                Signature s = Signature.getInstance("SHA256withECDSA");
                s.initSign(key);
                s.update(Files.readAllBytes(data));
                return s.sign();
            }
            public static void main(String[] a) throws Exception {
                switch (a[0]) {
                    case "verify" -> {
                        Signature s = Signature.getInstance("SHA256withECDSA");
                        s.initVerify(pub(Path.of(a[1])));
                        s.update(Files.readAllBytes(Path.of(a[2])));
                        System.out.println(s.verify(Files.readAllBytes(Path.of(a[3]))) ? "valid" : "invalid");
                    }
                    case "keyid" -> {
                        byte[] h = MessageDigest.getInstance("SHA-256").digest(pub(Path.of(a[1])).getEncoded());
                        System.out.println(HexFormat.of().formatHex(h).substring(0, 16));
                    }
                    case "generate-and-sign" -> {
                        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
                        g.initialize(new ECGenParameterSpec("secp256r1"));
                        KeyPair kp = g.generateKeyPair();
                        writePem(Path.of(a[2]), "PUBLIC KEY", kp.getPublic().getEncoded());
                        Files.write(Path.of(a[3]), sign(kp.getPrivate(), Path.of(a[1])));
                    }
                    case "sign-with" -> Files.write(Path.of(a[3]), sign(priv(Path.of(a[1])), Path.of(a[2])));
                    default -> throw new IllegalArgumentException(a[0]);
                }
            }
        }
        """;

    private readonly TempDir _temp = new();

    public SigningTests()
    {
        Jdk.Compile(Jdk.Home17, _temp.Path, _temp["java"], new Dictionary<string, string> { ["SigTool.java"] = JavaTool });
    }

    public void Dispose() => _temp.Dispose();

    private string Java(params string[] args) =>
        Jdk.Run(Path.Combine(Jdk.Home17, "bin", "java"), ["-cp", _temp["java"], "SigTool", .. args]).Trim();

    private static ReleaseManifest Manifest(string name = "app:1") => new(
        ManifestName.Parse(name), null,
        [new ManifestEntry("com/app/Main", SymbolKind.Class, SymbolId.Of("main"u8), 4)],
        [new("Implementation-Version", "1")]);

    [Fact]
    public void TheJdkVerifiesWhatDotNetSignsAndAgreesOnTheKeyId()
    {
        using var key = SigningKey.Generate();
        key.Save(_temp["signing.pem"], _temp["signing.pub.pem"]);
        var stored = key.Sign(Manifest(), DateTimeOffset.UnixEpoch);
        File.WriteAllBytes(_temp["manifest"], stored.CanonicalBytes);
        File.WriteAllBytes(_temp["manifest.sig"], stored.Signature);

        Assert.Equal("valid", Java("verify", _temp["signing.pub.pem"], _temp["manifest"], _temp["manifest.sig"]));
        Assert.Equal(key.KeyId, Java("keyid", _temp["signing.pub.pem"]));
        Assert.Equal(key.KeyId, stored.KeyId);

        var tampered = (byte[])stored.CanonicalBytes.Clone();
        tampered[^2] ^= 1;
        File.WriteAllBytes(_temp["tampered"], tampered);
        Assert.Equal("invalid", Java("verify", _temp["signing.pub.pem"], _temp["tampered"], _temp["manifest.sig"]));
    }

    [Fact]
    public void DotNetVerifiesWhatTheJdkSigns()
    {
        var bytes = Manifest().ToCanonicalBytes();
        File.WriteAllBytes(_temp["manifest"], bytes);
        Java("generate-and-sign", _temp["manifest"], _temp["java.pub.pem"], _temp["java.sig"]);
        using var trust = TrustSet.FromFiles([_temp["java.pub.pem"]]);
        var keyId = Assert.Single(trust.KeyIds);
        var signature = File.ReadAllBytes(_temp["java.sig"]);
        trust.Verify(new StoredManifest(ManifestName.Parse("app:1"), bytes, signature, keyId, DateTimeOffset.UnixEpoch));

        var bad = (byte[])signature.Clone();
        bad[^1] ^= 1;
        var e = Assert.Throws<ManifestSignatureException>(() =>
            trust.Verify(new StoredManifest(ManifestName.Parse("app:1"), bytes, bad, keyId, DateTimeOffset.UnixEpoch)));
        Assert.Contains("does not match", e.Message);
    }

    [Fact]
    public void TheJdkReadsTheDotNetPrivateKeyAndItsSignaturesVerifyHere()
    {
        using var key = SigningKey.Generate();
        Directory.CreateDirectory(_temp["trusted"]);
        key.Save(_temp["k.pem"], _temp["trusted/k.pub.pem"]);
        var bytes = Manifest().ToCanonicalBytes();
        File.WriteAllBytes(_temp["manifest"], bytes);
        Java("sign-with", _temp["k.pem"], _temp["manifest"], _temp["sig"]);
        using var trust = TrustSet.FromDirectory(_temp["trusted"]);
        trust.Verify(new StoredManifest(ManifestName.Parse("app:1"), bytes, File.ReadAllBytes(_temp["sig"]), key.KeyId, DateTimeOffset.UnixEpoch));
    }

    [Fact]
    public void KeysRoundTripThroughPemAndThePrivateKeyIsOwnerOnly()
    {
        using var key = SigningKey.Generate();
        key.Save(_temp["a.pem"], _temp["a.pub.pem"]);
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", File.ReadAllText(_temp["a.pem"]));
        Assert.StartsWith("-----BEGIN PUBLIC KEY-----", File.ReadAllText(_temp["a.pub.pem"]));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_temp["a.pem"]));
        }

        using var loaded = SigningKey.Load(_temp["a.pem"]);
        Assert.Equal(key.KeyId, loaded.KeyId);
        var spki = Convert.FromBase64String(string.Concat(File.ReadAllLines(_temp["a.pub.pem"]).Where(l => !l.StartsWith("-----", StringComparison.Ordinal))));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(spki))[..16], key.KeyId);

        // An existing key is never overwritten.
        Assert.Throws<IOException>(() => key.Save(_temp["a.pem"], _temp["a.pub.pem"]));
    }

    [Fact]
    public void UntrustedManifestsAreRefusedWithTheReason()
    {
        using var key = SigningKey.Generate();
        using var other = SigningKey.Generate();
        using var trust = TrustSet.FromPems([key.PublicKeyPem]);
        var stored = key.Sign(Manifest(), DateTimeOffset.UnixEpoch);
        trust.Verify(stored);

        var e = Assert.Throws<ManifestSignatureException>(() => trust.Verify(stored with { Signature = [], KeyId = "" }));
        Assert.Contains("not signed", e.Message);

        e = Assert.Throws<ManifestSignatureException>(() => trust.Verify(other.Sign(Manifest(), DateTimeOffset.UnixEpoch)));
        Assert.Contains($"key {other.KeyId}, which is not trusted", e.Message);

        // A valid signature with the wrong key ID claimed, or replayed under another name.
        e = Assert.Throws<ManifestSignatureException>(() => trust.Verify(other.Sign(Manifest(), DateTimeOffset.UnixEpoch) with { KeyId = key.KeyId }));
        Assert.Contains("does not match", e.Message);
        e = Assert.Throws<ManifestSignatureException>(() => trust.Verify(key.Sign(Manifest("other:1"), DateTimeOffset.UnixEpoch) with { Name = ManifestName.Parse("app:1") }));
        Assert.Contains("signed bytes are the manifest of default/other:1", e.Message);
    }

    [Fact]
    public void UnusableKeysAreClearErrors()
    {
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var e = Assert.Throws<ManifestSignatureException>(() => TrustSet.FromPems([p384.ExportSubjectPublicKeyInfoPem()]));
        Assert.Contains("not a P-256 key", e.Message);
        e = Assert.Throws<ManifestSignatureException>(() => SigningKey.FromPem(p384.ExportPkcs8PrivateKeyPem()));
        Assert.Contains("not a P-256 key", e.Message);

        using var signing = SigningKey.Generate();
        e = Assert.Throws<ManifestSignatureException>(() => TrustSet.FromPems([signing.PrivateKeyPem]));
        Assert.Contains("not a PEM public key", e.Message);
        e = Assert.Throws<ManifestSignatureException>(() => SigningKey.FromPem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"));
        Assert.Contains("not an EC private key", e.Message);

        var empty = _temp["empty-keys"];
        Directory.CreateDirectory(empty);
        e = Assert.Throws<ManifestSignatureException>(() => TrustSet.FromDirectory(empty));
        Assert.Contains("holds no *.pem", e.Message);
    }
}
