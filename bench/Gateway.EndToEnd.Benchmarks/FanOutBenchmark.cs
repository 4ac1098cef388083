using System.Globalization;

namespace JdwpGateway.EndToEnd.Benchmarks;

/// <summary>
/// Issue 4, items 2 and 3 and the gateway's memory at many nodes: AllThreads and AllClasses latency and an IDE-like attach
/// through gateways over 1, 2, 4, ... nodes, all gateways running side by side over the same node JVMs and measured
/// interleaved, with one node attached directly as the baseline.
/// </summary>
public sealed class FanOutBenchmark(BenchJava java, IReadOnlyList<int> counts, int rounds, int commandsPerSession, int attachIterations)
{
    private const string Direct = "direct";
    private const string AllThreads = "AllThreads";
    private const string AllClasses = "AllClasses";
    private const string FirstAllClasses = "AllClasses, first in session";
    private const string FirstAllClassesCpu = "Gateway CPU of the first AllClasses";
    private const int ThreadsPerNode = 8;

    /// <summary>Runs it and appends its sections to <paramref name="report"/>.</summary>
    public async Task RunAsync(Markdown report)
    {
        var max = counts.Max();
        Console.WriteLine($"fan-out: starting {max} node JVMs");
        var nodes = await java.StartNodesAsync(max, ThreadsPerNode, BenchJava.SmallNodeOptions).ConfigureAwait(false);
        var gateways = new List<GatewayProcess>();
        try
        {
            foreach (var k in counts)
            {
                gateways.Add(await GatewayProcess.StartAsync([.. nodes.Take(k)]).ConfigureAwait(false));
            }

            await Task.Delay(2000).ConfigureAwait(false); // Let the nodes' start-up JIT and class loading settle.
            var nodeResident = nodes.Sum(n => ProcessMemory.Resident(n.Process.Id));
            var idle = gateways.ToDictionary(g => g.NodeCount, g => ProcessMemory.Resident(g.Process.Id));

            var latency = new SampleTable();
            var inSession = new Dictionary<string, long>();
            var sizes = new Dictionary<string, (int Threads, int Classes)>();
            // Per node count: the gateway, and the same nodes attached directly and asked in parallel: the floor that waking k
            // JVMs on this machine sets, with no gateway in between.
            var targets = new List<(string Name, int[] Ports, GatewayProcess? Gateway)>();
            foreach (var g in gateways)
            {
                targets.Add((Name(g.NodeCount), [g.Port], g));
                targets.Add((Parallel(g.NodeCount), [.. nodes.Take(g.NodeCount).Select(n => n.JdwpPort)], null));
            }

            for (var round = 0; round < rounds; round++)
            {
                Console.WriteLine($"fan-out: round {round + 1}/{rounds}");
                for (var i = 0; i < targets.Count; i++)
                {
                    var (name, ports, gateway) = targets[(round + i) % targets.Count];
                    var (threads, classes, resident) = await ProbeSessionAsync(name, ports, gateway, latency).ConfigureAwait(false);
                    sizes[name] = (threads, classes);
                    inSession[name] = Math.Max(inSession.GetValueOrDefault(name), resident);

                    await Task.Delay(200).ConfigureAwait(false); // Every node's agent takes the next debugger; not measured.
                }
            }

            Console.WriteLine($"fan-out: IDE-like attach, {attachIterations} iterations");
            var attachArguments = new List<string> { "attach", "--target", $"{Direct}={nodes[0].Address}" };
            foreach (var g in gateways)
            {
                attachArguments.AddRange(["--target", $"{Name(g.NodeCount)}=127.0.0.1:{g.Port}"]);
            }

            attachArguments.AddRange(["--iterations", I(attachIterations), "--warmup", "1"]);
            var attach = await WorkloadRun.RunAsync(java, attachArguments, TimeSpan.FromMinutes(60)).ConfigureAwait(false);
            var peak = gateways.ToDictionary(g => g.NodeCount, g => ProcessMemory.PeakResident(g.Process.Id));

            WriteLatency(report, latency, sizes);
            WriteAttach(report, attach);
            WriteMemory(report, idle, inSession, peak, nodeResident, max);
        }
        finally
        {
            foreach (var g in gateways)
            {
                await g.DisposeAsync().ConfigureAwait(false);
            }

            await Task.WhenAll(nodes.Select(n => n.DisposeAsync().AsTask())).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// One session on every port at once: each command goes to all of them together and is timed until the last reply.
    /// Returns the summed counts and the gateway's resident memory while still attached (0 without a gateway).
    /// </summary>
    private async Task<(int Threads, int Classes, long Resident)> ProbeSessionAsync(string name, int[] ports, GatewayProcess? gateway, SampleTable latency)
    {
        var probes = await Task.WhenAll(ports.Select(JdwpProbe.AttachAsync)).ConfigureAwait(false);
        try
        {
            var cpuBefore = gateway is null ? 0 : ProcessCpu.Milliseconds(gateway.Process.Id);
            var (cold, classes) = await TimeAllAsync(probes, p => p.AllClassesAsync()).ConfigureAwait(false);
            latency.Add(name, FirstAllClasses, cold);
            if (gateway is not null)
            {
                latency.Add(name, FirstAllClassesCpu, ProcessCpu.Milliseconds(gateway.Process.Id) - cpuBefore);
            }

            var threads = 0;
            for (var i = 0; i < commandsPerSession; i++)
            {
                (var t, threads) = await TimeAllAsync(probes, p => p.AllThreadsAsync()).ConfigureAwait(false);
                latency.Add(name, AllThreads, t);
                var (c, _) = await TimeAllAsync(probes, p => p.AllClassesAsync()).ConfigureAwait(false);
                latency.Add(name, AllClasses, c);
            }

            return (threads, classes, gateway is null ? 0 : ProcessMemory.Resident(gateway.Process.Id));
        }
        finally
        {
            await Task.WhenAll(probes.Select(p => p.DisposeAsync().AsTask())).ConfigureAwait(false);
        }
    }

    private static async Task<(double Ms, int Count)> TimeAllAsync(JdwpProbe[] probes, Func<JdwpProbe, Task<(TimeSpan Latency, int Count)>> command)
    {
        var start = System.Diagnostics.Stopwatch.GetTimestamp();
        var results = await Task.WhenAll(probes.Select(command)).ConfigureAwait(false);
        return (System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMilliseconds, results.Sum(r => r.Count));
    }

    private void WriteLatency(Markdown report, SampleTable latency, Dictionary<string, (int Threads, int Classes)> sizes)
    {
        report.Heading("2. Fan-out: AllThreads and AllClasses against node count");
        report.Paragraph(
            $"A bare JDWP client (handshake, IDSizes, then one command at a time, timed from send to reply) opens {rounds} sessions per target, " +
            $"the targets in rotating order. Targets: the gateway over k nodes, and the same k nodes attached directly, one connection each, " +
            $"each command sent to all k at once and timed until the last reply (\"k direct, parallel\": what waking k JVMs costs on this " +
            $"machine with no gateway in between). Each session sends AllClasses once (the gateway's first AllClasses of a session surfaces " +
            $"every class: it reads each class's constant pool on every node to identify it), then AllThreads and AllClasses " +
            $"{commandsPerSession} times each. Every node runs {ThreadsPerNode} idle threads, a sleeping \"hot\" thread and the JVM's own. " +
            "Medians in milliseconds; \"× 1 node\" is the ratio of medians to the same column at one node.");
        foreach (var (command, label) in new[] { (AllThreads, "Threads"), (AllClasses, "Classes") })
        {
            var one = counts.Min();
            var rows = counts.Select(k =>
            {
                var g = latency[Name(k), command].Median;
                var p = latency[Parallel(k), command].Median;
                return (IReadOnlyList<string>)[I(k), I(command == AllThreads ? sizes[Name(k)].Threads : sizes[Name(k)].Classes),
                    Markdown.Ms(g), Markdown.Ratio(g / latency[Name(one), command].Median),
                    Markdown.Ms(p), Markdown.Ratio(p / latency[Parallel(one), command].Median), Markdown.Ratio(g / p)];
            });
            report.Paragraph(command == AllClasses
                ? $"**{command}** (the gateway lists a class once however many nodes loaded it, so its count grows slower than the sum of the nodes'):"
                : $"**{command}**:");
            report.Table(["Nodes", label + " (gateway)", "Gateway", "× 1 node", "k direct, parallel", "× 1 node", "Gateway / direct"], rows);
        }

        var firstRows = counts.Select(k =>
        {
            var g = latency[Name(k), FirstAllClasses].Median;
            var cpu = latency[Name(k), FirstAllClassesCpu];
            return (IReadOnlyList<string>)[I(k), Markdown.Ms(g), Markdown.Ratio(g / latency[Name(counts.Min()), FirstAllClasses].Median),
                Markdown.Ms(cpu.Mean), Markdown.Ms(latency[Parallel(k), FirstAllClasses].Median)];
        });
        report.Paragraph(
            $"**{FirstAllClasses}** (the gateway surfaces every class of every node). \"Gateway CPU\" is the gateway process's user + system " +
            "time over that one command (from /proc/PID/stat in 10 ms ticks, so the mean over the sessions, not the median):");
        report.Table(["Nodes", "Gateway", "× 1 node", "Gateway CPU", "k direct, parallel"], firstRows);

        var most = counts.Max();
        var ratio = latency[Name(most), AllThreads].Median / latency[Name(counts.Min()), AllThreads].Median;
        var floor = latency[Parallel(most), AllThreads].Median / latency[Parallel(counts.Min()), AllThreads].Median;
        report.Paragraph(
            $"Target AllThreads at {most} nodes ≤ 3× one node: **{Markdown.Ratio(ratio)}, {(ratio <= 3 ? "met" : "missed")}** " +
            $"(asking the {most} nodes directly in parallel: {Markdown.Ratio(floor)} one node).");
    }

    private void WriteAttach(Markdown report, SampleTable attach)
    {
        report.Heading("3. IDE-like attach against node count");
        report.Paragraph(
            $"The JDI workload's attach mode, {attachIterations} iterations after one warm-up, targets interleaved: attach (handshake, IDSizes, " +
            "Version, capabilities); ThreadStart, ThreadDeath, uncaught-exception and three ClassPrepare requests; AllClasses; the top-level thread " +
            "groups and AllThreads with each thread's name and status (what IntelliJ's and jdb's attach do). Medians in milliseconds.");
        var rows = new List<IReadOnlyList<string>>();
        var one = attach[Name(counts.Min()), "total"].Median;
        foreach (var name in new[] { Direct }.Concat(counts.Select(Name)))
        {
            var row = new List<string> { name };
            row.AddRange(attach.Phases.Select(p => Markdown.Ms(attach[name, p].Median)));
            row.Add(Markdown.Ratio(attach[name, "total"].Median / one));
            rows.Add(row);
        }

        report.Table([.. new[] { "Target" }.Concat(attach.Phases).Append("total × 1 node")], rows);
    }

    private static void WriteMemory(Markdown report, Dictionary<int, long> idle, Dictionary<string, long> inSession, Dictionary<int, long> peak, long nodeResident, int max)
    {
        report.Heading("4b. Gateway resident memory against node count");
        report.Paragraph(
            "Resident set (VmRSS from /proc) of each `jdwp-gateway serve` process: idle after start, the largest reading taken at the end of a " +
            "probe session (AllClasses surfaced, still attached), and the peak (VmHWM) over the whole run, which includes the attach iterations.");
        var rows = idle.Keys.Order().Select(k => (IReadOnlyList<string>)[I(k), Markdown.MiB(idle[k]), Markdown.MiB(inSession.GetValueOrDefault(Name(k))), Markdown.MiB(peak[k])]);
        report.Table(["Nodes", "Idle", "In session", "Peak"], rows);
        report.Paragraph(
            $"Target gateway resident memory at {max} nodes ≤ 250 MB: **{Markdown.MiB(peak[max])} peak, {(peak[max] <= 250L * 1000 * 1000 ? "met" : "missed")}**. " +
            $"The {max} node JVMs together held {Markdown.MiB(nodeResident)} resident after start-up ({Markdown.MiB(nodeResident / max)} each).");
    }

    private static string Name(int nodes) => $"gateway-{nodes}";

    private static string Parallel(int nodes) => $"direct-{nodes}";

    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);
}
