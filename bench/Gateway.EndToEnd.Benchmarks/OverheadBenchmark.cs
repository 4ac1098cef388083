using System.Globalization;

namespace JdwpGateway.EndToEnd.Benchmarks;

/// <summary>
/// Issue 4, item 1: the same IDE-like JDI session against one node directly, through a socat relay and through the
/// gateway, interleaved in one run.
/// </summary>
public sealed class OverheadBenchmark(BenchJava java, int iterations, int warmup, int hits, string? baselineDll = null)
{
    private const string Direct = "direct";
    private const string Relay = "relay";
    private const string Gateway = "gateway";
    private const string Baseline = "baseline";

    /// <summary>Runs it and appends its section to <paramref name="report"/>.</summary>
    public async Task RunAsync(Markdown report)
    {
        await using var node = await java.StartNodeAsync("node-01", threads: 8, pool: 0, pollMillis: 1, BenchJava.SmallNodeOptions).ConfigureAwait(false);
        await using var relay = await SocatRelay.StartAsync(node).ConfigureAwait(false);
        await using var gateway = await GatewayProcess.StartAsync([node]).ConfigureAwait(false);
        await using var baseline = baselineDll is null ? null : await GatewayProcess.StartAsync([node], baselineDll).ConfigureAwait(false);
        Console.WriteLine($"overhead: {iterations} iterations (+{warmup} warm-up) of the IDE session against {Direct}, {Relay}, {Gateway}{(baseline is null ? "" : ", " + Baseline)}");

        List<string> arguments = ["ide", "--target", $"{Direct}={node.Address}", "--target", $"{Relay}=127.0.0.1:{relay.Port}", "--target", $"{Gateway}=127.0.0.1:{gateway.Port}"];
        if (baseline is not null)
        {
            arguments.AddRange(["--target", $"{Baseline}=127.0.0.1:{baseline.Port}"]);
        }

        arguments.AddRange(["--iterations", I(iterations), "--warmup", I(warmup), "--hits", I(hits)]);
        var table = await WorkloadRun.RunAsync(java, arguments, TimeSpan.FromMinutes(60)).ConfigureAwait(false);
        var gatewayPeak = ProcessMemory.PeakResident(gateway.Process.Id);

        report.Heading("1. Overhead at one node: direct, socat relay, gateway");
        report.Paragraph(
            $"One IDE-like JDI session per iteration ({iterations} measured iterations after {warmup} warm-up ones; the order of the three targets " +
            $"rotates every iteration). Phases: attach; AllClasses; AllThreads with every thread's name; suspend, every thread's frames with " +
            $"their methods' names, resume; a SUSPEND_ALL breakpoint hit {hits} times, reading the frame's 4 variables (one a string's value) " +
            "each time; dispose. Medians in milliseconds; ratios are ratios of the medians.");
        var rows = table.Phases.Select(phase =>
        {
            var d = table[Direct, phase].Median;
            var r = table[Relay, phase].Median;
            var g = table[Gateway, phase].Median;
            return (IReadOnlyList<string>)[phase == "total" ? "**total**" : phase, Markdown.Ms(d), Markdown.Ms(r), Markdown.Ms(g), Markdown.Ratio(r / d), Markdown.Ratio(g / r)];
        });
        report.Table(["Phase", "Direct", "Relay", "Gateway", "Relay / direct", "Gateway / relay"], rows);
        if (baseline is not null)
        {
            report.Paragraph($"The same phases through a second gateway, {baselineDll}, interleaved with the others in this run:");
            report.Table(
                ["Phase", "Baseline", "Gateway", "Baseline / relay", "Gateway / relay", "Gateway / baseline"],
                table.Phases.Select(phase =>
                {
                    var r = table[Relay, phase].Median;
                    var b = table[Baseline, phase].Median;
                    var g = table[Gateway, phase].Median;
                    return (IReadOnlyList<string>)[phase == "total" ? "**total**" : phase, Markdown.Ms(b), Markdown.Ms(g), Markdown.Ratio(b / r), Markdown.Ratio(g / r), Markdown.Ratio(g / b)];
                }));
        }

        var total = table[Gateway, "total"].Median / table[Relay, "total"].Median;
        report.Paragraph(
            $"Per-iteration spread of the session total (p25-p75, ms): direct {Spread(table[Direct, "total"])}, relay {Spread(table[Relay, "total"])}, " +
            $"gateway {Spread(table[Gateway, "total"])}. Target gateway ≤ 1.10× relay on the session: **{Markdown.Ratio(total)}, " +
            $"{(total <= 1.10 ? "met" : "missed")}**. Gateway peak resident memory over the run: {Markdown.MiB(gatewayPeak)}.");
    }

    private static string Spread(Samples s) => $"{Markdown.Ms(s.Quantile(0.25))}-{Markdown.Ms(s.Quantile(0.75))}";

    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);
}
