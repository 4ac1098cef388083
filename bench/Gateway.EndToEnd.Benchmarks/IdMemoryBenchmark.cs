using System.Globalization;
using JdwpGateway.Routing;
using JdwpGateway.Routing.Config;
using Microsoft.Extensions.Logging.Abstractions;

namespace JdwpGateway.EndToEnd.Benchmarks;

/// <summary>
/// Issue 4, item 4: managed memory per live virtual ID. The gateway runs in this process so its managed heap can be
/// weighed after full, compacting collections (GC.GetTotalMemory(true)); the JDI workload reads the elements of a large
/// Object[] step by step and holds them (so it never sends DisposeObjects), each element becoming one live virtual
/// object ID in the gateway. Bytes per ID is the least-squares slope of heap size over the gateway's ID count.
/// </summary>
public sealed class IdMemoryBenchmark(BenchJava java, IReadOnlyList<int> steps)
{
    /// <summary>Runs it and appends its section to <paramref name="report"/>.</summary>
    public async Task RunAsync(Markdown report)
    {
        var poolSize = steps.Max();
        await using var node = await java.StartNodeAsync("node-01", threads: 8, pool: poolSize, pollMillis: 500, ["-Xmx512m", "-XX:+UseSerialGC"]).ConfigureAwait(false);
        var options = new GatewayOptions { Listen = "127.0.0.1:0", Nodes = [new NodeOptions { Name = node.Name, Address = node.Address }] };
        await using var server = new GatewayServer(options, NullLoggerFactory.Instance);
        server.Start();
        Console.WriteLine($"id memory: touching up to {poolSize} objects through an in-process gateway");

        var points = new List<(int Touched, int Ids, long Heap)>();
        var touched = new SemaphoreSlim(0);
        var lastTouched = 0;
        var done = false;
        await using var workload = java.StartWorkload(
            ["touch", "--target", $"gateway=127.0.0.1:{server.LocalEndPoint.Port}", "--steps", string.Join(',', steps.Select(I))],
            line =>
            {
                if (line.StartsWith("TOUCHED ", StringComparison.Ordinal))
                {
                    lastTouched = int.Parse(line["TOUCHED ".Length..], CultureInfo.InvariantCulture);
                    touched.Release();
                }
                else if (line == "DONE")
                {
                    done = true;
                }
            });
        foreach (var _ in steps)
        {
            if (!await touched.WaitAsync(TimeSpan.FromMinutes(5)).ConfigureAwait(false))
            {
                throw new InvalidOperationException($"The workload did not report its next step. Output:\n{workload.RecentOutput}");
            }

            var session = server.ActiveSession ?? throw new InvalidOperationException("The gateway has no session while the workload is attached.");
            var heap = WeighHeap();
            points.Add((lastTouched, session.Vm.Objects.Count, heap));
            Console.WriteLine($"id memory: {lastTouched} touched, {session.Vm.Objects.Count} object IDs, heap {heap} B");
            await workload.Input.WriteLineAsync("next").ConfigureAwait(false);
            await workload.Input.FlushAsync().ConfigureAwait(false);
        }

        var exit = await workload.WaitForExitAsync(TimeSpan.FromMinutes(5)).ConfigureAwait(false);
        if (exit != 0 || !done)
        {
            throw new InvalidOperationException($"The workload failed (exit code {exit}). Output:\n{workload.RecentOutput}");
        }

        var allocation = await MeasureAllocationAsync(node, server).ConfigureAwait(false);

        // The first step (attach, class lookups, the first large reply) sizes buffers once; fit over the later ones.
        var fitted = points.Skip(1).ToList();
        var slope = Slope(fitted.Select(p => (double)p.Ids).ToList(), fitted.Select(p => (double)p.Heap).ToList());
        report.Heading("4a. Gateway memory per live virtual ID");
        report.Paragraph(
            "The gateway runs inside the benchmark process (the same `GatewayServer` the executable hosts); the JDI workload attaches through it " +
            "and reads `BenchNode.pool` (an `Object[]`) step by step (at most 50,000 elements per ArrayReference.GetValues), holding every reference. After each step the benchmark forces " +
            "full compacting collections and reads `GC.GetTotalMemory(true)`, and reads the session's object-ID count " +
            "(`Vm.Objects.Count`). Nothing else in the process allocates between steps (it waits for the workload's line).");
        report.Table(
            ["Objects read", "Live object IDs", "Managed heap", "Δ heap / Δ IDs vs previous step"],
            points.Select((p, i) => (IReadOnlyList<string>)[I(p.Touched), I(p.Ids), Markdown.MiB(p.Heap),
                i == 0 ? "-" : Markdown.Int((p.Heap - points[i - 1].Heap) / (double)Math.Max(1, p.Ids - points[i - 1].Ids)) + " B"]));
        report.Paragraph(
            $"Least-squares slope over the steps after the first: **{Markdown.Int(slope)} bytes per live virtual ID; target ≤ 100: " +
            $"{(slope <= 100 ? "met" : "missed")}**.");

        report.Heading("4c. Bytes allocated per command");
        report.Paragraph(
            "Through the same in-process gateway over the same node, after the touch session: a bare JDWP client's session surfaces every " +
            "class once, then sends AllClasses 50 times and AllThreads 50 times; the process's allocated bytes (GC.GetTotalAllocatedBytes(precise)) " +
            "are divided by 50. The same client attached directly to the node gives the client's own share.");
        report.Table(
            ["Command", "Through the gateway", "Direct (client only)", "Gateway's share"],
            new[] { "AllClasses", "AllThreads" }.Select(c => (IReadOnlyList<string>)[c, Markdown.Int(allocation[("gateway", c)]) + " B",
                Markdown.Int(allocation[("direct", c)]) + " B", Markdown.Int(allocation[("gateway", c)] - allocation[("direct", c)]) + " B"]));
    }

