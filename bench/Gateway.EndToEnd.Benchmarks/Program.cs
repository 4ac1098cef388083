using System.Globalization;
using JdwpGateway.EndToEnd.Benchmarks;

// End-to-end benchmarks of the gateway against real JVMs (issue 4). See docs/benchmarks.md; run with
// bench/run-e2e-benchmarks.sh, which builds this in Release and installs socat.
//
//   Gateway.EndToEnd.Benchmarks [--quick] [--only overhead|fanout|memory] [--counts 1,2,4,8,16,32] [--out DIR]
//                               [--gateway DLL] [--baseline-gateway DLL]
//
// --gateway runs another build's jdwp-gateway.dll instead of the one beside this program; --baseline-gateway adds a
// second gateway (e.g. built from an earlier commit) to the overhead part, interleaved with the others.
var quick = args.Contains("--quick");
var only = Option("--only");
var outDir = Option("--out") ?? Path.Combine("artifacts", "e2e-benchmarks", DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture));
Directory.CreateDirectory(outDir);
if (Option("--gateway") is { } gatewayDll)
{
    GatewayProcess.DefaultDll = Path.GetFullPath(gatewayDll);
}

var baseline = Option("--baseline-gateway") is { } baselineDll ? Path.GetFullPath(baselineDll) : null;

var java = await BenchJava.BuildAsync();
Console.WriteLine($"JDK: {java.Java}");
var report = new Markdown();
var started = DateTime.UtcNow;
if (only is null or "overhead")
{
    await new OverheadBenchmark(java, iterations: quick ? 5 : 40, warmup: quick ? 1 : 3, hits: quick ? 10 : 50, baseline).RunAsync(report);
}

if (only is null or "fanout")
{
    int[] counts = Option("--counts") is { } list
        ? [.. list.Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture))]
        : quick ? [1, 2, 4] : [1, 2, 4, 8, 16, 32];
    await new FanOutBenchmark(java, counts, rounds: quick ? 2 : 12, commandsPerSession: quick ? 3 : 10, attachIterations: quick ? 2 : 10).RunAsync(report);
}

if (only is null or "memory")
{
    // Many steps: the reverse index is a Dictionary, which doubles when full, so single steps jump; the slope averages that out.
    int[] steps = quick ? [0, 10_000, 20_000, 30_000] : [.. Enumerable.Range(0, 13).Select(i => i * 25_000)];
    await new IdMemoryBenchmark(java, steps).RunAsync(report);
}

var text = $"Run of {started:yyyy-MM-dd HH:mm} UTC, {(DateTime.UtcNow - started).TotalMinutes:0.0} minutes; JDK {java.Java.Version}; " +
    $"load average at the end {File.ReadAllText("/proc/loadavg").Split(' ')[0]}.\n" + report;
var path = Path.Combine(outDir, "report.md");
File.WriteAllText(path, text);
Console.WriteLine(text);
Console.WriteLine($"Report: {path}");
return 0;

string? Option(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}
