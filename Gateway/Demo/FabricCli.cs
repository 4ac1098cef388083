using System.Diagnostics;

namespace JdwpGateway.Demo;

/// <summary>
/// The <c>fabric</c> command line (project <c>Fabric.Cli</c>) as the fabric demo runs it: a built <c>fabric.dll</c>
/// (run with <c>dotnet</c>) or an executable. The gateway does not reference the fabric projects; it drives their CLI
/// as a user would.
/// </summary>
public sealed class FabricCli
{
    /// <summary>The file name of the built CLI.</summary>
    public const string DllName = "fabric.dll";

    private FabricCli(string path)
    {
        Path = path;
    }

    /// <summary>Full path of <c>fabric.dll</c> or of a <c>fabric</c> executable.</summary>
    public string Path { get; }

    /// <summary>
    /// The CLI at <paramref name="path"/> when given; else <c>fabric.dll</c> next to this program, else the newest
    /// build under <c>&lt;repo&gt;/Fabric.Cli/bin/Release</c>, then <c>bin/Debug</c>.
    /// </summary>
    /// <exception cref="FileNotFoundException">Not found; the message says where it looked and how to build it.</exception>
    public static FabricCli Find(string? path = null)
    {
        if (path is not null)
        {
            var full = System.IO.Path.GetFullPath(path);
            return File.Exists(full)
                ? new FabricCli(full)
                : throw new FileNotFoundException($"the fabric CLI {full} does not exist (build it: dotnet build Fabric.Cli -c Release)", full);
        }

        var tried = new List<string>();
        var beside = System.IO.Path.Combine(AppContext.BaseDirectory, DllName);
        tried.Add(beside);
        if (File.Exists(beside))
        {
            return new FabricCli(beside);
        }

        try
        {
            var bin = System.IO.Path.Combine(DemoAppBuilder.FindRepoRoot(), "Fabric.Cli", "bin");
            foreach (var configuration in new[] { "Release", "Debug" })
            {
                var root = System.IO.Path.Combine(bin, configuration);
                tried.Add(System.IO.Path.Combine(root, "*", DllName));
                var newest = Directory.Exists(root)
                    ? Directory.EnumerateFiles(root, DllName, SearchOption.AllDirectories).MaxBy(File.GetLastWriteTimeUtc)
                    : null;
                if (newest is not null)
                {
                    return new FabricCli(newest);
                }
            }
        }
        catch (DirectoryNotFoundException)
        {
            // Not run from the repository: only the places tried so far count.
        }

        throw new FileNotFoundException(
            $"the fabric CLI was not found (tried {string.Join(", ", tried)}); build it with 'dotnet build Fabric.Cli -c Release' or pass --fabric-cli PATH");
    }

    /// <summary>The program and arguments that run <c>fabric ARGS</c>.</summary>
    public IReadOnlyList<string> Command(IEnumerable<string> args) =>
        Path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) ? ["dotnet", Path, .. args] : [Path, .. args];

    /// <summary>A start info for <c>fabric ARGS</c>, working in <paramref name="workingDirectory"/>.</summary>
    public ProcessStartInfo StartInfo(IEnumerable<string> args, string workingDirectory)
    {
        var command = Command(args);
        var startInfo = new ProcessStartInfo(command[0]) { WorkingDirectory = workingDirectory, UseShellExecute = false };
        foreach (var arg in command.Skip(1))
        {
            startInfo.ArgumentList.Add(arg);
        }

        // Spectre.Console draws tables and colours for a terminal; the demo reads plain lines.
        startInfo.Environment["NO_COLOR"] = "1";
        return startInfo;
    }

    /// <summary>Runs <c>fabric ARGS</c> to completion and returns its output.</summary>
    /// <exception cref="DemoBuildException">It failed or took longer than <paramref name="timeout"/>; the message holds its output.</exception>
    public async Task<string> RunAsync(IEnumerable<string> args, string workingDirectory, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var list = args.ToList();
        await using var child = ChildProcess.Start("fabric " + list[0], StartInfo(list, workingDirectory));
        var code = await child.WaitForExitAsync(timeout, cancellationToken).ConfigureAwait(false);
        return code == 0 ? child.RecentOutput : throw child.Failure($"fabric {list[0]} failed with exit code {code}");
    }
}