    /// <summary>
    /// Bytes allocated in this process per command, through the in-process gateway and directly to the node: the direct
    /// figure is the probe's own share (reply buffers), so the difference is the gateway's. Counted exactly
    /// (GC.GetTotalAllocatedBytes(precise: true)), so unlike times it does not depend on the machine's load.
    /// </summary>
    private static async Task<Dictionary<(string Target, string Command), double>> MeasureAllocationAsync(BenchNode node, GatewayServer server)
    {
        const int Repetitions = 50;
        var result = new Dictionary<(string, string), double>();
        await Task.Delay(500).ConfigureAwait(false); // The touch session's detach releases the node.
        foreach (var (target, port) in new[] { ("gateway", server.LocalEndPoint.Port), ("direct", node.JdwpPort), ("gateway", server.LocalEndPoint.Port) })
        {
            await using var probe = await JdwpProbe.AttachAsync(port).ConfigureAwait(false);
            await probe.AllClassesAsync().ConfigureAwait(false); // Surfaces every class (gateway) and warms up both sides.
            await probe.AllThreadsAsync().ConfigureAwait(false);
            foreach (var (command, run) in new (string, Func<Task>)[] { ("AllClasses", () => probe.AllClassesAsync()), ("AllThreads", () => probe.AllThreadsAsync()) })
            {
                var before = GC.GetTotalAllocatedBytes(precise: true);
                for (var i = 0; i < Repetitions; i++)
                {
                    await run().ConfigureAwait(false);
                }

                // The first gateway session only warms up (tiered JIT, pools); the second one's figures are kept.
                result[(target, command)] = (GC.GetTotalAllocatedBytes(precise: true) - before) / (double)Repetitions;
            }

            await Task.Delay(500).ConfigureAwait(false);
        }

        return result;
    }

    private static long WeighHeap()
    {
        for (var i = 0; i < 3; i++)
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }

        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static double Slope(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        var mx = x.Average();
        var my = y.Average();
        var num = x.Select((xi, i) => (xi - mx) * (y[i] - my)).Sum();
        var den = x.Select(xi => (xi - mx) * (xi - mx)).Sum();
        return num / den;
    }

    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);
}
