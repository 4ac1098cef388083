using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;

namespace Fabric.Registry.Dependencies;

/// <summary>
/// The classes a JDK provides (every class in its <c>lib/modules</c> image), which a release may reference without
/// holding. Listed once by running <c>jimage list</c>, then cached in memory and in a file keyed by the JDK's
/// <c>release</c> file, so the same JDK build is never listed twice.
/// </summary>
public sealed class PlatformClasses
{
    private static readonly ConcurrentDictionary<string, PlatformClasses> Loaded = new(StringComparer.Ordinal);

    private readonly HashSet<string> _classes;

    private PlatformClasses(string javaHome, string key, HashSet<string> classes)
    {
        JavaHome = javaHome;
        Key = key;
        _classes = classes;
    }

    public string JavaHome { get; }

    /// <summary>First 16 hex digits of the SHA-256 of the JDK's <c>release</c> file.</summary>
    public string Key { get; }

    public int Count => _classes.Count;

    public bool Contains(string internalName) => _classes.Contains(internalName);

    /// <summary>The default file cache: <c>$XDG_CACHE_HOME/fabric/platform-classes</c> or
    /// <c>~/.cache/fabric/platform-classes</c>.</summary>
    public static string DefaultCacheDirectory =>
        Path.Combine(
            Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
                ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"),
            "fabric",
            "platform-classes");

    /// <exception cref="PlatformClassesException">The JDK has no release file or jimage, or listing fails.</exception>
    public static PlatformClasses Load(string javaHome, string? cacheDirectory = null)
    {
        var release = Path.Combine(javaHome, "release");
        if (!File.Exists(release))
        {
            throw new PlatformClassesException($"{javaHome} is not a JDK: it has no 'release' file");
        }

        var key = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(release)))[..16];
        return Loaded.GetOrAdd(key, k => LoadUncached(javaHome, k, cacheDirectory ?? DefaultCacheDirectory));
    }

    internal static PlatformClasses LoadUncached(string javaHome, string key, string cacheDirectory)
    {
        var cacheFile = Path.Combine(cacheDirectory, $"{key}.txt");
        if (File.Exists(cacheFile))
        {
            var cached = File.ReadAllLines(cacheFile);
            // The last line marks a complete write; a cut-off file is listed again.
            if (cached.Length > 0 && cached[^1] == "# end")
            {
                return new PlatformClasses(javaHome, key, new HashSet<string>(cached[..^1], StringComparer.Ordinal));
            }
        }

        var classes = ListImage(javaHome);
        try
        {
            Directory.CreateDirectory(cacheDirectory);
            var temp = $"{cacheFile}.{Environment.ProcessId}.tmp";
            File.WriteAllLines(temp, classes.Order(StringComparer.Ordinal).Append("# end"));
            File.Move(temp, cacheFile, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The cache only saves time; a read-only home must not break the check.
        }

        return new PlatformClasses(javaHome, key, classes);
    }

    private static HashSet<string> ListImage(string javaHome)
    {
        var jimage = Path.Combine(javaHome, "bin", "jimage");
        var modules = Path.Combine(javaHome, "lib", "modules");
        if (!File.Exists(jimage) || !File.Exists(modules))
        {
            throw new PlatformClassesException($"{javaHome} has no bin/jimage or lib/modules; a full JDK is needed to list platform classes");
        }

        var start = new ProcessStartInfo(jimage)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("list");
        start.ArgumentList.Add(modules);
        using var process = Process.Start(start) ?? throw new PlatformClassesException($"could not start {jimage}");
        var stderr = process.StandardError.ReadToEndAsync();
        var classes = new HashSet<string>(StringComparer.Ordinal);
        while (process.StandardOutput.ReadLine() is { } line)
        {
            // Entries are indented under "Module: name" headers.
            if (line.StartsWith("    ", StringComparison.Ordinal) && line.EndsWith(".class", StringComparison.Ordinal))
            {
                var name = line.AsSpan().Trim()[..^".class".Length];
                if (!name.EndsWith("module-info", StringComparison.Ordinal))
                {
                    classes.Add(name.ToString());
                }
            }
        }

        process.WaitForExit();
        if (process.ExitCode != 0 || classes.Count == 0)
        {
            throw new PlatformClassesException($"{jimage} list {modules} failed (exit {process.ExitCode}, {classes.Count} classes): {stderr.Result}");
        }

        return classes;
    }
}

public sealed class PlatformClassesException(string message) : Exception(message);
