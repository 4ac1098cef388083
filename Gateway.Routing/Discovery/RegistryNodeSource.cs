using System.Net.Http.Headers;
using System.Text;
using JdwpGateway.Routing.Config;
using JdwpGateway.Routing.Nodes;
using Microsoft.Extensions.Logging;

namespace JdwpGateway.Routing.Discovery;

/// <summary>
/// Keeps a <see cref="NodeDirectory"/> equal to the nodes a fabric registry lists (<c>GET /v1/nodes</c>, docs/fabric.md),
/// optionally only those running one manifest. A registry that cannot be reached changes nothing: the nodes' own JDWP
/// connections say whether they are alive, and a brief registry outage must not end anyone's debugging.
/// </summary>
public sealed partial class RegistryNodeSource : IAsyncDisposable
{
    /// <summary>The node directory source name of nodes found through the registry.</summary>
    public const string RegistrySource = "registry";

    private readonly DiscoveryOptions _options;
    private readonly NodeDirectory _directory;
    private readonly ILogger _logger;
    private readonly HttpClient _http;
    private readonly string? _manifest;
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;
    private string? _outage;

    /// <summary>Creates a source; <see cref="Start"/> begins polling.</summary>
    public RegistryNodeSource(DiscoveryOptions options, NodeDirectory directory, ILogger logger)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _directory = directory ?? throw new ArgumentNullException(nameof(directory));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _manifest = options.Manifest is null ? null : ManifestNames.Normalize(options.Manifest);
        _http = new HttpClient { BaseAddress = options.RegistryUri, Timeout = TimeSpan.FromSeconds(10) };
        if (options.Token is not null)
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options.Token);
        }
    }

    /// <summary>Starts polling in the background.</summary>
    public void Start() => _loop ??= PollLoopAsync(_stop.Token);

    /// <summary>
    /// Asks the registry once and applies its answer; returns false (and logs why, once per outage) when the registry
    /// could not be asked or answered with something unusable.
    /// </summary>
    public async Task<bool> PollOnceAsync(CancellationToken cancellationToken = default)
    {
        string text;
        try
        {
            using var response = await _http.GetAsync(new Uri("v1/nodes", UriKind.Relative), cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return Unreachable($"GET /v1/nodes answered {(int)response.StatusCode} {response.ReasonPhrase}");
            }

            text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException && !cancellationToken.IsCancellationRequested)
        {
            return Unreachable(ex.Message);
        }

        var nodes = Parse(text);
        if (_outage is not null)
        {
            LogRecovered(_logger, _options.Registry);
            _outage = null;
        }

        foreach (var change in _directory.Replace(nodes, RegistrySource))
        {
            LogChange(_logger, change.Options.Name, change.Options.Address, change.Joined ? "joined" : "left", _options.Registry);
        }

        return true;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        _http.Dispose();
        _stop.Dispose();
    }

    private async Task PollLoopAsync(CancellationToken token)
    {
        await Task.Yield();
        using var timer = new PeriodicTimer(_options.PollInterval);
        try
        {
            do
            {
                await PollOnceAsync(token).ConfigureAwait(false);
            }
            while (await timer.WaitForNextTickAsync(token).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
    }

    /// <summary>Lines <c>node TAB jdwp TAB manifest TAB started</c>; a malformed line is logged and skipped.</summary>
    private List<NodeOptions> Parse(string text)
    {
        var nodes = new List<NodeOptions>();
        var lineNumber = 0;
        foreach (var line in text.Split('\n'))
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            var fields = line.TrimEnd('\r').Split('\t');
            var node = fields.Length >= 3 ? new NodeOptions { Name = fields[0], Address = fields[1] } : null;
            var problems = node?.Validate() ?? ["expected node, jdwp address, manifest and start time separated by tabs"];
            if (problems.Count > 0)
            {
                LogBadLine(_logger, _options.Registry, lineNumber, Printable(line), string.Join("; ", problems));
                continue;
            }

            if (_manifest is null || ManifestNames.Normalize(fields[2]) == _manifest)
            {
                nodes.Add(node!);
            }
        }

        // A name listed twice would be two JVMs under one name: keep the first, as the virtual VM can hold only one.
        return [.. nodes.DistinctBy(n => n.Name, StringComparer.Ordinal)];
    }

    private bool Unreachable(string reason)
    {
        if (_outage is null)
        {
            LogUnreachable(_logger, _options.Registry, reason);
        }

        _outage = reason;
        return false;
    }

    private static string Printable(string line)
    {
        var b = new StringBuilder(Math.Min(line.Length, 200));
        foreach (var c in line.Take(200))
        {
            b.Append(char.IsControl(c) ? '?' : c);
        }

        return b.ToString();
    }

    [LoggerMessage(200, LogLevel.Information, "discovery: node {Node} ({Address}) {Change} (registry {Registry})", EventName = "DiscoveryChange")]
    private static partial void LogChange(ILogger logger, string node, string address, string change, string registry);

    [LoggerMessage(201, LogLevel.Warning, "discovery: registry {Registry} cannot be asked for its nodes ({Reason}); keeping the nodes known so far", EventName = "DiscoveryUnreachable")]
    private static partial void LogUnreachable(ILogger logger, string registry, string reason);

    [LoggerMessage(202, LogLevel.Information, "discovery: registry {Registry} answers again", EventName = "DiscoveryRecovered")]
    private static partial void LogRecovered(ILogger logger, string registry);

    [LoggerMessage(203, LogLevel.Warning, "discovery: registry {Registry} listed a node line {Line} that is not usable, skipped: '{Text}': {Problem}", EventName = "DiscoveryBadLine")]
    private static partial void LogBadLine(ILogger logger, string registry, int line, string text, string problem);
}
