using System.Diagnostics;
using System.Text;

namespace JdwpGateway.EndToEnd.Benchmarks;

/// <summary>
/// A process the benchmark started: its output lines are kept (the last few hundred) and can be waited for, its stdin
/// stays open (the Java programs exit when it closes), and disposing kills it.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private const int KeptLines = 300;

    private readonly Process _process;
    private readonly Queue<string> _recent = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Found)> _waiters = [];
    private readonly Task _stdout;
    private readonly Task _stderr;
    private Action<string>? _onLine;

    private ChildProcess(Process process, string name, Action<string>? onLine)
    {
        _process = process;
        Name = name;
        _onLine = onLine;
        _stdout = PumpAsync(process.StandardOutput);
        _stderr = PumpAsync(process.StandardError);
    }

    /// <summary>Name for messages.</summary>
    public string Name { get; }

    /// <summary>The OS process id.</summary>
    public int Id => _process.Id;

    /// <summary>True once the process has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>The process's stdin.</summary>
    public StreamWriter Input => _process.StandardInput;

    /// <summary>The last lines of output (stdout and stderr interleaved).</summary>
    public string RecentOutput
    {
        get
        {
            lock (_recent)
            {
                return string.Join('\n', _recent);
            }
        }
    }

    /// <summary>Starts <paramref name="file"/> with <paramref name="arguments"/>; <paramref name="onLine"/> sees every line.</summary>
    public static ChildProcess Start(string name, string file, IEnumerable<string> arguments, Action<string>? onLine = null)
    {
        var startInfo = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"Cannot start {file}.");
        return new ChildProcess(process, name, onLine);
    }

    /// <summary>Waits for an output line matching <paramref name="match"/>; fails with the output if the process exits first.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout, string what)
    {
        var found = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_recent)
        {
            var seen = _recent.FirstOrDefault(match);
            if (seen is not null)
            {
                return seen;
            }

            _waiters.Add((match, found));
        }

        var exited = _process.WaitForExitAsync();
        var first = await Task.WhenAny(found.Task, exited, Task.Delay(timeout)).ConfigureAwait(false);
        if (first == found.Task)
        {
            return await found.Task.ConfigureAwait(false);
        }

        if (first == exited)
        {
            await Task.WhenAny(Task.WhenAll(_stdout, _stderr), Task.Delay(2000)).ConfigureAwait(false);
        }

        var why = first == exited ? $"exited with code {_process.ExitCode}" : $"printed nothing like it within {timeout.TotalSeconds:0} s";
        throw new InvalidOperationException($"{Name} {why} while waiting for {what}. Output:\n{RecentOutput}");
    }

    /// <summary>Waits for the process to exit by itself.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        await _process.WaitForExitAsync().WaitAsync(timeout).ConfigureAwait(false);
        await Task.WhenAny(Task.WhenAll(_stdout, _stderr), Task.Delay(5000)).ConfigureAwait(false);
        return _process.ExitCode;
    }

    /// <summary>Kills the process (and its children) and waits for it.</summary>
    public async ValueTask DisposeAsync()
    {
        _onLine = null;
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or System.ComponentModel.Win32Exception)
        {
            // Gone already, or will be reaped by the OS: nothing more to do here.
        }

        _process.Dispose();
    }

    private async Task PumpAsync(StreamReader reader)
    {
        try
        {
            while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                OnLine(line);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The process went away.
        }
    }

    private void OnLine(string line)
    {
        lock (_recent)
        {
            _recent.Enqueue(line);
            while (_recent.Count > KeptLines)
            {
                _recent.Dequeue();
            }

            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(line))
                {
                    _waiters[i].Found.TrySetResult(line);
                    _waiters.RemoveAt(i);
                }
            }
        }

        _onLine?.Invoke(line);
    }
}
