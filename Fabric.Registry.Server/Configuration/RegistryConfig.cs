using System.Net;
using Fabric.Registry.Signing;
using Fabric.Registry.Storage.Configuration;

namespace Fabric.Registry.Server.Configuration;

/// <summary>What a caller may do in a namespace.</summary>
[Flags]
public enum Role
{
    None = 0,
    Read = 1,
    Publish = 2,
    Admin = 4,
}

/// <summary>A namespace's access rules and the keys whose manifests it accepts.</summary>
public sealed record NamespaceOptions(
    string Name,
    bool AnonymousRead,
    bool AnonymousPublish,
    IReadOnlyDictionary<string, Role> Tokens,
    TrustSet Trust);

/// <summary>Server certificate (PEM certificate + key, or PKCS#12) and whether clients must present a certificate
/// issued by <see cref="ClientCa"/>.</summary>
public sealed record TlsOptions(string Certificate, string? Key, bool RequireClientCertificate, string? ClientCa);

/// <summary>The registry server's typed configuration (docs/configuration.md, "Registry").</summary>
public sealed record RegistryOptions(
    StorageOptions Storage,
    IPEndPoint Http,
    IPEndPoint Grpc,
    TlsOptions? Tls,
    IReadOnlyDictionary<string, NamespaceOptions> Namespaces,
    long MaxBlobBytes)
{
    public const long DefaultMaxBlobBytes = 64L * 1024 * 1024;

    public const long DefaultBlobCacheBytes = 64L * 1024 * 1024;

    /// <summary>Memory for small blobs served from memory (<c>blobCacheMegabytes</c>); 0 turns the cache off.</summary>
    public long BlobCacheBytes { get; init; } = DefaultBlobCacheBytes;

    /// <summary>A caller's roles in <paramref name="ns"/>: anonymous rights plus those of its token.</summary>
    public Role RolesOf(string ns, string? token)
    {
        if (!Namespaces.TryGetValue(ns, out var options))
        {
            return Role.None;
        }

        var roles = (options.AnonymousRead ? Role.Read : Role.None) | (options.AnonymousPublish ? Role.Publish : Role.None);
        if (token is not null && options.Tokens.TryGetValue(token, out var granted))
        {
            roles |= granted;
            if (granted.HasFlag(Role.Admin))
            {
                roles |= Role.Read | Role.Publish;
            }

            if (granted.HasFlag(Role.Publish))
            {
                roles |= Role.Read;
            }
        }

        return roles;
    }
}
