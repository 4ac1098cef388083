using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using JdwpGateway.Demo;
using JdwpGateway.EndToEnd.Tests.Support;

namespace JdwpGateway.EndToEnd.Tests.Jdi;

/// <summary>
/// The Java JDI scenario client (<c>tests/jdi-client/src/fabric/jdiclient</c>): compiled once per JDK with javac into
/// <c>artifacts/jdi-client/jdk&lt;major&gt;/classes</c> (skipped while a stamp over the sources and the javac version
/// is current), then run against an address with OpenJDK's JDI (module jdk.jdi: IntelliJ, jdb) or Eclipse's JDI
/// (Debian's <c>libeclipse-jdt-debug-java</c> outside OSGi: Eclipse, VS Code).
/// </summary>
public sealed class JdiClient
{
    /// <summary>OpenJDK's JDI, the implementation IntelliJ and jdb use.</summary>
    public const string OpenJdk = "openjdk";

    /// <summary>Eclipse's JDI, the implementation Eclipse and VS Code's Java debugger use.</summary>
    public const string Eclipse = "eclipse";

    /// <summary>Eclipse's JDI (org.eclipse.jdi.*), from Debian's libeclipse-jdt-debug-java.</summary>
    public const string EclipseJdiJar = "/usr/share/java/eclipse-jdt-debug.jar";

    /// <summary>Eclipse's OSGi framework: JDI's message bundles need org.eclipse.osgi.util.NLS even outside OSGi.</summary>
    public const string EclipseOsgiJar = "/usr/share/java/eclipse-osgi.jar";

    /// <summary>The client's main class.</summary>
    public const string MainClass = "fabric.jdiclient.Main";

    /// <summary>The client's sources, relative to the repository root.</summary>
    public static readonly string RelativeSourceDir = Path.Combine("tests", "jdi-client", "src");

    private const string StampFileName = "sources.sha256";
    private static readonly SemaphoreSlim BuildLock = new(1, 1);

    private JdiClient(JavaToolchain java, string classesDir)
    {
        Java = java;
        ClassesDir = classesDir;
    }

    /// <summary>The JDK that compiled the client and runs it.</summary>
    public JavaToolchain Java { get; }

    /// <summary>The compiled classes.</summary>
    public string ClassesDir { get; }

    /// <summary>The source markers of the demo, passed to the client so it can check JDI's line tables against them.</summary>
    public static IReadOnlyList<string> MarkerArguments { get; } =
    [
        "--marker", $"process-entry={SourceMarkers.Line("OrderService.java", SourceMarkers.ProcessEntry)}",
        "--marker", $"process-compute={SourceMarkers.Line("OrderService.java", SourceMarkers.ProcessCompute)}",
        "--marker", $"compute-body={SourceMarkers.Line("OrderService.java", SourceMarkers.ComputeBody)}",
        "--marker", $"late={SourceMarkers.Line("LateTask.java", SourceMarkers.Late)}",
    ];

