using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using JdwpGateway.Demo;

namespace JdwpGateway.EndToEnd.Tests.Support;

/// <summary>
/// Drives a real <c>jdb -attach host:port</c>. jdb prints asynchronously (events arrive at any time and
/// prompts such as "> " or "worker[1] " have no newline), so a background reader appends all of stdout and
/// stderr to <see cref="Transcript"/>, and <see cref="WaitForAsync"/> matches regexes against the text after
/// a cursor that moves past every match.
/// </summary>
public sealed class JdbDriver : IAsyncDisposable
{
    /// <summary>Default wait for <see cref="WaitForAsync"/> and <see cref="ExpectAsync"/>.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    private const int TailChars = 4000;

    private readonly Process _process;
    private readonly StringBuilder _transcript = new();
    private readonly StringBuilder _annotated = new();
    private readonly object _gate = new();
    private readonly Task _stdoutPump;
    private readonly Task _stderrPump;
    private readonly string _workDir;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _cursor;
    private int _disposed;

    private JdbDriver(Process process, string workDir, string target)
    {
        _process = process;
        _workDir = workDir;
        Target = target;
        _stdoutPump = PumpAsync(process.StandardOutput);
        _stderrPump = PumpAsync(process.StandardError);
    }

    /// <summary>The attach address, e.g. <c>127.0.0.1:40123</c>.</summary>
    public string Target { get; }

    /// <summary>Everything jdb printed so far (stdout and stderr interleaved as read).</summary>
    public string Transcript
    {
        get
        {
            lock (_gate)
            {
                return _transcript.ToString();
            }
        }
    }

    /// <summary>The transcript after the cursor (what the next <see cref="WaitForAsync"/> will search).</summary>
    public string Pending
    {
        get
        {
            lock (_gate)
            {
                return _transcript.ToString(_cursor, _transcript.Length - _cursor);
            }
        }
    }

    /// <summary>True once jdb has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>
    /// Starts <c>jdb -attach host:port</c> and waits for its first prompt ("Initializing jdb ..." then "> ").
    /// jdb runs in a fresh temporary directory with <c>user.home</c> pointing there, so no <c>.jdbrc</c>/<c>jdb.ini</c> interferes.
    /// </summary>
    public static async Task<JdbDriver> AttachAsync(int port, JavaToolchain? java = null, string host = "127.0.0.1", TimeSpan? timeout = null)
    {
        java ??= JavaToolchain.Find();
        var workDir = Directory.CreateTempSubdirectory("jdb-driver-").FullName;
        var target = $"{host}:{port}";
        var startInfo = new ProcessStartInfo(java.JdbPath)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workDir,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        startInfo.ArgumentList.Add("-J-Duser.home=" + workDir);
        startInfo.ArgumentList.Add("-attach");
        startInfo.ArgumentList.Add(target);

        var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"Cannot start {java.JdbPath}.");
        var driver = new JdbDriver(process, workDir, target);
        try
        {
            await driver.WaitForAsync(@"Initializing jdb \.\.\.\s*\r?\n> ", timeout ?? DefaultTimeout).ConfigureAwait(false);
            return driver;
        }
        catch
        {
            await driver.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Writes <paramref name="command"/> and a newline to jdb's stdin.</summary>
    public async Task SendAsync(string command)
    {
        lock (_gate)
        {
            _annotated.Append(CultureInvariant($"\n<<< {command}\n"));
        }

        await _process.StandardInput.WriteAsync(command + "\n").ConfigureAwait(false);
        await _process.StandardInput.FlushAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Waits until the transcript after the cursor matches <paramref name="regex"/> (multiline mode: ^ and $ match at
    /// line boundaries), then moves the cursor past the match and returns it. <see cref="Match.Index"/> is relative
    /// to the old cursor.
    /// </summary>
    /// <exception cref="TimeoutException">No match in time, or jdb exited; the message holds the regex and the transcript's tail.</exception>
    public async Task<Match> WaitForAsync(string regex, TimeSpan? timeout = null)
    {
        var pattern = new Regex(regex, RegexOptions.Multiline);
        var limit = timeout ?? DefaultTimeout;
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            Task changed;
            bool exited;
            lock (_gate)
            {
                var pending = _transcript.ToString(_cursor, _transcript.Length - _cursor);
                var match = pattern.Match(pending);
                if (match.Success)
                {
                    _cursor += match.Index + match.Length;
                    return match;
                }

                changed = _changed.Task;
                exited = _stdoutPump.IsCompleted && _stderrPump.IsCompleted;
            }

            var remaining = limit - deadline.Elapsed;
            if (exited || remaining <= TimeSpan.Zero)
            {
                throw new TimeoutException(Describe(
                    exited ? $"jdb exited before printing /{regex}/" : $"jdb did not print /{regex}/ within {limit.TotalSeconds:0} s"));
            }

            await Task.WhenAny(changed, Task.Delay(remaining)).ConfigureAwait(false);
        }
    }

    /// <summary><see cref="SendAsync"/> then <see cref="WaitForAsync"/>.</summary>
    public async Task<Match> ExpectAsync(string command, string regex, TimeSpan? timeout = null)
    {
        await SendAsync(command).ConfigureAwait(false);
        return await WaitForAsync(regex, timeout).ConfigureAwait(false);
    }

    /// <summary>Waits for jdb to exit (e.g. after sending <c>exit</c>) and returns its exit code.</summary>
    /// <exception cref="TimeoutException">jdb still runs after <paramref name="timeout"/>; the message holds the transcript's tail.</exception>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException(Describe($"jdb did not exit within {timeout.TotalSeconds:0} s"));
        }

        await Task.WhenAll(_stdoutPump, _stderrPump).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        return _process.ExitCode;
    }

    /// <summary>Sends <c>exit</c>, waits up to 5 s for jdb to quit, then kills it.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            if (!_process.HasExited)
            {
                await SendAsync("exit").ConfigureAwait(false);
            }
        }
        catch (IOException)
        {
            // jdb already closed its stdin.
        }

        try
        {
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            try
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException or System.ComponentModel.Win32Exception)
            {
                // Best effort.
            }
        }

        try
        {
            await Task.WhenAll(_stdoutPump, _stderrPump).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Best effort.
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_workDir, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }

    /// <summary>The transcript with our commands interleaved as "&lt;&lt;&lt; command" lines (jdb does not echo input).</summary>
    public string AnnotatedTranscript
    {
        get
        {
            lock (_gate)
            {
                return _annotated.ToString();
            }
        }
    }

    /// <summary>A diagnostic message with the annotated transcript's last 4000 characters.</summary>
    public string Describe(string problem)
    {
        var text = AnnotatedTranscript;
        var tail = text.Length > TailChars ? "..." + text[^TailChars..] : text;
        return $"{problem} (jdb attached to {Target}).\n--- jdb transcript (last {TailChars} chars; '<<<' marks our input) ---\n{tail}\n--- end of transcript ---";
    }

    private static string CultureInvariant(FormattableString s) => FormattableString.Invariant(s);

    private async Task PumpAsync(StreamReader reader)
    {
        var buffer = new char[4096];
        try
        {
            int read;
            while ((read = await reader.ReadAsync(buffer.AsMemory()).ConfigureAwait(false)) > 0)
            {
                Append(buffer.AsSpan(0, read));
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // jdb went away.
        }
        finally
        {
            Append([]);
        }
    }

    private void Append(ReadOnlySpan<char> text)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            _transcript.Append(text);
            _annotated.Append(text);
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }
}
