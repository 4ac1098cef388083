using System.Diagnostics;
using System.Text;

namespace JdwpGateway.Demo;

/// <summary>Options for starting a demo node JVM.</summary>
public sealed record NodeStartOptions
{
    /// <summary>How long to wait for the JDWP "Listening" line and "node &lt;name&gt; ready". Default 30 s.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Start with <c>suspend=y</c>: the JVM waits for a debugger before running <c>main</c>, so start-up only
    /// waits for the JDWP "Listening" line (not for "ready").
    /// </summary>
    public bool Suspend { get; init; }

    /// <summary>Extra JVM options, placed before <c>-cp</c>.</summary>
    public IReadOnlyList<string> ExtraJvmArgs { get; init; } = [];

    /// <summary>Called for every output line (stderr lines are prefixed with "[stderr] "). Must be fast and thread-safe.</summary>
    public Action<NodeProcess, string>? OnOutput { get; init; }
}

/// <summary>
/// One demo node JVM (<c>fabric.demo.DemoNode</c>) started with a JDWP agent listening on 127.0.0.1.
/// Its stdin stays open for the node's lifetime: when this process dies the node sees EOF and exits.
/// </summary>
public sealed class NodeProcess : IAsyncDisposable
{
    /// <summary>How many output lines <see cref="RecentOutput"/> keeps.</summary>
    public const int MaxRecentLines = 200;

    private readonly Process _process;
    private readonly NodeStartOptions _options;
    private readonly Queue<string> _recent = new();
    private readonly object _recentGate = new();
    private readonly SemaphoreSlim _stdinGate = new(1, 1);
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _stdoutPump;
    private readonly Task _stderrPump;
    private int _disposed;

    private NodeProcess(Process process, string name, int jdwpPort, int appPort, IReadOnlyList<string> peers, string commandLine, NodeStartOptions options)
    {
        _process = process;
        _options = options;
        Name = name;
        JdwpPort = jdwpPort;
        AppPort = appPort;
        Peers = peers;
        CommandLine = commandLine;
        ProcessId = process.Id;
        _stdoutPump = PumpAsync(process.StandardOutput, prefix: "");
        _stderrPump = PumpAsync(process.StandardError, prefix: "[stderr] ");
    }

    /// <summary>The node name (<c>--name</c>), e.g. <c>node-a</c>.</summary>
    public string Name { get; }

    /// <summary>The JDWP port on 127.0.0.1 a debugger (or the gateway) attaches to.</summary>
    public int JdwpPort { get; }

    /// <summary>The node's peer-server port on 127.0.0.1 (<c>--port</c>).</summary>
    public int AppPort { get; }

    /// <summary>The peers (<c>host:port</c>) this node forwards orders to.</summary>
    public IReadOnlyList<string> Peers { get; }

    /// <summary>The OS process id of the JVM.</summary>
    public int ProcessId { get; }

    /// <summary>The command line, for diagnostics.</summary>
    public string CommandLine { get; }

    /// <summary>True once the JVM has exited.</summary>
    public bool HasExited
    {
        get
        {
            try
            {
                return _process.HasExited;
            }
            catch (InvalidOperationException)
            {
                return true;
            }
        }
    }

    /// <summary>The JVM's exit code, or null while it runs.</summary>
    public int? ExitCode
    {
        get
        {
            try
            {
                return _process.HasExited ? _process.ExitCode : null;
            }
            catch (InvalidOperationException)
            {
                return null; // Disposed.
            }
        }
    }

    /// <summary>The last <see cref="MaxRecentLines"/> output lines (stderr lines prefixed with "[stderr] ").</summary>
    public IReadOnlyList<string> RecentOutput
    {
        get
        {
            lock (_recentGate)
            {
                return _recent.ToArray();
            }
        }
    }

    /// <summary><see cref="RecentOutput"/> joined with newlines.</summary>
    public string RecentOutputText => string.Join('\n', RecentOutput);

    /// <summary>Raised for every output line (after it is added to <see cref="RecentOutput"/>).</summary>
    public event Action<string>? OutputLine;

