using System.Diagnostics;
using Fabric.Registry.Manifests;
using Fabric.Registry.Server.Tests.Support;
using Fabric.Registry.Symbols;

namespace Fabric.Registry.Server.Tests;

/// <summary>A Java program using only the JDK (HttpClient, SHA256withECDSA) fetches from the registry: the contract
/// the node agent relies on.</summary>
public sealed class JdkInteropTests
{
    private const string Fetch = """
        import java.net.URI;
        import java.net.http.*;
        import java.security.*;
        import java.security.spec.X509EncodedKeySpec;
        import java.util.Base64;

        public class Fetch {
            public static void main(String[] args) throws Exception {
                HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                HttpResponse<byte[]> manifest = client.send(HttpRequest.newBuilder(URI.create(args[0] + "v1/manifests/default/app/1")).build(), HttpResponse.BodyHandlers.ofByteArray());
                String pem = new String(java.nio.file.Files.readAllBytes(java.nio.file.Path.of(args[1])), "US-ASCII")
                    .replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
                PublicKey key = KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(pem)));
                Signature verifier = Signature.getInstance("SHA256withECDSA");
                verifier.initVerify(key);
                verifier.update(manifest.body());
                boolean valid = verifier.verify(Base64.getDecoder().decode(manifest.headers().firstValue("X-Fabric-Signature").orElseThrow()));
                HttpResponse<byte[]> blob = client.send(HttpRequest.newBuilder(URI.create(args[0] + "v1/blobs/" + args[2])).build(), HttpResponse.BodyHandlers.ofByteArray());
                byte[] digest = MessageDigest.getInstance("SHA-256").digest(blob.body());
                StringBuilder hex = new StringBuilder();
                for (byte b : digest) hex.append(String.format("%02x", b));
                System.out.println("manifest " + manifest.statusCode() + " " + manifest.version() + " signature " + (valid ? "valid" : "INVALID"));
                System.out.println("blob " + blob.statusCode() + " " + hex + " " + blob.headers().firstValue("cache-control").orElse(""));
            }
        }
        """;

    [Fact]
    public async Task Jdk_http_client_fetches_a_blob_and_a_manifest_and_verifies_the_signature()
    {
        await using var registry = await TestRegistry.StartAsync();
        using var grpc = registry.Grpc();
        var content = "class bytes stand-in"u8.ToArray();
        var id = SymbolId.Of(content);
        await grpc.PutAsync(id, new MemoryStream(content), content.Length);
        await grpc.RecordSymbolsAsync([new Storage.SymbolRecord(id, SymbolKind.Resource, "r.bin", content.Length, [])]);
        var manifest = new ReleaseManifest(ManifestName.Parse("app:1"), null, [new ManifestEntry("r.bin", SymbolKind.Resource, id, content.Length)]);
        await grpc.PublishManifestAsync(registry.Key.Sign(manifest, DateTimeOffset.UtcNow));

        var src = Path.Combine(registry.Root, "java");
        Directory.CreateDirectory(src);
        File.WriteAllText(Path.Combine(src, "Fetch.java"), Fetch);
        var javac = Run(Path.Combine(Jdk.Home17, "bin", "javac"), "-d", src, Path.Combine(src, "Fetch.java"));
        Assert.True(javac.Exit == 0, javac.Output);
        var run = Run(Path.Combine(Jdk.Home17, "bin", "java"), "-cp", src, "Fetch", registry.Server.HttpAddress.ToString(), Path.Combine(registry.Root, "signing-key.pub.pem"), id.ToString());
        Assert.True(run.Exit == 0, run.Output);
        Assert.Contains("manifest 200 HTTP_1_1 signature valid", run.Output);
        Assert.Contains($"blob 200 {id} public, max-age=31536000, immutable", run.Output);
    }

    private static (int Exit, string Output) Run(string program, params string[] args)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var err = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output + err.Result);
    }
}
