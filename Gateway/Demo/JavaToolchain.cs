using System.Diagnostics;
using System.Text.RegularExpressions;

namespace JdwpGateway.Demo;

/// <summary>
/// A JDK installation: paths of <c>java</c>, <c>javac</c> and <c>jdb</c> plus its version.
/// Use <see cref="Find"/> for the default JDK and <see cref="FindAll"/> to enumerate the JDKs under <c>/usr/lib/jvm</c>.
/// </summary>
public sealed partial class JavaToolchain
{
    /// <summary>The JDK that is used when <c>JAVA_HOME</c> is not set.</summary>
    public const string DefaultJavaHome = "/usr/lib/jvm/java-17-openjdk-amd64";

    /// <summary>Where <see cref="FindAll"/> looks for JDKs.</summary>
    public const string JvmRoot = "/usr/lib/jvm";

    private JavaToolchain(string javaHome, string version)
    {
        JavaHome = javaHome;
        Version = version;
        MajorVersion = ParseMajorVersion(version);
        JavaPath = Tool(javaHome, "java");
        JavacPath = Tool(javaHome, "javac");
        JdbPath = Tool(javaHome, "jdb");
    }

    /// <summary>The JDK's home directory (symbolic links resolved).</summary>
    public string JavaHome { get; }

    /// <summary>Full path of <c>bin/java</c>.</summary>
    public string JavaPath { get; }

    /// <summary>Full path of <c>bin/javac</c>.</summary>
    public string JavacPath { get; }

    /// <summary>Full path of <c>bin/jdb</c>.</summary>
    public string JdbPath { get; }

    /// <summary>The full version string, for example <c>17.0.21.1</c> or <c>25.0.3</c>.</summary>
    public string Version { get; }

    /// <summary>The feature (major) version, for example 17 or 25 (8 for <c>1.8.0_x</c>).</summary>
    public int MajorVersion { get; }

    /// <inheritdoc />
    public override string ToString() => $"JDK {Version} at {JavaHome}";

    /// <summary>
    /// Finds the default JDK: <c>JAVA_HOME</c> if it is set and holds a JDK, else
    /// <see cref="DefaultJavaHome"/>, else <c>java</c> on <c>PATH</c> (resolved with <c>readlink -f</c>).
    /// </summary>
    /// <exception cref="InvalidOperationException">No JDK was found; the message says how to install one.</exception>
    public static JavaToolchain Find()
    {
        var tried = new List<string>();

        var javaHome = Environment.GetEnvironmentVariable("JAVA_HOME");
        if (!string.IsNullOrWhiteSpace(javaHome))
        {
            if (IsJdk(javaHome))
            {
                return FromHome(javaHome);
            }

            tried.Add($"JAVA_HOME={javaHome} (no bin/java, bin/javac and bin/jdb there)");
        }

        if (IsJdk(DefaultJavaHome))
        {
            return FromHome(DefaultJavaHome);
        }

        tried.Add(DefaultJavaHome + " (not a JDK)");

        var onPath = FindOnPath("java");
        if (onPath is not null)
        {
            var resolved = ResolveLinks(onPath);
            var home = Path.GetDirectoryName(Path.GetDirectoryName(resolved));
            if (home is not null && IsJdk(home))
            {
                return FromHome(home);
            }

            tried.Add($"java on PATH: {onPath} -> {resolved} (not inside a JDK with javac and jdb)");
        }
        else
        {
            tried.Add("java on PATH (not found)");
        }

        throw new InvalidOperationException(
            "No JDK found (tried: " + string.Join("; ", tried) + "). " +
            "Install one, e.g. `apt-get install openjdk-17-jdk-headless`, or set JAVA_HOME to a JDK directory.");
    }

