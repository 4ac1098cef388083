using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Globalization;

namespace Fabric.Runtime;

/// <summary>
/// <c>fabric run</c>: starts a node JVM in the foreground, its output on this console, and exits with its exit code.
/// </summary>
public static class NodeRunCommand
{
    /// <summary>One line on what <c>fabric run</c> does, for <c>fabric --help</c> and <c>fabric run --help</c>.</summary>
    public const string Description = "Start a node JVM whose application classes load by hash from a signed release in the registry";

    public const string Usage = """
        usage: fabric run --registry URL --manifest [ns/]name:tag --main com.app.Main --trust PUBLIC-KEY.pem
                          [--name NODE] [--jdwp HOST:PORT] [--cache DIR] [--http-port PORT] [--peer URL]...
                          [--java PATH] [--jvm-option OPTION]... [--node-option OPTION]... [-- application arguments]
        --node-option passes one of the node agent's own options, as --key=value: --token=T (or FABRIC_TOKEN in the environment), --attempts=4,
        --backoff-ms=100, --timeout-ms=5000, --lease-seconds=30, --batch-size=1024, --memory-cache-mb=64,
        --no-prefetch, --no-preload (docs/fabric.md, "Node agent").
        """;

    /// <summary>Parses the arguments after <c>run</c>; null with <paramref name="error"/> set when they are wrong.</summary>
    public static NodeLaunchOptions? Parse(IReadOnlyList<string> args, out string? error)
    {
        string? registry = null, manifest = null, main = null, name = null, jdwp = null, cache = null, java = null;
        int? httpPort = null;
        List<string> trust = [], peers = [], jvm = [], node = [], app = [];
        error = null;
        for (var i = 0; i < args.Count; i++)
        {
            var a = args[i];
            if (a == "--")
            {
                app.AddRange(args.Skip(i + 1));
                break;
            }

            if (i + 1 >= args.Count)
            {
                error = a.StartsWith("--", StringComparison.Ordinal) ? $"{a} needs a value" : $"unexpected argument '{a}'";
                return null;
            }

            var v = args[++i];
            switch (a)
            {
                case "--registry": registry = v; break;
                case "--manifest": manifest = v; break;
                case "--main": main = v; break;
                case "--name": name = v; break;
                case "--jdwp": jdwp = v; break;
                case "--cache": cache = v; break;
                case "--java": java = v; break;
                case "--trust": trust.Add(v); break;
                case "--peer": peers.Add(v); break;
                case "--jvm-option": jvm.Add(v); break;
                case "--node-option": node.Add(v); break;
                case "--http-port":
                    if (!int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
                    {
                        error = $"--http-port '{v}' is not a port (0-65535)";
                        return null;
                    }

                    httpPort = port;
                    break;
                default:
                    error = $"unknown option '{a}'";
                    return null;
            }
        }

        var missing = new[] { ("--registry", registry), ("--manifest", manifest), ("--main", main) }
            .Where(x => x.Item2 is null).Select(x => x.Item1).ToList();
        if (trust.Count == 0)
        {
            missing.Add("--trust");
        }

        if (missing.Count > 0)
        {
            error = "missing " + string.Join(", ", missing);
            return null;
        }

        var options = new NodeLaunchOptions
        {
            Registry = registry,
            Manifest = manifest!,
            MainClass = main!,
            NodeName = name,
            Jdwp = jdwp,
            Cache = cache,
            Java = java,
            HttpPort = httpPort,
            Trust = trust,
            Peers = peers,
            JvmOptions = jvm,
            LauncherOptions = node,
            ApplicationArguments = app,
        };
        try
        {
            NodeLauncher.BuildArguments(options);
        }
        catch (ArgumentException e)
        {
            error = e.Message;
            return null;
        }

        return options;
    }

    /// <summary>Runs the node; returns its exit code, or 2 for bad arguments (the reason on stderr).</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter stderr, CancellationToken cancellationToken = default, TextWriter? stdout = null)
    {
        var beforeApplication = args.TakeWhile(a => a != "--");
        if (beforeApplication.Any(a => a is "--help" or "-h" or "-?"))
        {
            await (stdout ?? Console.Out).WriteLineAsync($"{Description}\n\n{Usage}\n\nOptions and cache layout: docs/fabric.md (\"Node agent\").");
            return 0;
        }

        var options = Parse(args, out var error);
        if (options is null)
        {
            await stderr.WriteLineAsync($"fabric run: {error}\n{Usage}");
            return 2;
        }

        ProcessStartInfo psi;
        try
        {
            psi = NodeLauncher.CreateStartInfo(options, redirect: false);
        }
        catch (FileNotFoundException e)
        {
            await stderr.WriteLineAsync($"fabric run: {e.Message}");
            return 1;
        }

        using var process = Process.Start(psi)!;
        // Ctrl+C reaches the JVM too (same process group); this process waits for it to finish its shutdown hooks
        // (deregistration, the cache drained) instead of dying first.
        ConsoleCancelEventHandler keepWaiting = (_, e) => e.Cancel = true;
        Console.CancelKeyPress += keepWaiting;
        // A SIGTERM (kill, systemd, a container stop) or SIGHUP sent to this process alone is passed on as SIGTERM,
        // so the JVM stops the same way instead of running on, orphaned. (SIGKILL cannot be passed on.)
        void PassOn(PosixSignalContext context)
        {
            context.Cancel = true;
            if (!process.HasExited)
            {
                _ = Signals.Terminate(process.Id);
            }
        }

        using var forwardTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, PassOn);
        using var forwardHup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, PassOn);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        finally
        {
            Console.CancelKeyPress -= keepWaiting;
        }

        return process.ExitCode;
    }
}
