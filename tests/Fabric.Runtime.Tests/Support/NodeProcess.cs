using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Fabric.Runtime.Tests.Support;

/// <summary>A node JVM started by <see cref="NodeLauncher"/>, its output collected line by line.</summary>
public sealed class NodeProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _stdout = [];
    private readonly List<string> _stderr = [];
    private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private NodeProcess(Process process)
    {
        _process = process;
    }

    public static NodeProcess Start(NodeLaunchOptions options)
    {
        var psi = NodeLauncher.CreateStartInfo(options);
        var process = new Process { StartInfo = psi };
        var node = new NodeProcess(process);
        process.OutputDataReceived += (_, e) => node.Add(node._stdout, e.Data, node._stdoutClosed);
        process.ErrorDataReceived += (_, e) => node.Add(node._stderr, e.Data, node._stderrClosed);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return node;
    }

    public IReadOnlyList<string> Arguments => _process.StartInfo.ArgumentList.ToList();

    public int Pid => _process.Id;

    private void Add(List<string> lines, string? line, TaskCompletionSource closed)
    {
        if (line is null)
        {
            closed.TrySetResult();
            return;
        }

        lock (lines)
        {
            lines.Add(line);
        }
    }

    public string Stdout
    {
        get
        {
            lock (_stdout)
            {
                return string.Join('\n', _stdout);
            }
        }
    }

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return string.Join('\n', _stderr);
            }
        }
    }

    public string Output => $"--- stdout\n{Stdout}\n--- stderr\n{Stderr}";

    /// <summary>Waits for the JVM to exit and for its output to be read to the end.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            await Task.WhenAll(_stdoutClosed.Task, _stderrClosed.Task).WaitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
            Assert.Fail($"the node did not exit within {timeout ?? TimeSpan.FromSeconds(60)}\n{Output}");
        }

        return _process.ExitCode;
    }

    /// <summary>The first match of <paramref name="pattern"/> in stdout (or stderr), waiting for it to appear.</summary>
    public async Task<Match> WaitForAsync(string pattern, bool stderr = false, TimeSpan? timeout = null)
    {
        var regex = new Regex(pattern, RegexOptions.Multiline);
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var m = regex.Match(stderr ? Stderr : Stdout);
            if (m.Success)
            {
                return m;
            }

            if (_process.HasExited && _stdoutClosed.Task.IsCompleted && _stderrClosed.Task.IsCompleted)
            {
                Assert.Fail($"the node exited ({_process.ExitCode}) without printing /{pattern}/\n{Output}");
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"no /{pattern}/ within the time limit\n{Output}");
            }

            await Task.Delay(25);
        }
    }

    /// <summary>The port of the node's HTTP endpoint, once it says it listens.</summary>
    public async Task<int> HttpPortAsync() =>
        int.Parse((await WaitForAsync(@"fabric-node: http 127\.0\.0\.1:(\d+)", stderr: true)).Groups[1].Value,
            System.Globalization.CultureInfo.InvariantCulture);

    public async Task SendLineAsync(string line)
    {
        await _process.StandardInput.WriteLineAsync(line);
        await _process.StandardInput.FlushAsync();
    }

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
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}
