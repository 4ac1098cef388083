using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Fabric.Registry.Manifests;
using Fabric.Registry.Server.Tests.Support;
using Fabric.Registry.Symbols;
using Grpc.Core;

namespace Fabric.Registry.Server.Tests;

/// <summary>Namespaces with tokens and roles, anonymous read, TLS and client certificates, on a real server.</summary>
public sealed class AccessTests
{
    private const string Namespaces = """
          open:
            anonymousRead: true
            trustedKeys: [signing-key.pub.pem]
            tokens:
              - token: open-publisher
                roles: [publish]
          closed:
            anonymousRead: false
            trustedKeys: [signing-key.pub.pem]
            tokens:
              - token: closed-reader
                roles: [read]
              - token: closed-publisher
                roles: [publish]
        """;

    [Fact]
    public async Task Anonymous_read_is_allowed_where_configured_and_refused_elsewhere()
    {
        await using var registry = await TestRegistry.StartAsync(Namespaces);
        var id = await PublishAsync(registry, "open/app:1", "open-publisher");
        await PublishAsync(registry, "closed/app:1", "closed-publisher");
        using var http = registry.Http();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/v1/manifests/open/app/1")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/v1/manifests/closed/app/1")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"/v1/blobs/{id}")).StatusCode);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/manifests/closed/app/1");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "closed-reader");
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(request)).StatusCode);
        using var wrong = new HttpRequestMessage(HttpMethod.Get, "/v1/manifests/closed/app/1");
        wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "no-such-token");
        Assert.Equal(HttpStatusCode.Forbidden, (await http.SendAsync(wrong)).StatusCode);

        using var anonymous = registry.Grpc(ns: "closed");
        var e = await Assert.ThrowsAsync<RpcException>(() => anonymous.GetManifestAsync(ManifestName.Parse("closed/app:1")));
        Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
    }

    [Fact]
    public async Task Publishing_with_a_read_token_is_refused()
    {
        await using var registry = await TestRegistry.StartAsync(Namespaces);
        using var reader = registry.Grpc("closed-reader", "closed");
        var content = "bytes"u8.ToArray();
        var upload = await Assert.ThrowsAsync<RpcException>(() => reader.PutAsync(SymbolId.Of(content), new MemoryStream(content), 100));
        Assert.Equal(StatusCode.PermissionDenied, upload.StatusCode);
        await PublishAsync(registry, "closed/base:1", "closed-publisher");
        var manifest = new ReleaseManifest(ManifestName.Parse("closed/app:2"), null, [new ManifestEntry("r", SymbolKind.Resource, SymbolId.Of("closed/base:1"u8), 13)]);
        var publish = await Assert.ThrowsAsync<RpcException>(() => reader.PublishManifestAsync(registry.Key.Sign(manifest, DateTimeOffset.UtcNow)));
        Assert.Equal(StatusCode.PermissionDenied, publish.StatusCode);
        Assert.Null(await registry.Server.Metadata.GetManifestAsync(manifest.Name));
    }

    [Fact]
    public async Task Tls_with_a_self_signed_certificate_serves_http_and_grpc()
    {
        var dir = Directory.CreateTempSubdirectory("fabric-tls-").FullName;
        using var server = SelfSigned("CN=127.0.0.1", null);
        WritePem(server, Path.Combine(dir, "server"));
        await using var registry = await TestRegistry.StartAsync(extraYaml: $"tls:\n  certificate: {dir}/server.crt\n  key: {dir}/server.key\n");
        Assert.Equal("https", registry.Server.HttpAddress.Scheme);
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, cert, _, _) => cert!.Thumbprint == server.Thumbprint };
        using var http = new HttpClient(handler) { BaseAddress = registry.Server.HttpAddress };
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"/v1/blobs/{SymbolId.Of([9])}")).StatusCode);

        using var plain = new HttpClient { BaseAddress = registry.Server.HttpAddress };
        await Assert.ThrowsAsync<HttpRequestException>(() => plain.GetAsync($"/v1/blobs/{SymbolId.Of([9])}"));
    }

    [Fact]
    public async Task Mutual_tls_refuses_a_client_without_a_certificate_and_serves_one_issued_by_the_ca()
    {
        var dir = Directory.CreateTempSubdirectory("fabric-mtls-").FullName;
        using var server = SelfSigned("CN=127.0.0.1", null);
        WritePem(server, Path.Combine(dir, "server"));
        using var ca = SelfSigned("CN=fabric test CA", null, isCa: true);
        File.WriteAllText(Path.Combine(dir, "ca.crt"), ca.ExportCertificatePem());
        using var client = SelfSigned("CN=node-1", ca);
        await using var registry = await TestRegistry.StartAsync(extraYaml: $"tls:\n  certificate: {dir}/server.crt\n  key: {dir}/server.key\n  clientCertificates: require\n  clientCa: {dir}/ca.crt\n");
        var path = $"/v1/blobs/{SymbolId.Of([7])}";

        using var without = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, cert, _, _) => cert!.Thumbprint == server.Thumbprint };
        using var anonymous = new HttpClient(without) { BaseAddress = registry.Server.HttpAddress };
        await Assert.ThrowsAsync<HttpRequestException>(() => anonymous.GetAsync(path));

        using var with = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, cert, _, _) => cert!.Thumbprint == server.Thumbprint };
        with.ClientCertificates.Add(client);
        using var authenticated = new HttpClient(with) { BaseAddress = registry.Server.HttpAddress };
        Assert.Equal(HttpStatusCode.NotFound, (await authenticated.GetAsync(path)).StatusCode);
    }

    private static async Task<SymbolId> PublishAsync(TestRegistry registry, string name, string token)
    {
        var manifestName = ManifestName.Parse(name);
        using var grpc = registry.Grpc(token, manifestName.Namespace);
        var content = System.Text.Encoding.UTF8.GetBytes(name);
        var id = SymbolId.Of(content);
        await grpc.PutAsync(id, new MemoryStream(content), content.Length);
        await grpc.RecordSymbolsAsync([new Storage.SymbolRecord(id, SymbolKind.Resource, "r", content.Length, [])]);
        var manifest = new ReleaseManifest(manifestName, null, [new ManifestEntry("r", SymbolKind.Resource, id, content.Length)]);
        await grpc.PublishManifestAsync(registry.Key.Sign(manifest, DateTimeOffset.UtcNow));
        return id;
    }

    private static X509Certificate2 SelfSigned(string subject, X509Certificate2? issuer, bool isCa = false)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(isCa, false, 0, isCa));
        if (!isCa && issuer is null)
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(san.Build());
        }

        var notBefore = DateTimeOffset.UtcNow.AddMinutes(-5);
        var notAfter = DateTimeOffset.UtcNow.AddDays(1);
        if (issuer is null)
        {
            return request.CreateSelfSigned(notBefore, notAfter);
        }

        using var issued = request.Create(issuer, notBefore, notAfter, RandomNumberGenerator.GetBytes(8));
        return issued.CopyWithPrivateKey(key);
    }

    private static void WritePem(X509Certificate2 cert, string stem)
    {
        File.WriteAllText(stem + ".crt", cert.ExportCertificatePem());
        File.WriteAllText(stem + ".key", cert.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
    }
}
