using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace JdwpGateway.Demo;

/// <summary>
/// A long-running child process of the fabric demo (a registry, a <c>fabric run</c> node): its output lines are kept
/// (the last <see cref="MaxRecentLines"/>) and can be waited for; its stdin stays open, so a child that watches its
/// stdin (a demo node) ends when this process dies. Disposing stops the whole process tree.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    /// <summary>How many output lines <see cref="RecentOutput"/> keeps.</summary>
    public const int MaxRecentLines = 300;

    private readonly Process _process;
    private readonly Queue<string> _recent = new();
    private readonly object _gate = new();
    private readonly Task _stdoutPump;
    private readonly Task _stderrPump;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _disposed;

    private ChildProcess(Process process, string name, string commandLine)
    {
        _process = process;
        Name = name;
        CommandLine = commandLine;
        ProcessId = process.Id;
        _stdoutPump = PumpAsync(process.StandardOutput, "");
        _stderrPump = PumpAsync(process.StandardError, "[stderr] ");
    }

    /// <summary>What the demo calls this process (e.g. <c>registry</c>, <c>node-a</c>).</summary>
    public string Name { get; }

    /// <summary>The command line as a shell would read it.</summary>
    public string CommandLine { get; }

    /// <summary>The OS process id.</summary>
    public int ProcessId { get; }

    /// <summary>True once the process has exited.</summary>
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

    /// <summary>The last output lines, stderr lines prefixed with "[stderr] ".</summary>
    public string RecentOutput
    {
        get
        {
            lock (_gate)
            {
                return string.Join('\n', _recent);
            }
        }
    }

    /// <summary>Starts <paramref name="startInfo"/> with stdin, stdout and stderr redirected.</summary>
    public static ChildProcess Start(string name, ProcessStartInfo startInfo)
    {
        startInfo.RedirectStandardInput = true;
        startInfo.RedirectStandardOutput = true;
        startInfo.RedirectStandardError = true;
        startInfo.UseShellExecute = false;
        startInfo.StandardOutputEncoding = Encoding.UTF8;
        startInfo.StandardErrorEncoding = Encoding.UTF8;
        var commandLine = ShellWords.Join([startInfo.FileName, .. startInfo.ArgumentList]);
        var process = Process.Start(startInfo) ?? throw new DemoBuildException($"Cannot start {commandLine}");
        return new ChildProcess(process, name, commandLine);
    }

    /// <summary>
    /// Waits for an output line matching <paramref name="pattern"/> (lines already kept count) and returns its match.
    /// </summary>
    /// <exception cref="DemoBuildException">The process exited first, or nothing matched in time; the message holds its output.</exception>
    public async Task<Match> WaitForLineAsync(Regex pattern, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                foreach (var line in _recent)
                {
                    if (pattern.Match(line) is { Success: true } match)
                    {
                        return match;
                    }
                }

                changed = _changed.Task;
            }

            if (_stdoutPump.IsCompleted && _stderrPump.IsCompleted)
            {
                throw Failure($"{Name} exited (code {ExitCodeText()}) before printing /{pattern}/");
            }

            var remaining = timeout - deadline.Elapsed;
            if (remaining <= TimeSpan.Zero)
            {
                throw Failure($"{Name} did not print /{pattern}/ within {timeout.TotalSeconds:0} s");
            }

            try
            {
                await changed.WaitAsync(remaining, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Checked at the top of the loop, with the last lines in the message.
            }
        }
    }

    /// <summary>Waits for the process to exit; returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await _process.WaitForExitAsync(cancellationToken).WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw Failure($"{Name} did not finish within {timeout.TotalSeconds:0} s");
        }

        try
        {
            await Task.WhenAll(_stdoutPump, _stderrPump).WaitAsync(TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // A child of the process still holds its output open; what was read so far is kept.
        }

        return _process.ExitCode;
    }

    /// <summary>A <see cref="DemoBuildException"/> with <paramref name="problem"/>, the command line and the recent output.</summary>
    public DemoBuildException Failure(string problem) =>
        new($"{problem}.\nCommand: {CommandLine}\nOutput:\n{RecentOutput}");

    /// <summary>
    /// Stops the process: writes <paramref name="stopLine"/> to its stdin (when given) and waits up to
    /// <paramref name="grace"/> for it to exit on its own, then kills its whole tree.
    /// </summary>
    public async Task StopAsync(string? stopLine, TimeSpan grace)
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (stopLine is not null && !HasExited)
        {
            try
            {
                await _process.StandardInput.WriteAsync(stopLine + "\n").ConfigureAwait(false);
                await _process.StandardInput.FlushAsync().ConfigureAwait(false);
                await _process.WaitForExitAsync().WaitAsync(grace).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or TimeoutException or ObjectDisposedException)
            {
                // Its stdin is closed or it ignored the request: it is killed below.
            }
        }

        try
        {
            // Children first: a JVM started by 'fabric run' must not outlive it.
            _process.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Already gone.
        }

        try
        {
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            await Task.WhenAll(_stdoutPump, _stderrPump).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Nothing more to do; a node still ends when it sees its stdin close.
        }

        try
        {
            _process.StandardInput.Dispose();
        }
        catch (IOException)
        {
            // Broken pipe: the process is gone.
        }
    }

    /// <summary>Kills the process tree (no grace period) and releases the handle.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync(null, TimeSpan.Zero).ConfigureAwait(false);
        _process.Dispose();
    }

    private string ExitCodeText()
    {
        try
        {
            return _process.HasExited ? _process.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture) : "?";
        }
        catch (InvalidOperationException)
        {
            return "?";
        }
    }

    private async Task PumpAsync(StreamReader reader, string prefix)
    {
        try
        {
            while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                Add(prefix + line);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The process went away.
        }
        finally
        {
            Add(null);
        }
    }

    private void Add(string? line)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            if (line is not null)
            {
                _recent.Enqueue(line);
                while (_recent.Count > MaxRecentLines)
                {
                    _recent.Dequeue();
                }
            }

            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }
}
