using System.Net;
using Fabric.Registry.Signing;
using Fabric.Registry.Storage.Configuration;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Fabric.Registry.Server.Configuration;

/// <summary>Reads the registry YAML into <see cref="RegistryOptions"/>; every problem becomes a
/// <see cref="RegistryConfigException"/> naming the key.</summary>
public static class RegistryConfigFile
{
    /// <summary>No file: embedded store under <paramref name="dataDirectory"/>, loopback, namespace <c>default</c>
    /// readable and publishable anonymously (loopback only), trusting the keys in <c>{data}/trusted-keys</c>.</summary>
    public static RegistryOptions Default(string dataDirectory, int httpPort = 7070, int grpcPort = 7071)
    {
        var trustDir = Path.Combine(dataDirectory, "trusted-keys");
        Directory.CreateDirectory(trustDir);
        var trust = Directory.GetFiles(trustDir, "*.pem").Length == 0 ? new TrustSet() : TrustSet.FromDirectory(trustDir);
        var ns = new NamespaceOptions("default", true, true, new Dictionary<string, Role>(), trust);
        return new RegistryOptions(
            new EmbeddedStorageOptions(dataDirectory),
            new IPEndPoint(IPAddress.Loopback, httpPort),
            new IPEndPoint(IPAddress.Loopback, grpcPort),
            null,
            new Dictionary<string, NamespaceOptions> { ["default"] = ns },
            RegistryOptions.DefaultMaxBlobBytes);
    }

    public static RegistryOptions Load(string path)
    {
        string yaml;
        try
        {
            yaml = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RegistryConfigException($"{path}: cannot read: {e.Message}");
        }

        return Parse(yaml, path, Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    public static RegistryOptions Parse(string yaml, string source, string baseDirectory)
    {
        Document doc;
        try
        {
            doc = new DeserializerBuilder().WithNamingConvention(CamelCaseNamingConvention.Instance).Build()
                .Deserialize<Document?>(yaml) ?? new Document();
        }
        catch (YamlException e)
        {
            throw new RegistryConfigException($"{source}: {StorageConfigFile.Explain(e)} (line {e.Start.Line})");
        }

        string Resolve(string p) => Path.IsPathRooted(p) ? p : Path.Combine(baseDirectory, p);
        var problems = new List<string>();
        StorageOptions? storage = null;
        try
        {
            storage = StorageDocument.ToOptions(doc.Storage, source);
            if (storage is EmbeddedStorageOptions e)
            {
                storage = e with { Path = Resolve(e.Path) };
            }
        }
        catch (StorageConfigException e)
        {
            problems.Add(e.Message);
        }

        var http = Endpoint(doc.Listen?.Http ?? "127.0.0.1:7070", "listen.http", problems);
        var grpc = Endpoint(doc.Listen?.Grpc ?? "127.0.0.1:7071", "listen.grpc", problems);
        TlsOptions? tls = null;
        if (doc.Tls is { } t)
        {
            if (string.IsNullOrWhiteSpace(t.Certificate))
            {
                problems.Add("tls.certificate (a PEM or PKCS#12 file) is required when tls is given");
            }
            else if (t.ClientCertificates is not (null or "none" or "require"))
            {
                problems.Add($"tls.clientCertificates '{t.ClientCertificates}' must be none or require");
            }
            else
            {
                tls = new TlsOptions(Resolve(t.Certificate), t.Key is null ? null : Resolve(t.Key), t.ClientCertificates == "require", t.ClientCa is null ? null : Resolve(t.ClientCa));
            }
        }

        var namespaces = new Dictionary<string, NamespaceOptions>(StringComparer.Ordinal);
        foreach (var (name, ns) in doc.Namespaces ?? new Dictionary<string, NamespaceDocument>())
        {
            if (!Manifests.ManifestName.IsValidPart(name))
            {
                problems.Add($"namespaces.{name}: not a valid namespace name (A-Z a-z 0-9 . _ -)");
                continue;
            }

            var tokens = new Dictionary<string, Role>(StringComparer.Ordinal);
            foreach (var token in ns?.Tokens ?? [])
            {
                if (string.IsNullOrEmpty(token.Token))
                {
                    problems.Add($"namespaces.{name}.tokens: every token needs 'token'");
                    continue;
                }

                var roles = Role.None;
                foreach (var role in token.Roles ?? [])
                {
                    roles |= role switch
                    {
                        "read" => Role.Read,
                        "publish" => Role.Publish,
                        "admin" => Role.Admin,
                        _ => Invalid(role),
                    };
                }

                Role Invalid(string role)
                {
                    problems.Add($"namespaces.{name}.tokens: role '{role}' must be read, publish or admin");
                    return Role.None;
                }

                tokens[token.Token] = roles;
            }

            TrustSet trust;
            try
            {
                trust = TrustSet.FromFiles((ns?.TrustedKeys ?? []).Select(Resolve));
            }
            catch (ManifestSignatureException e)
            {
                problems.Add($"namespaces.{name}.trustedKeys: {e.Message}");
                trust = new TrustSet();
            }

            namespaces[name] = new NamespaceOptions(name, ns?.AnonymousRead ?? false, ns?.AnonymousPublish ?? false, tokens, trust);
        }

        if (namespaces.Count == 0)
        {
            problems.Add("namespaces: at least one namespace is required");
        }

        var max = doc.MaxBlobBytes ?? RegistryOptions.DefaultMaxBlobBytes;
        if (max <= 0)
        {
            problems.Add("maxBlobBytes must be positive");
        }

        var cacheMegabytes = doc.BlobCacheMegabytes ?? RegistryOptions.DefaultBlobCacheBytes / (1024 * 1024);
        if (cacheMegabytes is < 0 or > 1024 * 1024)
        {
            problems.Add($"blobCacheMegabytes {cacheMegabytes} is out of range: 0 (off) to 1048576");
        }

        return problems.Count > 0
            ? throw new RegistryConfigException($"{source}: {string.Join("; ", problems)}")
            : new RegistryOptions(storage!, http!, grpc!, tls, namespaces, max) { BlobCacheBytes = cacheMegabytes * 1024 * 1024 };
    }

    private static IPEndPoint? Endpoint(string text, string key, List<string> problems)
    {
        if (IPEndPoint.TryParse(text, out var ep) && text.Contains(':', StringComparison.Ordinal))
        {
            return ep;
        }

        problems.Add($"{key} '{text}' must be ip:port, e.g. 127.0.0.1:7070");
        return null;
    }

    private sealed class Document
    {
        public StorageDocument? Storage { get; set; }

        public ListenDocument? Listen { get; set; }

        public TlsDocument? Tls { get; set; }

        public Dictionary<string, NamespaceDocument>? Namespaces { get; set; }

        public long? MaxBlobBytes { get; set; }

        public long? BlobCacheMegabytes { get; set; }
    }

    private sealed class ListenDocument
    {
        public string? Http { get; set; }

        public string? Grpc { get; set; }
    }

    private sealed class TlsDocument
    {
        public string? Certificate { get; set; }

        public string? Key { get; set; }

        public string? ClientCertificates { get; set; }

        public string? ClientCa { get; set; }
    }

    private sealed class NamespaceDocument
    {
        public bool? AnonymousRead { get; set; }

        public bool? AnonymousPublish { get; set; }

        public List<string>? TrustedKeys { get; set; }

        public List<TokenDocument>? Tokens { get; set; }
    }

    private sealed class TokenDocument
    {
        public string? Token { get; set; }

        public List<string>? Roles { get; set; }
    }
}

public sealed class RegistryConfigException(string message) : Exception(message);
