using System.Net;
using System.Security.Cryptography.X509Certificates;
using Fabric.Registry.Server.Access;
using Fabric.Registry.Server.Dependencies;
using Fabric.Registry.Server.Configuration;
using Fabric.Registry.Server.Grpc;
using Fabric.Registry.Server.Http;
using Fabric.Registry.Server.Nodes;
using Fabric.Registry.Server.Telemetry;
using Fabric.Registry.Storage;
using Fabric.Registry.Storage.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Fabric.Registry.Server;

/// <summary>
/// The registry process: two Kestrel endpoints over one storage. <c>listen.http</c> speaks HTTP/1.1 (and HTTP/2 by
/// ALPN under TLS) for plain GETs; <c>listen.grpc</c> speaks HTTP/2 only, which without TLS is h2c with prior
/// knowledge, the only cleartext HTTP/2 that gRPC clients use. Both serve every route.
/// </summary>
public sealed class RegistryServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly OpenedStorage _storage;
    private readonly ITimer _expiry;

    private RegistryServer(WebApplication app, OpenedStorage storage, ITimer expiry)
    {
        _app = app;
        _storage = storage;
        _expiry = expiry;
    }

    /// <summary>The HTTP endpoint's base URL (with the real port when configured as 0).</summary>
    public Uri HttpAddress { get; private set; } = null!;

    public Uri GrpcAddress { get; private set; } = null!;

    public IBlobStore Blobs => _storage.Blobs;

    public IMetadataStore Metadata => _storage.Metadata;

    public static async Task<RegistryServer> StartAsync(RegistryOptions options, TimeProvider? clock = null, Action<ILoggingBuilder>? logging = null, CancellationToken cancellationToken = default)
    {
        clock ??= TimeProvider.System;
        var storage = await OpenedStorage.OpenAsync(options.Storage, clock, cancellationToken).ConfigureAwait(false);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        logging?.Invoke(builder.Logging);
        var certificate = options.Tls is { } tls ? LoadCertificate(tls) : null;
        var clientCa = options.Tls?.ClientCa is { } ca ? X509CertificateLoader.LoadCertificateFromFile(ca) : null;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = options.MaxBlobBytes + (1 << 20);
            void Listen(IPEndPoint endpoint, HttpProtocols protocols) => kestrel.Listen(endpoint, listen =>
            {
                listen.Protocols = protocols;
                if (certificate is not null)
                {
                    listen.UseHttps(new HttpsConnectionAdapterOptions
                    {
                        ServerCertificate = certificate,
                        ClientCertificateMode = options.Tls!.RequireClientCertificate ? ClientCertificateMode.RequireCertificate : ClientCertificateMode.NoCertificate,
                        ClientCertificateValidation = (cert, chain, errors) => clientCa is null
                            ? errors == System.Net.Security.SslPolicyErrors.None
                            : IssuedBy(cert, clientCa),
                    });
                }
            });
            Listen(options.Http, HttpProtocols.Http1AndHttp2);
            Listen(options.Grpc, HttpProtocols.Http2);
        });
        builder.Services.AddGrpc(grpc => grpc.MaxReceiveMessageSize = (int)Math.Min(int.MaxValue, options.MaxBlobBytes + (1 << 20)));
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(clock);
        builder.Services.AddSingleton(options.BlobCacheBytes > 0 ? new CachedBlobStore(storage.Blobs, options.BlobCacheBytes) : storage.Blobs);
        builder.Services.AddSingleton(storage.Metadata);
        builder.Services.AddSingleton<AccessCheck>();
        builder.Services.AddSingleton<ManifestFeed>();
        builder.Services.AddSingleton<NodeTable>();
        builder.Services.AddSingleton<ReleaseGraphCache>();
        builder.Services.AddRegistryTelemetry(options.Telemetry);
        var app = builder.Build();
        app.MapGrpcService<RegistryGrpcService>();
        RegistryHttpEndpoints.Map(app);
        app.MapRegistryTelemetry(options.Telemetry);
        var nodes = app.Services.GetRequiredService<NodeTable>();
        var expiry = clock.CreateTimer(_ => nodes.Expire(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            await storage.DisposeAsync().ConfigureAwait(false);
            throw new RegistryConfigException($"cannot listen on {options.Http} / {options.Grpc}: {e.Message}");
        }

        var server = new RegistryServer(app, storage, expiry);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Select(a => new Uri(a)).ToList();
        server.HttpAddress = addresses[0];
        server.GrpcAddress = addresses[1];
        return server;
    }

    public Task WaitForShutdownAsync(CancellationToken cancellationToken) => _app.WaitForShutdownAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _expiry.DisposeAsync().ConfigureAwait(false);
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        await _storage.DisposeAsync().ConfigureAwait(false);
    }

    private static X509Certificate2 LoadCertificate(TlsOptions tls)
    {
        try
        {
            var cert = tls.Key is not null
                ? X509Certificate2.CreateFromPemFile(tls.Certificate, tls.Key)
                : X509CertificateLoader.LoadPkcs12FromFile(tls.Certificate, null);

            // An ephemeral PEM key cannot serve TLS on every platform; a PKCS#12 round trip makes it persistable.
            return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null);
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or IOException)
        {
            throw new RegistryConfigException($"tls.certificate {tls.Certificate}: cannot load: {e.Message}");
        }
    }

    private static bool IssuedBy(X509Certificate2 cert, X509Certificate2 ca)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(cert);
    }
}
