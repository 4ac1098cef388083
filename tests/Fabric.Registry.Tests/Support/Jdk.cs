using System.Diagnostics;

namespace Fabric.Registry.Tests.Support;

/// <summary>The real JDKs the tests compile and run Java with. A missing JDK fails the test loudly.</summary>
public static class Jdk
{
    public const string Jdk17 = "/usr/lib/jvm/java-17-openjdk-amd64";
    public const string Jdk25 = "/usr/lib/jvm/temurin-25-jdk-amd64";

    public static string Home17 => Require(Jdk17);

    /// <summary>Temurin 25 when installed, JDK 17 otherwise.</summary>
    public static string Newest => File.Exists(Path.Combine(Jdk25, "bin", "javac")) ? Jdk25 : Home17;

    public static string Require(string home) =>
        File.Exists(Path.Combine(home, "bin", "javac"))
            ? home
            : throw new InvalidOperationException($"no JDK at {home} (bin/javac missing); run scripts/prerequisites.sh");

    /// <summary>Writes <paramref name="sources"/> (path relative to a source root → text) and compiles them into
    /// <paramref name="classes"/>.</summary>
    public static void Compile(string home, string work, string classes, IReadOnlyDictionary<string, string> sources, params string[] extraArgs)
    {
        var src = Path.Combine(work, "src-" + Guid.NewGuid().ToString("N")[..8]);
        var files = new List<string>();
        foreach (var (relative, text) in sources)
        {
            var file = Path.Combine(src, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.WriteAllText(file, text);
            files.Add(file);
        }

        Directory.CreateDirectory(classes);
        Run(Path.Combine(home, "bin", "javac"), ["-d", classes, .. extraArgs, .. files]);
    }

    /// <summary>Runs a program to completion and returns its standard output; a non-zero exit throws with its
    /// standard error.</summary>
    public static string Run(string program, IEnumerable<string> args, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {program}");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', start.ArgumentList)} exited {process.ExitCode}: {stderr.Result}{stdout}");
        }

        return stdout;
    }

    /// <summary>Packs a directory into a JAR with the JDK's own jar tool.</summary>
    public static void Jar(string home, string jar, string directory, string? manifest = null)
    {
        var args = new List<string> { "--create", "--file", jar };
        if (manifest is not null)
        {
            args.AddRange(["--manifest", manifest]);
        }

        args.AddRange(["-C", directory, "."]);
        Run(Path.Combine(home, "bin", "jar"), args);
    }
}