    /// <summary>Compiles the client for <paramref name="java"/> unless the cached classes are current.</summary>
    /// <exception cref="InvalidOperationException">javac failed; the message holds its output.</exception>
    public static async Task<JdiClient> BuildAsync(JavaToolchain java, CancellationToken cancellationToken = default)
    {
        var repo = DemoAppBuilder.FindRepoRoot();
        var sourceDir = Path.Combine(repo, RelativeSourceDir);
        var sources = Directory.EnumerateFiles(sourceDir, "*.java", SearchOption.AllDirectories)
            .OrderBy(f => Path.GetRelativePath(sourceDir, f).Replace('\\', '/'), StringComparer.Ordinal)
            .ToList();
        if (sources.Count == 0)
        {
            throw new InvalidOperationException($"No JDI client sources under {sourceDir}.");
        }

        var jdkDir = Path.Combine(repo, "artifacts", "jdi-client", "jdk" + java.MajorVersion.ToString(CultureInfo.InvariantCulture));
        var classesDir = Path.Combine(jdkDir, "classes");
        var stampPath = Path.Combine(jdkDir, StampFileName);
        var hash = Hash(java, sourceDir, sources);

        await BuildLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Directory.CreateDirectory(jdkDir);
            await using var fileLock = await LockAsync(Path.Combine(jdkDir, ".lock"), cancellationToken).ConfigureAwait(false);
            if (File.Exists(stampPath)
                && (await File.ReadAllTextAsync(stampPath, cancellationToken).ConfigureAwait(false)).Trim() == hash
                && Directory.Exists(classesDir))
            {
                return new JdiClient(java, classesDir);
            }

            File.Delete(stampPath);
            if (Directory.Exists(classesDir))
            {
                Directory.Delete(classesDir, recursive: true);
            }

            Directory.CreateDirectory(classesDir);

            // jdk.jdi is resolved by default for code on the class path (it exports com.sun.jdi); naming it keeps that explicit.
            var arguments = new List<string> { "-g", "-encoding", "UTF-8", "--add-modules", "jdk.jdi", "-d", classesDir };
            arguments.AddRange(sources);
            var (exitCode, stdout, stderr, timedOut) = await RunProcessAsync(java.JavacPath, arguments, TimeSpan.FromMinutes(3), cancellationToken).ConfigureAwait(false);
            if (timedOut || exitCode != 0)
            {
                throw new InvalidOperationException(
                    $"javac of the JDI client failed ({(timedOut ? "timed out" : "exit code " + exitCode)}):\n{stderr}{stdout}");
            }

            await File.WriteAllTextAsync(stampPath, hash + "\n", cancellationToken).ConfigureAwait(false);
            return new JdiClient(java, classesDir);
        }
        finally
        {
            BuildLock.Release();
        }
    }

    /// <summary>
    /// The class path for <paramref name="jdi"/>. For Eclipse, the com.sun.jdi interfaces still come from the JDK's
    /// jdk.jdi module (Eclipse's jar ships only its implementation, org.eclipse.jdi.*).
    /// </summary>
    /// <exception cref="Xunit.Sdk.XunitException">Eclipse's JDI is not installed: the test fails, it is never skipped.</exception>
    public string ClassPath(string jdi)
    {
        switch (jdi)
        {
            case OpenJdk:
                return ClassesDir;
            case Eclipse:
                var missing = new[] { EclipseJdiJar, EclipseOsgiJar }.Where(j => !File.Exists(j)).ToList();
                if (missing.Count > 0)
                {
                    throw new Xunit.Sdk.XunitException(
                        $"Eclipse JDI is missing ({string.Join(", ", missing)}): install libeclipse-jdt-debug-java "
                        + "(`apt-get install libeclipse-jdt-debug-java libeclipse-osgi-java`, or run scripts/prerequisites.sh).");
                }

                return string.Join(Path.PathSeparator, ClassesDir, EclipseJdiJar, EclipseOsgiJar);
            default:
                throw new ArgumentException($"Unknown JDI implementation '{jdi}' (openjdk or eclipse).", nameof(jdi));
        }
    }

    /// <summary>
    /// Runs one scenario against <c>127.0.0.1:<paramref name="port"/></c> and parses its JSON lines. The client's own
    /// deadline is <paramref name="timeoutSeconds"/>; the process is killed if it outlives that by 40 s.
    /// </summary>
    public Task<JdiRun> RunAsync(string jdi, int port, string scenario, int expectNodes, int timeoutSeconds = 60, CancellationToken cancellationToken = default) =>
        RunAsync(jdi, port, scenario, expectNodes, new JdiRunOptions { TimeoutSeconds = timeoutSeconds }, cancellationToken);

    /// <summary>
    /// As above, with the options of scenarios that change the cluster: a target node, a class file, and the handler
    /// of the client's signals (a line <c>{"signal":"kill"}</c> asks the test to act; the events that follow are the
    /// client's answer, so the handler's outcome is not sent back). A handler that throws fails the run.
    /// </summary>
    public async Task<JdiRun> RunAsync(string jdi, int port, string scenario, int expectNodes, JdiRunOptions options, CancellationToken cancellationToken = default)
    {
        var timeoutSeconds = options.TimeoutSeconds;
        var arguments = new List<string>
        {
            "--add-modules", "jdk.jdi",
            "-cp", ClassPath(jdi),
            MainClass,
            "--jdi", jdi,
            "--attach", $"127.0.0.1:{port}",
            "--scenario", scenario,
            "--timeout-seconds", timeoutSeconds.ToString(CultureInfo.InvariantCulture),
            "--expect-nodes", expectNodes.ToString(CultureInfo.InvariantCulture),
        };
        arguments.AddRange(MarkerArguments);
        if (options.TargetNode is not null)
        {
            arguments.AddRange(["--target-node", options.TargetNode]);
        }

        if (options.ClassFile is not null)
        {
            arguments.AddRange(["--class-file", options.ClassFile]);
        }

        var started = DateTime.UtcNow;
        var signalFailures = new List<string>();
        Func<string, Task>? onLine = options.OnSignal is not { } handler ? null : async line =>
        {
            if (ParseSignal(line) is not { } signal)
            {
                return;
            }

            try
            {
                await handler(signal).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                signalFailures.Add($"signal '{signal}': {e.GetType().Name}: {e.Message}");
            }
        };
        var (exitCode, stdout, stderr, timedOut) = await RunProcessAsync(
            Java.JavaPath, arguments, TimeSpan.FromSeconds(timeoutSeconds + 40), cancellationToken, onLine).ConfigureAwait(false);
        var run = JdiRun.Parse(jdi, scenario, $"127.0.0.1:{port}", Java.JavaPath + " " + string.Join(" ", arguments), started, exitCode, timedOut, stdout, stderr);
        run.AddFailures(signalFailures.Select(f => new JdiCheck("test's answer to a signal", false, f)));
        return run;
    }

    private static string? ParseSignal(string line)
    {
        var trimmed = line.Trim();
        if (!trimmed.StartsWith("{\"signal\"", StringComparison.Ordinal))
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(trimmed);
            return doc.RootElement.GetProperty("signal").GetString();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Hash(JavaToolchain java, string sourceDir, IReadOnlyList<string> sources)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(Encoding.UTF8.GetBytes($"javac {java.Version} -g --add-modules jdk.jdi\n"));
        foreach (var file in sources)
        {
            var content = File.ReadAllBytes(file);
            sha.AppendData(Encoding.UTF8.GetBytes($"{Path.GetRelativePath(sourceDir, file).Replace('\\', '/')}\n{content.Length}\n"));
            sha.AppendData(content);
        }

        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    private static async Task<FileStream> LockAsync(string path, CancellationToken cancellationToken)
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

    private static async Task<(int ExitCode, string Stdout, string Stderr, bool TimedOut)> RunProcessAsync(
        string fileName, IEnumerable<string> arguments, TimeSpan timeout, CancellationToken cancellationToken, Func<string, Task>? onLine = null)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"Cannot start {fileName}.");
        process.StandardInput.Close();
        var stdout = onLine is null ? process.StandardOutput.ReadToEndAsync(cancellationToken) : ReadLinesAsync(process.StandardOutput, onLine, cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        var timedOut = false;
        try
        {
            await process.WaitForExitAsync(cancellationToken).WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            timedOut = true;
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None).ConfigureAwait(false);
        }

        return (timedOut ? -1 : process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false), timedOut);
    }

    /// <summary>Reads stdout line by line, handing each line to <paramref name="onLine"/> as it arrives.</summary>
    private static async Task<string> ReadLinesAsync(StreamReader reader, Func<string, Task> onLine, CancellationToken cancellationToken)
    {
        var all = new StringBuilder();
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            all.Append(line).Append('\n');
            await onLine(line).ConfigureAwait(false);
        }

        return all.ToString();
    }
}

