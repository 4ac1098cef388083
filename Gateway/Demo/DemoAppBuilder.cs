using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace JdwpGateway.Demo;

/// <summary>
/// Compiles the demo cluster's Java sources (<c>demo/cluster/src</c>) with <c>javac -g</c> into a cache
/// directory and returns the classes directory. Compilation is skipped while a stamp file holding a
/// SHA-256 over the sources (relative paths + contents) and the javac version is up to date.
/// </summary>
public sealed class DemoAppBuilder
{
    /// <summary>The solution file that marks the repository root.</summary>
    public const string SolutionFileName = "JdwpGateway.sln";

    /// <summary>The demo sources, relative to the repository root.</summary>
    public static readonly string RelativeSourceDir = Path.Combine("demo", "cluster", "src");

    /// <summary>The main class of a demo node.</summary>
    public const string MainClass = "fabric.demo.DemoNode";

    private const string StampFileName = "sources.sha256";
    private static readonly SemaphoreSlim InProcessLock = new(1, 1);

    /// <summary>Creates a builder.</summary>
    /// <param name="toolchain">The JDK whose javac compiles the sources.</param>
    /// <param name="sourceDir">The source root (the directory holding <c>fabric/demo/*.java</c>); default: found from the repository.</param>
    /// <param name="cacheRoot">Where compiled classes go; default <c>&lt;repo&gt;/artifacts/demo-classes</c>, or a temp directory if that is not writable.</param>
    public DemoAppBuilder(JavaToolchain toolchain, string? sourceDir = null, string? cacheRoot = null)
    {
        Toolchain = toolchain;
        SourceDir = Path.GetFullPath(sourceDir ?? FindSourceDir());
        if (!Directory.Exists(SourceDir))
        {
            throw new DirectoryNotFoundException($"Demo sources not found: {SourceDir}");
        }

        CacheRoot = cacheRoot is null ? DefaultCacheRoot(SourceDir) : Path.GetFullPath(cacheRoot);
    }

    /// <summary>The JDK used to compile.</summary>
    public JavaToolchain Toolchain { get; }

    /// <summary>The Java source root.</summary>
    public string SourceDir { get; }

    /// <summary>The cache root; classes go to <c>&lt;CacheRoot&gt;/jdk&lt;major&gt;/classes</c>.</summary>
    public string CacheRoot { get; }

    /// <summary>The directory the classes are compiled into.</summary>
    public string ClassesDir => Path.Combine(CacheRoot, "jdk" + Toolchain.MajorVersion, "classes");

    /// <summary>Convenience: finds the default JDK and sources and builds them. Returns the classes directory.</summary>
    public static Task<string> BuildDefaultAsync(CancellationToken cancellationToken = default) =>
        new DemoAppBuilder(JavaToolchain.Find()).BuildAsync(cancellationToken);

