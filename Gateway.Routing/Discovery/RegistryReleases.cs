using System.Collections.Concurrent;
using System.Net.Http.Headers;
using JdwpGateway.Routing.Config;
using JdwpGateway.Routing.Symbols;
using Microsoft.Extensions.Logging;

namespace JdwpGateway.Routing.Discovery;

/// <summary>
/// The class hashes of fabric releases, read from the registry (<c>GET /v1/manifests/{ns}/{name}/{tag}</c>,
/// docs/fabric.md) with their parent chains and kept: a tag never changes bytes. Nodes verify each class against its
/// manifest's hash before defining it, so the hash is the identity of the class's bytes on every node running it.
/// </summary>
public sealed partial class RegistryReleases : IReleaseHashes, IDisposable
{
    private const int MaxParentDepth = 32;
    private static readonly TimeSpan FailureMemory = TimeSpan.FromSeconds(10);

    private readonly DiscoveryOptions _options;
    private readonly ILogger _logger;
    private readonly HttpClient _http;
    private readonly ConcurrentDictionary<string, Lazy<Task<IReadOnlyDictionary<string, string>?>>> _releases = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTime> _failedAt = new(StringComparer.Ordinal);

    /// <summary>Creates a reader of the registry that <paramref name="options"/> names.</summary>
    public RegistryReleases(DiscoveryOptions options, ILogger logger)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _http = new HttpClient { BaseAddress = options.RegistryUri, Timeout = TimeSpan.FromSeconds(10) };
        if (options.Token is not null)
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options.Token);
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyDictionary<string, string>?> ClassHashesAsync(string manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        if (ManifestNames.Normalize(manifest) is not { } name)
        {
            return Task.FromResult<IReadOnlyDictionary<string, string>?>(null);
        }

        // A registry that cannot answer is asked again only after a while: every class of an attach may ask.
        if (_failedAt.TryGetValue(name, out var failed) && DateTime.UtcNow - failed < FailureMemory)
        {
            return Task.FromResult<IReadOnlyDictionary<string, string>?>(null);
        }

        var lazy = _releases.GetOrAdd(name, n => new Lazy<Task<IReadOnlyDictionary<string, string>?>>(() => LoadAsync(n)));
        return ForgetFailure(name, lazy);
    }

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();

    private async Task<IReadOnlyDictionary<string, string>?> ForgetFailure(string name, Lazy<Task<IReadOnlyDictionary<string, string>?>> lazy)
    {
        var hashes = await lazy.Value.ConfigureAwait(false);
        if (hashes is null)
        {
            _failedAt[name] = DateTime.UtcNow;
            _releases.TryRemove(new KeyValuePair<string, Lazy<Task<IReadOnlyDictionary<string, string>?>>>(name, lazy));
        }

        return hashes;
    }

    /// <summary>The resolved class map: each manifest's own classes over its parent's, nearest first.</summary>
    private async Task<IReadOnlyDictionary<string, string>?> LoadAsync(string name)
    {
        var chain = new List<Dictionary<string, string>>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var current = name; current is not null;)
        {
            if (!seen.Add(current) || chain.Count == MaxParentDepth)
            {
                LogUnusable(_logger, name, _options.Registry, $"its parent chain loops or is deeper than {MaxParentDepth} at {current}");
                return null;
            }

            var text = await FetchAsync(name, current).ConfigureAwait(false);
            if (text is null)
            {
                return null;
            }

            if (!ManifestClasses.TryParse(text, current, out var classes, out var parent, out var problem))
            {
                LogUnusable(_logger, name, _options.Registry, problem);
                return null;
            }

            chain.Add(classes);
            current = parent;
        }

        var resolved = new Dictionary<string, string>(chain.Sum(c => c.Count), StringComparer.Ordinal);
        for (var i = chain.Count - 1; i >= 0; i--)
        {
            foreach (var (path, hash) in chain[i])
            {
                resolved[path] = hash;
            }
        }

        return resolved;
    }

    private async Task<string?> FetchAsync(string release, string manifest)
    {
        var parts = manifest.Split('/', ':');
        var path = $"v1/manifests/{Uri.EscapeDataString(parts[0])}/{Uri.EscapeDataString(parts[1])}/{Uri.EscapeDataString(parts[2])}";
        try
        {
            using var response = await _http.GetAsync(new Uri(path, UriKind.Relative)).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                LogUnusable(_logger, release, _options.Registry, $"GET /{path} answered {(int)response.StatusCode} {response.ReasonPhrase}");
                return null;
            }

            return await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException or ObjectDisposedException)
        {
            LogUnusable(_logger, release, _options.Registry, ex.Message);
            return null;
        }
    }

    [LoggerMessage(210, LogLevel.Warning, "identity: manifest {Manifest} cannot be read from registry {Registry} ({Reason}); its classes are identified by JDWP for now", EventName = "ReleaseUnreadable")]
    private static partial void LogUnusable(ILogger logger, string manifest, string registry, string reason);
}