/// <summary>Options of one client run beyond the scenario's name.</summary>
public sealed record JdiRunOptions
{
    /// <summary>The client's deadline.</summary>
    public int TimeoutSeconds { get; init; } = 60;

    /// <summary>The node a cluster-changing scenario acts on (<c>--target-node</c>).</summary>
    public string? TargetNode { get; init; }

    /// <summary>A class file for the redefine scenario (<c>--class-file</c>).</summary>
    public string? ClassFile { get; init; }

    /// <summary>Acts on the cluster when the client signals (late, kill, join).</summary>
    public Func<string, Task>? OnSignal { get; init; }
}

/// <summary>One check line the client printed.</summary>
/// <param name="Name">The check's name.</param>
/// <param name="Ok">Whether it passed.</param>
/// <param name="Detail">What was seen, or what went wrong.</param>
public sealed record JdiCheck(string Name, bool Ok, string Detail);

/// <summary>The outcome of one client run: its checks, its summary line, its raw output.</summary>
public sealed class JdiRun
{
    private JdiRun(string jdi, string scenario, string target, string commandLine, DateTime started)
    {
        Jdi = jdi;
        Scenario = scenario;
        Target = target;
        CommandLine = commandLine;
        Started = started;
    }

    /// <summary>openjdk or eclipse.</summary>
    public string Jdi { get; }

    /// <summary>The scenario name.</summary>
    public string Scenario { get; }

    /// <summary>The address the client attached to.</summary>
    public string Target { get; }

