using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using JdwpGateway.Routing.Config;

namespace JdwpGateway.Symbols;

/// <summary>
/// Reads what <c>jdwp-gateway symbols</c> needs from a fabric registry over its plain HTTP API (docs/fabric.md):
/// manifests (their class lines, through the parent chain), registered nodes and the symbols each reports loaded.
/// Manifests are immutable, so they are cached for the client's lifetime.
/// </summary>
public sealed class RegistryClient : IDisposable
{
    private const int MaxParentDepth = 32;
    private readonly HttpClient _http;
    private readonly string _registry;
    private readonly bool _hasToken;
    private readonly ConcurrentDictionary<string, ManifestFile> _manifests = new(StringComparer.Ordinal);

    /// <summary>Creates a client for the registry at <paramref name="registry"/> (<c>http(s)://host:port</c>).</summary>
    /// <exception cref="RegistryReadException">The address is not an http(s) URL.</exception>
    public RegistryClient(string registry, string? token, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        Uri baseAddress;
        try
        {
            baseAddress = new DiscoveryOptions { Registry = registry }.RegistryUri;
        }
        catch (FormatException)
        {
            throw new RegistryReadException($"registry '{registry}' is not an http:// or https:// address");
        }

        _registry = registry;
        _hasToken = token is not null;
        _http = new HttpClient { BaseAddress = baseAddress, Timeout = timeout ?? TimeSpan.FromSeconds(10) };
        if (token is not null)
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    /// <summary>The live nodes (<c>GET /v1/nodes</c>); lines that are not <c>node TAB jdwp TAB manifest ...</c> are skipped.</summary>
    public async Task<IReadOnlyList<RegisteredNode>> GetNodesAsync(CancellationToken cancellationToken)
    {
        var text = await GetTextAsync("v1/nodes", "the node list", cancellationToken).ConfigureAwait(false)
            ?? throw new RegistryReadException($"the registry at {_registry} has no node list (GET /v1/nodes answered 404): is it a fabric registry?");
        var nodes = new List<RegisteredNode>();
        foreach (var line in text.Split('\n'))
        {
            var fields = line.TrimEnd('\r').Split('\t');
            if (fields.Length >= 3 && fields[0].Length > 0)
            {
                nodes.Add(new RegisteredNode(fields[0], fields[1], ManifestNames.Normalize(fields[2]) ?? fields[2]));
            }
        }

        return nodes;
    }

    /// <summary>The symbol IDs a node reports loaded; null when the node is not registered (any more).</summary>
    public async Task<IReadOnlySet<string>?> GetLoadedAsync(string node, CancellationToken cancellationToken)
    {
        var text = await GetTextAsync($"v1/nodes/{Uri.EscapeDataString(node)}/loaded", $"the classes node {node} loaded", cancellationToken).ConfigureAwait(false);
        return text?.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>
    /// A manifest's classes (internal name to symbol ID), its parents' classes included (the nearest definition wins, as
    /// on a node).
    /// </summary>
    /// <param name="name">A normalized manifest name, <c>ns/name:tag</c>.</param>
    /// <exception cref="RegistryReadException">Not published, not readable, or not a manifest.</exception>
    public async Task<IReadOnlyDictionary<string, string>> GetClassesAsync(string name, CancellationToken cancellationToken)
    {
        var classes = new Dictionary<string, string>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (string? current = name; current is not null; current = (await GetManifestAsync(current, cancellationToken).ConfigureAwait(false)).Parent)
        {
            if (!seen.Add(current) || seen.Count > MaxParentDepth)
            {
                throw new RegistryReadException($"manifest {name}: its parent chain loops or is deeper than {MaxParentDepth}");
            }

            foreach (var (path, id) in (await GetManifestAsync(current, cancellationToken).ConfigureAwait(false)).Classes)
            {
                classes.TryAdd(path, id);
            }
        }

        return classes;
    }

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();

    private async Task<ManifestFile> GetManifestAsync(string name, CancellationToken cancellationToken)
    {
        if (_manifests.TryGetValue(name, out var cached))
        {
            return cached;
        }

        if (ManifestNames.Normalize(name) != name)
        {
            throw new RegistryReadException($"manifest '{name}' is not namespace/name:tag");
        }

        var slash = name.IndexOf('/', StringComparison.Ordinal);
        var colon = name.LastIndexOf(':');
        var path = $"v1/manifests/{Uri.EscapeDataString(name[..slash])}/{Uri.EscapeDataString(name[(slash + 1)..colon])}/{Uri.EscapeDataString(name[(colon + 1)..])}";
        var text = await GetTextAsync(path, $"manifest {name}", cancellationToken).ConfigureAwait(false)
            ?? throw new RegistryReadException($"manifest {name} is not published in the registry at {_registry}");
        var manifest = ManifestFile.Parse(text, name);
        _manifests[name] = manifest;
        return manifest;
    }

    /// <summary>The body of a GET, or null on 404; every other failure is a <see cref="RegistryReadException"/> saying what.</summary>
    private async Task<string?> GetTextAsync(string path, string what, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _http.GetAsync(new Uri(path, UriKind.Relative), cancellationToken).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            return response.StatusCode switch
            {
                HttpStatusCode.OK => body,
                HttpStatusCode.NotFound => null,
                HttpStatusCode.Unauthorized => throw new RegistryReadException(_hasToken
                    ? $"the registry at {_registry} did not accept the token (401) for {what}"
                    : $"the registry at {_registry} needs a token to read {what} (401): pass --token"),
                HttpStatusCode.Forbidden => throw new RegistryReadException($"the token may not read {what} in the registry at {_registry} (403)"),
                _ => throw new RegistryReadException($"the registry at {_registry} answered {(int)response.StatusCode} {response.ReasonPhrase} for {what}: {FirstLine(body)}"),
            };
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            var reason = ex is TaskCanceledException ? $"no answer within {_http.Timeout.TotalSeconds:0} s" : ex.Message;
            throw new RegistryReadException($"cannot reach the registry at {_registry}: {reason}", ex);
        }
    }

    private static string FirstLine(string body)
    {
        var line = body.Split('\n')[0].Trim();
        return line.Length > 200 ? line[..200] : line;
    }

    /// <summary>The lines of a manifest's canonical text this client needs (docs/fabric.md): its parent and its classes.</summary>
    private sealed record ManifestFile(string? Parent, IReadOnlyList<(string Path, string Id)> Classes)
    {
        public static ManifestFile Parse(string text, string name)
        {
            var lines = text.Split('\n');
            if (lines[0] != "fabric-manifest 1")
            {
                throw new RegistryReadException($"manifest {name}: the registry's answer is not a fabric manifest");
            }

            string? parent = null;
            var classes = new List<(string, string)>();
            foreach (var line in lines.Skip(1))
            {
                var fields = line.Split('\t');
                if (fields is ["parent", var p])
                {
                    parent = ManifestNames.Normalize(p) ?? throw new RegistryReadException($"manifest {name}: parent '{p}' is not ns/name:tag");
                }
                else if (fields is ["class", var path, var id, _])
                {
                    classes.Add((path, id.ToLowerInvariant()));
                }
            }

            return new ManifestFile(parent, classes);
        }
    }
}

/// <summary>A node as the registry lists it.</summary>
/// <param name="Name">The node's name.</param>
/// <param name="Jdwp">Its JDWP address.</param>
/// <param name="Manifest">The manifest it runs, normalized to <c>ns/name:tag</c> when well-formed.</param>
public sealed record RegisteredNode(string Name, string Jdwp, string Manifest);

/// <summary>The registry could not be read; the message says which registry, what and why, in one line.</summary>
public sealed class RegistryReadException(string message, Exception? inner = null) : Exception(message, inner);
