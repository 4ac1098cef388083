using System.Diagnostics;
using Fabric.Runtime;

namespace Fabric.Node.Bench;

/// <summary>Runs the JDK's tools and the timed JVMs.</summary>
public static class Tools
{
    /// <summary>The JVM every configuration runs on: <c>--java PATH</c>, else <see cref="JavaLocator"/>'s.</summary>
    public static string Java { get; set; } = JavaLocator.Find();

    public static string JdkTool(string name) => Path.Combine(Path.GetDirectoryName(Java)!, name);

    /// <summary>Runs to completion; throws with the output when the exit code is not 0.</summary>
    public static (TimeSpan Elapsed, string Stdout, string Stderr) Run(string exe, IEnumerable<string> args, string? workDir = null)
    {
        var (exitCode, elapsed, output, error) = Execute(exe, args, workDir);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"{exe} {string.Join(' ', args)} exited {exitCode}\n{output}\n{error}");
        }

        return (elapsed, output, error);
    }

    /// <summary>Runs to completion, whatever the exit code.</summary>
    public static (int ExitCode, string Stdout, string Stderr) TryRun(string exe, IEnumerable<string> args)
    {
        var (exitCode, _, output, error) = Execute(exe, args, null);
        return (exitCode, output, error);
    }

    private static (int ExitCode, TimeSpan Elapsed, string Stdout, string Stderr) Execute(string exe, IEnumerable<string> args, string? workDir)
    {
        var psi = new ProcessStartInfo(exe)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workDir ?? Environment.CurrentDirectory,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        var sw = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        sw.Stop();
        return (p.ExitCode, sw.Elapsed, output, err.Result);
    }
}
