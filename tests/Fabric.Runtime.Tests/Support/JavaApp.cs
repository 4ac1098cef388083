using System.Diagnostics;

namespace Fabric.Runtime.Tests.Support;

/// <summary>Java sources compiled by the test with the JDK's javac into a class directory, plus resources.</summary>
public static class JavaApp
{
    /// <summary>Compiles <paramref name="sources"/> (path → text, e.g. <c>com/app/Main.java</c>) and copies
    /// <paramref name="resources"/> (path → text) beside the classes; returns the directory.</summary>
    public static string Build(string root, IReadOnlyDictionary<string, string> sources, IReadOnlyDictionary<string, string>? resources = null)
    {
        var src = Path.Combine(root, "src");
        var classes = Path.Combine(root, "classes");
        Directory.CreateDirectory(classes);
        var files = new List<string>();
        foreach (var (path, text) in sources)
        {
            var file = Path.Combine(src, path);
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.WriteAllText(file, text);
            files.Add(file);
        }

        var javac = Path.Combine(Path.GetDirectoryName(JavaLocator.Find())!, "javac");
        Assert.True(File.Exists(javac), $"javac is missing next to {JavaLocator.Find()}: the tests need a JDK (scripts/prerequisites.sh installs one)");
        var psi = new ProcessStartInfo(javac) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "--release", "17", "-g", "-d", classes })
        {
            psi.ArgumentList.Add(a);
        }

        files.ForEach(psi.ArgumentList.Add);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"javac failed: {err.Result}{output}");
        foreach (var (path, text) in resources ?? new Dictionary<string, string>())
        {
            var file = Path.Combine(classes, path);
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.WriteAllText(file, text);
        }

        return classes;
    }
}
