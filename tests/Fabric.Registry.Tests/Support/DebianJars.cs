using System.IO.Compression;

namespace Fabric.Registry.Tests.Support;

/// <summary>Real JARs from Debian's Java packages (installed by scripts/prerequisites.sh).</summary>
public static class DebianJars
{
    public static string Require(string name)
    {
        var path = Path.Combine("/usr/share/java", name);
        return File.Exists(path)
            ? path
            : throw new InvalidOperationException($"{path} is missing; run scripts/prerequisites.sh (it installs the Debian package)");
    }

    /// <summary>An entry's bytes read with the unzip tool, independently of System.IO.Compression.</summary>
    public static byte[] Unzip(string jar, string entry)
    {
        var start = new System.Diagnostics.ProcessStartInfo("unzip") { RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add("-p");
        start.ArgumentList.Add(jar);
        start.ArgumentList.Add(entry);
        using var process = System.Diagnostics.Process.Start(start)!;
        using var bytes = new MemoryStream();
        process.StandardOutput.BaseStream.CopyTo(bytes);
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"unzip -p {jar} {entry} exited {process.ExitCode}");
        return bytes.ToArray();
    }

    public static IReadOnlyList<string> EntryNames(string jar)
    {
        using var zip = ZipFile.OpenRead(jar);
        return zip.Entries.Select(e => e.FullName).ToList();
    }
}