    /// <summary>
    /// Starts <c>java -agentlib:jdwp=transport=dt_socket,server=y,suspend=n,address=127.0.0.1:&lt;jdwpPort&gt;
    /// -cp &lt;classesDir&gt; fabric.demo.DemoNode --name &lt;name&gt; --port &lt;appPort&gt; [--peers p1,p2]</c>
    /// and waits until the JDWP agent listens and the node printed <c>node &lt;name&gt; ready</c>.
    /// </summary>
    /// <exception cref="NodeStartException">The JVM exited or did not get ready in time (it is killed); the message holds its output.</exception>
    public static async Task<NodeProcess> StartAsync(
        JavaToolchain java,
        string classesDir,
        string name,
        int jdwpPort,
        int appPort,
        IEnumerable<string>? peers = null,
        NodeStartOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        options ??= new NodeStartOptions();
        var peerList = (peers ?? []).ToList();

        var startInfo = new ProcessStartInfo(java.JavaPath)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        var suspend = options.Suspend ? "y" : "n";
        startInfo.ArgumentList.Add($"-agentlib:jdwp=transport=dt_socket,server=y,suspend={suspend},address=127.0.0.1:{jdwpPort}");
        foreach (var arg in options.ExtraJvmArgs)
        {
            startInfo.ArgumentList.Add(arg);
        }

        startInfo.ArgumentList.Add("-cp");
        startInfo.ArgumentList.Add(classesDir);
        startInfo.ArgumentList.Add(DemoAppBuilder.MainClass);
        startInfo.ArgumentList.Add("--name");
        startInfo.ArgumentList.Add(name);
        startInfo.ArgumentList.Add("--port");
        startInfo.ArgumentList.Add(appPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (peerList.Count > 0)
        {
            startInfo.ArgumentList.Add("--peers");
            startInfo.ArgumentList.Add(string.Join(',', peerList));
        }

        var commandLine = java.JavaPath + " " + string.Join(' ', startInfo.ArgumentList);
        var process = Process.Start(startInfo)
            ?? throw new NodeStartException(name, $"Cannot start {java.JavaPath}.", "");
        var node = new NodeProcess(process, name, jdwpPort, appPort, peerList, commandLine, options);

        try
        {
            await node.WaitUntilStartedAsync(cancellationToken).ConfigureAwait(false);
            return node;
        }
        catch
        {
            await node.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Writes one line to the node's stdin (its "control" thread): <c>late</c> or <c>exit</c>.</summary>
    public async Task SendControlAsync(string line, CancellationToken cancellationToken = default)
    {
        await _stdinGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _process.StandardInput.WriteAsync((line + "\n").AsMemory(), cancellationToken).ConfigureAwait(false);
            await _process.StandardInput.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _stdinGate.Release();
        }
    }

    /// <summary>
    /// Waits until an output line containing <paramref name="text"/> appears (lines already in
    /// <see cref="RecentOutput"/> count). Throws <see cref="TimeoutException"/> with the recent output.
    /// </summary>
    public async Task<string> WaitForOutputAsync(string text, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var found = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        void Handler(string line)
        {
            if (line.Contains(text, StringComparison.Ordinal))
            {
                found.TrySetResult(line);
            }
        }

        OutputLine += Handler;
        try
        {
            var existing = RecentOutput.FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal));
            if (existing is not null)
            {
                return existing;
            }

            return await found.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException(
                $"Node {Name} printed no line containing '{text}' within {timeout.TotalSeconds:0} s. Recent output:\n{RecentOutputText}");
        }
        finally
        {
            OutputLine -= Handler;
        }
    }

    /// <summary>Kills the JVM (and any children) immediately. Does not wait; see <see cref="DisposeAsync"/>.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // Raced with exit.
        }
    }

    /// <summary>Waits for the JVM to exit (e.g. after <c>SendControlAsync("exit")</c>).</summary>
    public Task WaitForExitAsync(CancellationToken cancellationToken = default) =>
        _process.WaitForExitAsync(cancellationToken);

    /// <summary>Kills the JVM's process tree and waits (up to 10 s) for it to exit.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Kill();
        try
        {
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            await Task.WhenAll(_stdoutPump, _stderrPump).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Nothing more we can do; the orphan guard (stdin EOF) is the last line of defence.
        }

        try
        {
            _process.StandardInput.Dispose();
        }
        catch (IOException)
        {
            // Broken pipe: the JVM is gone.
        }

        _process.Dispose();
        _stdinGate.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name} (pid {ProcessId}, jdwp {JdwpPort}, app {AppPort})";

    private async Task WaitUntilStartedAsync(CancellationToken cancellationToken)
    {
        var exited = _process.WaitForExitAsync(cancellationToken);
        var wanted = _options.Suspend ? _listening.Task : Task.WhenAll(_listening.Task, _ready.Task);
        var timeout = Task.Delay(_options.StartTimeout, cancellationToken);
        var first = await Task.WhenAny(wanted, exited, timeout).ConfigureAwait(false);
        if (first == wanted)
        {
            return;
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (first == exited)
        {
            // Let the pumps drain so the error message is complete.
            await Task.WhenAll(_stdoutPump, _stderrPump).WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None)
                .ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            throw new NodeStartException(Name, $"Node {Name} exited with code {_process.ExitCode} during start-up.\nCommand: {CommandLine}", RecentOutputText);
        }

        var missing = new List<string>();
        if (!_listening.Task.IsCompleted)
        {
            missing.Add($"'Listening for transport dt_socket at address: {JdwpPort}'");
        }

        if (!_options.Suspend && !_ready.Task.IsCompleted)
        {
            missing.Add($"'node {Name} ready'");
        }

        throw new NodeStartException(
            Name,
            $"Node {Name} did not print {string.Join(" and ", missing)} within {_options.StartTimeout.TotalSeconds:0} s.\nCommand: {CommandLine}",
            RecentOutputText);
    }

    private async Task PumpAsync(StreamReader reader, string prefix)
    {
        try
        {
            while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                OnLine(prefix + line);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The process went away.
        }
    }

    private void OnLine(string line)
    {
        lock (_recentGate)
        {
            _recent.Enqueue(line);
            while (_recent.Count > MaxRecentLines)
            {
                _recent.Dequeue();
            }
        }

        if (line.StartsWith("Listening for transport dt_socket at address:", StringComparison.Ordinal))
        {
            _listening.TrySetResult();
        }
        else if (line == $"node {Name} ready")
        {
            _ready.TrySetResult();
        }

        try
        {
            _options.OnOutput?.Invoke(this, line);
            OutputLine?.Invoke(line);
        }
        catch (Exception)
        {
            // An observer's bug must not stop the pump (a full pipe would block the JVM).
        }
    }
}

/// <summary>A demo node failed to start. <see cref="Output"/> holds what it printed.</summary>
public sealed class NodeStartException : Exception
{
    /// <summary>Creates the exception; the message includes the output.</summary>
    public NodeStartException(string nodeName, string message, string output)
        : base(output.Length == 0 ? message : message + "\nOutput:\n" + output)
    {
        NodeName = nodeName;
        Output = output;
    }

    /// <summary>The node that failed.</summary>
    public string NodeName { get; }

    /// <summary>The node's recent output.</summary>
    public string Output { get; }
}