    /// <summary>
    /// Walks up from <paramref name="start"/> (default: <see cref="AppContext.BaseDirectory"/>, then the current
    /// directory) to the first directory containing <c>JdwpGateway.sln</c>.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">No such directory.</exception>
    public static string FindRepoRoot(string? start = null)
    {
        var starts = start is not null
            ? [start]
            : new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() };
        foreach (var s in starts)
        {
            for (var dir = new DirectoryInfo(Path.GetFullPath(s)); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, SolutionFileName)))
                {
                    return dir.FullName;
                }
            }
        }

        throw new DirectoryNotFoundException(
            $"Cannot find the repository root (a directory containing {SolutionFileName}) above {string.Join(" or ", starts)}.");
    }

    /// <summary>The demo source root inside the repository found by <see cref="FindRepoRoot"/>.</summary>
    public static string FindSourceDir(string? start = null) => Path.Combine(FindRepoRoot(start), RelativeSourceDir);

    /// <summary>The demo's .java files, sorted by relative path.</summary>
    public IReadOnlyList<string> SourceFiles() =>
        Directory.EnumerateFiles(SourceDir, "*.java", SearchOption.AllDirectories)
            .OrderBy(f => Path.GetRelativePath(SourceDir, f).Replace('\\', '/'), StringComparer.Ordinal)
            .ToList();

    /// <summary>
    /// Compiles the sources unless the stamp is up to date. Safe to call concurrently (from threads and processes).
    /// </summary>
    /// <returns>The classes directory, ready for <c>-cp</c>.</returns>
    /// <exception cref="DemoBuildException">javac failed; the message holds javac's output.</exception>
    public async Task<string> BuildAsync(CancellationToken cancellationToken = default)
    {
        var sources = SourceFiles();
        if (sources.Count == 0)
        {
            throw new DemoBuildException($"No .java files under {SourceDir}.");
        }

        var hash = ComputeHash(sources);
        var jdkDir = Path.GetDirectoryName(ClassesDir)!;
        Directory.CreateDirectory(jdkDir);
        var stampPath = Path.Combine(jdkDir, StampFileName);

        await InProcessLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var fileLock = await AcquireFileLockAsync(Path.Combine(jdkDir, ".lock"), cancellationToken).ConfigureAwait(false);

            if (File.Exists(stampPath)
                && (await File.ReadAllTextAsync(stampPath, cancellationToken).ConfigureAwait(false)).Trim() == hash
                && Directory.Exists(ClassesDir))
            {
                return ClassesDir;
            }

            if (File.Exists(stampPath))
            {
                File.Delete(stampPath);
            }

            if (Directory.Exists(ClassesDir))
            {
                Directory.Delete(ClassesDir, recursive: true);
            }

            Directory.CreateDirectory(ClassesDir);
            await CompileAsync(sources, cancellationToken).ConfigureAwait(false);
            await File.WriteAllTextAsync(stampPath, hash + "\n", cancellationToken).ConfigureAwait(false);
            return ClassesDir;
        }
        finally
        {
            InProcessLock.Release();
        }
    }

    /// <summary>Synchronous <see cref="BuildAsync"/>.</summary>
    public string Build() => BuildAsync().GetAwaiter().GetResult();

    private string ComputeHash(IReadOnlyList<string> sources)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(Encoding.UTF8.GetBytes($"javac {Toolchain.Version} -g\n"));
        foreach (var file in sources)
        {
            var relative = Path.GetRelativePath(SourceDir, file).Replace('\\', '/');
            var content = File.ReadAllBytes(file);
            sha.AppendData(Encoding.UTF8.GetBytes($"{relative}\n{content.Length}\n"));
            sha.AppendData(content);
        }

        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    private async Task CompileAsync(IReadOnlyList<string> sources, CancellationToken cancellationToken)
    {
        var startInfo = new ProcessStartInfo(Toolchain.JavacPath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = SourceDir,
        };
        foreach (var argument in new[] { "-g", "-encoding", "UTF-8", "-d", ClassesDir })
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var source in sources)
        {
            startInfo.ArgumentList.Add(source);
        }

        using var process = Process.Start(startInfo)
            ?? throw new DemoBuildException($"Cannot start {Toolchain.JavacPath}.");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            cancellationToken.ThrowIfCancellationRequested();
            throw new DemoBuildException("javac did not finish within 3 minutes.");
        }

        var output = (await stderr.ConfigureAwait(false)) + (await stdout.ConfigureAwait(false));
        if (process.ExitCode != 0)
        {
            throw new DemoBuildException(
                $"javac failed with exit code {process.ExitCode} compiling {SourceDir}:\n{output}");
        }
    }

    private static async Task<FileStream> AcquireFileLockAsync(string path, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(5);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static string DefaultCacheRoot(string sourceDir)
    {
        string? repoRoot = null;
        try
        {
            repoRoot = FindRepoRoot(sourceDir);
        }
        catch (DirectoryNotFoundException)
        {
            // Sources outside the repository: use the temp directory.
        }

        if (repoRoot is not null)
        {
            var candidate = Path.Combine(repoRoot, "artifacts", "demo-classes");
            if (IsWritable(candidate))
            {
                return candidate;
            }
        }

        var suffix = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sourceDir)))[..12];
        return Path.Combine(Path.GetTempPath(), "jdwp-gateway-demo-classes-" + suffix);
    }

    private static bool IsWritable(string dir)
    {
        try
        {
            Directory.CreateDirectory(dir);
            var probe = Path.Combine(dir, $".probe-{Environment.ProcessId}-{Guid.NewGuid():N}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}

/// <summary>Compiling the demo sources failed.</summary>
public sealed class DemoBuildException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DemoBuildException(string message)
        : base(message)
    {
    }
}