    /// <summary>The command line, for diagnostics.</summary>
    public string CommandLine { get; }

    /// <summary>When the client was started (UTC).</summary>
    public DateTime Started { get; }

    /// <summary>The client's exit code (-1 if it was killed).</summary>
    public int ExitCode { get; private set; }

    /// <summary>True if the client outlived its deadline plus grace and was killed.</summary>
    public bool TimedOut { get; private set; }

    /// <summary>Every check line, in order.</summary>
    public IReadOnlyList<JdiCheck> Checks { get; private set; } = [];

    /// <summary>The summary's passed count, or null if no summary line was printed.</summary>
    public int? Passed { get; private set; }

    /// <summary>The summary's failed count, or null if no summary line was printed.</summary>
    public int? Failed { get; private set; }

    /// <summary>Everything the client wrote to stdout.</summary>
    public string Stdout { get; private set; } = "";

    /// <summary>Everything the client wrote to stderr.</summary>
    public string Stderr { get; private set; } = "";

    /// <summary>The checks that failed.</summary>
    public IEnumerable<JdiCheck> FailedChecks => Checks.Where(c => !c.Ok);

    /// <summary>True if the client exited 0 after a summary with no failures, and every check line passed.</summary>
    public bool Succeeded => !TimedOut && ExitCode == 0 && Failed == 0 && Passed > 0 && Checks.All(c => c.Ok);

    /// <summary>Adds failed checks from the test's side (e.g. a signal it could not act on).</summary>
    internal void AddFailures(IEnumerable<JdiCheck> failures) => Checks = [.. Checks, .. failures];

    /// <summary>Parses the client's output.</summary>
    internal static JdiRun Parse(string jdi, string scenario, string target, string commandLine, DateTime started, int exitCode, bool timedOut, string stdout, string stderr)
    {
        var run = new JdiRun(jdi, scenario, target, commandLine, started)
        {
            ExitCode = exitCode,
            TimedOut = timedOut,
            Stdout = stdout,
            Stderr = stderr,
        };
        var checks = new List<JdiCheck>();
        foreach (var raw in stdout.Split('\n'))
        {
            var line = raw.Trim();
            if (!line.StartsWith('{'))
            {
                continue;
            }

            try
            {
                using var doc = JsonDocument.Parse(line);
                var root = doc.RootElement;
                if (root.TryGetProperty("check", out var check))
                {
                    checks.Add(new JdiCheck(
                        check.GetString() ?? "",
                        root.TryGetProperty("ok", out var ok) && ok.ValueKind == JsonValueKind.True,
                        root.TryGetProperty("detail", out var detail) ? detail.GetString() ?? "" : ""));
                }
                else if (root.TryGetProperty("scenario", out _))
                {
                    run.Passed = root.GetProperty("passed").GetInt32();
                    run.Failed = root.GetProperty("failed").GetInt32();
                }
            }
            catch (JsonException)
            {
                checks.Add(new JdiCheck("unparsable output line", false, line));
            }
        }

        run.Checks = checks;
        return run;
    }

    /// <summary>A failure message: what failed, every check, the client's stderr and the command line.</summary>
    public string Describe()
    {
        var b = new StringBuilder();
        b.Append(CultureInfo.InvariantCulture, $"JDI client ({Jdi}) scenario '{Scenario}' against {Target}: ");
        b.Append(TimedOut ? "killed after its deadline" : $"exit code {ExitCode}");
        b.Append(Passed is null ? ", no summary line" : $", {Passed} passed, {Failed} failed");
        b.Append('\n');
        var failed = FailedChecks.ToList();
        if (failed.Count > 0)
        {
            b.Append("--- failed checks ---\n");
            foreach (var c in failed)
            {
                b.Append(CultureInfo.InvariantCulture, $"FAILED {c.Name}: {c.Detail}\n");
            }
        }

        b.Append("--- all checks ---\n");
        foreach (var c in Checks)
        {
            b.Append(CultureInfo.InvariantCulture, $"{(c.Ok ? "ok    " : "FAILED")} {c.Name}: {Shorten(c.Detail, 600)}\n");
        }

        if (Stderr.Length > 0)
        {
            b.Append("--- client stderr ---\n").Append(Shorten(Stderr, 4000)).Append('\n');
        }

        b.Append("--- command ---\n").Append(CommandLine).Append('\n');
        return b.ToString();
    }

    private static string Shorten(string s, int max) => s.Length <= max ? s : s[..max] + " ...";
}