    /// <summary>Like <see cref="Find"/> but returns null instead of throwing.</summary>
    public static JavaToolchain? TryFind()
    {
        try
        {
            return Find();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>Creates a toolchain for the JDK in <paramref name="javaHome"/>.</summary>
    /// <exception cref="InvalidOperationException">The directory does not hold a JDK.</exception>
    public static JavaToolchain FromHome(string javaHome)
    {
        var home = ResolveLinks(Path.GetFullPath(javaHome));
        if (!IsJdk(home))
        {
            throw new InvalidOperationException(
                $"{javaHome} is not a JDK (need bin/java, bin/javac and bin/jdb). Install one, e.g. `apt-get install openjdk-17-jdk-headless`.");
        }

        var version = ReadReleaseVersion(home) ?? RunJavaVersion(Tool(home, "java"));
        return new JavaToolchain(home, version);
    }

    /// <summary>
    /// Lists the distinct JDKs directly under <paramref name="root"/> (default <c>/usr/lib/jvm</c>),
    /// symbolic-link aliases removed, ordered by major version then home path.
    /// </summary>
    public static IReadOnlyList<JavaToolchain> FindAll(string root = JvmRoot)
    {
        var result = new List<JavaToolchain>();
        if (!Directory.Exists(root))
        {
            return result;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var dir in Directory.EnumerateDirectories(root).Order(StringComparer.Ordinal))
        {
            string home;
            try
            {
                home = ResolveLinks(dir);
            }
            catch (IOException)
            {
                continue;
            }

            if (!IsJdk(home) || !seen.Add(home))
            {
                continue;
            }

            try
            {
                result.Add(FromHome(home));
            }
            catch (Exception e) when (e is InvalidOperationException or IOException or FormatException)
            {
                // A broken installation is not worth failing the whole listing for.
            }
        }

        return result.OrderBy(t => t.MajorVersion).ThenBy(t => t.JavaHome, StringComparer.Ordinal).ToList();
    }

    /// <summary>The first JDK under <c>/usr/lib/jvm</c> with the given major version, or null.</summary>
    public static JavaToolchain? FindVersion(int majorVersion, string root = JvmRoot) =>
        FindAll(root).FirstOrDefault(t => t.MajorVersion == majorVersion);

    /// <summary>True if <paramref name="home"/> contains <c>bin/java</c>, <c>bin/javac</c> and <c>bin/jdb</c>.</summary>
    public static bool IsJdk(string home) =>
        File.Exists(Tool(home, "java")) && File.Exists(Tool(home, "javac")) && File.Exists(Tool(home, "jdb"));

    /// <summary>Parses a Java version string ("17.0.21.1", "25", "1.8.0_412", "21-ea") into its feature version.</summary>
    public static int ParseMajorVersion(string version)
    {
        var match = LeadingNumbers().Match(version);
        if (!match.Success)
        {
            throw new FormatException($"Cannot parse Java version '{version}'.");
        }

        var first = int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        if (first == 1 && match.Groups[2].Success)
        {
            return int.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
        }

        return first;
    }

    private static string Tool(string home, string name) =>
        Path.Combine(home, "bin", OperatingSystem.IsWindows() ? name + ".exe" : name);

    private static string? ReadReleaseVersion(string home)
    {
        var release = Path.Combine(home, "release");
        if (!File.Exists(release))
        {
            return null;
        }

        foreach (var line in File.ReadLines(release))
        {
            var match = ReleaseJavaVersion().Match(line);
            if (match.Success)
            {
                return match.Groups[1].Value;
            }
        }

        return null;
    }

    private static string RunJavaVersion(string java)
    {
        var output = RunAndCapture(java, ["-version"], TimeSpan.FromSeconds(30));
        var match = JavaVersionOutput().Match(output);
        if (!match.Success)
        {
            throw new InvalidOperationException($"Cannot find a version in the output of `{java} -version`:\n{output}");
        }

        return match.Groups[1].Value;
    }

    private static string? FindOnPath(string name)
    {
        var path = Environment.GetEnvironmentVariable("PATH");
        if (string.IsNullOrEmpty(path))
        {
            return null;
        }

        var fileName = OperatingSystem.IsWindows() ? name + ".exe" : name;
        foreach (var dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, fileName);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Resolves every symbolic link in <paramref name="path"/>, like <c>readlink -f</c>.</summary>
    internal static string ResolveLinks(string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            try
            {
                var output = RunAndCapture("readlink", ["-f", path], TimeSpan.FromSeconds(10), stderrToo: false).Trim();
                if (output.Length > 0)
                {
                    return output;
                }
            }
            catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // No readlink: fall back to .NET's resolution below.
            }
        }

        FileSystemInfo info = Directory.Exists(path) ? new DirectoryInfo(path) : new FileInfo(path);
        return info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? info.FullName;
    }

    private static string RunAndCapture(string fileName, IEnumerable<string> arguments, TimeSpan timeout, bool stderrToo = true)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = Process.Start(startInfo)
            ?? throw new InvalidOperationException($"Cannot start {fileName}.");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{fileName} did not finish within {timeout.TotalSeconds:0} s.");
        }

        Task.WaitAll(stdout, stderr);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{fileName} exited with code {process.ExitCode}: {stderr.Result}{stdout.Result}");
        }

        return stderrToo ? stderr.Result + stdout.Result : stdout.Result;
    }

    [GeneratedRegex(@"^(\d+)(?:\.(\d+))?")]
    private static partial Regex LeadingNumbers();

    [GeneratedRegex(@"^JAVA_VERSION=""?([^""\s]+)""?\s*$")]
    private static partial Regex ReleaseJavaVersion();

    [GeneratedRegex(@"version ""([^""]+)""")]
    private static partial Regex JavaVersionOutput();
}
