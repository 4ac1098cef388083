using System.Runtime.InteropServices;
using System.Security.Cryptography;
using JdwpGateway.Routing.Config;
using JdwpGateway.Routing.Nodes;
using Microsoft.Extensions.Logging;

namespace JdwpGateway.Configuration;

/// <summary>
/// Applies edits of a running gateway's configuration file. The node list is the one setting that changes without a
/// restart: a node added joins the running session (and gets its breakpoints), a node removed leaves it, as if it had
/// come up or died on its own. Other changes are logged as needing a restart; a file that no longer parses or
/// validates is logged and ignored, and the gateway keeps its last good configuration.
/// </summary>
/// <remarks>
/// The file is polled (content hash) rather than watched, because editors replace files by rename and container
/// volumes often deliver no inotify events; SIGHUP reloads at once.
/// </remarks>
public sealed partial class ConfigFileReloader : IDisposable
{
    private static readonly IReadOnlyList<NodeOptions> NoNodes = Array.Empty<NodeOptions>();

    private readonly string _path;
    private readonly Func<GatewayOptions, GatewayOptions> _overrides;
    private readonly NodeDirectory _directory;
    private readonly ILogger _logger;
    private readonly TimeSpan _interval;
    private readonly Lock _lock = new();
    private GatewayOptions _current;
    private byte[] _hash;
    private Timer? _timer;
    private PosixSignalRegistration? _hangup;

    /// <summary>Creates a reloader for the gateway started with <paramref name="started"/>.</summary>
    /// <param name="path">The configuration file.</param>
    /// <param name="started">The options the gateway runs with (file plus command-line overrides).</param>
    /// <param name="overrides">The command-line overrides, applied to every reloaded file as they were at start.</param>
    /// <param name="directory">The gateway's node directory, which a changed node list replaces.</param>
    /// <param name="logger">Where reloads and refused edits are reported.</param>
    /// <param name="interval">How often the file is checked.</param>
    public ConfigFileReloader(string path, GatewayOptions started, Func<GatewayOptions, GatewayOptions> overrides, NodeDirectory directory, ILogger logger, TimeSpan interval)
    {
        _path = Path.GetFullPath(path);
        _current = started;
        _overrides = overrides;
        _directory = directory;
        _logger = logger;
        _interval = interval;
        _hash = HashOf(_path) ?? [];
    }

    /// <summary>Starts polling the file and listening for SIGHUP.</summary>
    public void Start()
    {
        _timer = new Timer(_ => Check(), null, _interval, _interval);
        if (!OperatingSystem.IsWindows())
        {
            _hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
            {
                context.Cancel = true;
                Reload(force: true);
            });
        }
    }

    /// <summary>Reloads now if the file's content changed since the last load; returns whether nodes changed.</summary>
    public bool Check() => Reload(force: false);

    private bool Reload(bool force)
    {
        lock (_lock)
        {
            var hash = HashOf(_path);
            if (hash is null)
            {
                if (_hash.Length > 0)
                {
                    LogUnreadable(_logger, _path);
                    _hash = [];
                }

                return false;
            }

            if (!force && hash.AsSpan().SequenceEqual(_hash))
            {
                return false;
            }

            _hash = hash;
            GatewayOptions next;
            try
            {
                next = _overrides(GatewayConfigFile.Load(_path));
            }
            catch (Exception ex) when (ex is GatewayConfigException or FormatException)
            {
                LogRefused(_logger, _path, ex.Message);
                return false;
            }

            var problems = next.Validate();
            if (problems.Count > 0)
            {
                LogRefused(_logger, _path, string.Join("; ", problems));
                return false;
            }

            if (!Equals(next with { Nodes = NoNodes }, _current with { Nodes = NoNodes }))
            {
                LogNeedsRestart(_logger, _path);
            }

            var changed = false;
            if (!SameNodes(next.Nodes, _current.Nodes))
            {
                var changes = _directory.Replace([.. next.Nodes], NodeDirectory.ConfiguredSource);
                changed = changes.Count > 0;
                LogNodesReloaded(_logger, _path, changes.Count(c => c.Joined), changes.Count(c => !c.Joined), string.Join(", ", next.Nodes.Select(n => n.Name)));
                _current = _current with { Nodes = next.Nodes };
            }

            return changed;
        }
    }

    private static bool SameNodes(IReadOnlyList<NodeOptions> a, IReadOnlyList<NodeOptions> b) =>
        a.Count == b.Count && a.OrderBy(n => n.Name, StringComparer.Ordinal).SequenceEqual(b.OrderBy(n => n.Name, StringComparer.Ordinal));

    private static byte[]? HashOf(string path)
    {
        try
        {
            return SHA256.HashData(File.ReadAllBytes(path));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _timer?.Dispose();
        _hangup?.Dispose();
    }

    [LoggerMessage(300, LogLevel.Information, "configuration {Path} reloaded: {Joined} node(s) joined, {Left} left; nodes now: {Nodes}", EventName = "ConfigReloaded")]
    private static partial void LogNodesReloaded(ILogger logger, string path, int joined, int left, string nodes);

    [LoggerMessage(301, LogLevel.Error, "configuration {Path} changed but was not applied, the gateway keeps its previous configuration: {Problem}", EventName = "ConfigRefused")]
    private static partial void LogRefused(ILogger logger, string path, string problem);

    [LoggerMessage(302, LogLevel.Warning, "configuration {Path} changed settings other than 'nodes:'; they take effect when the gateway restarts", EventName = "ConfigNeedsRestart")]
    private static partial void LogNeedsRestart(ILogger logger, string path);

    [LoggerMessage(303, LogLevel.Warning, "configuration {Path} cannot be read now; the gateway keeps its configuration", EventName = "ConfigUnreadable")]
    private static partial void LogUnreadable(ILogger logger, string path);
}
