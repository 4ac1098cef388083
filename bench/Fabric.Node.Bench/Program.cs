using System.Globalization;
using System.Security.Cryptography;
using Fabric.Node.Bench;
using Fabric.Runtime;

// Starts a generated application of N classes from a local JAR (the baseline) and from the fabric, with the same
// JVM and flags, and prints a markdown table of medians and ratios. See docs/benchmarks.md.
var classCount = 5000;
var runs = 5;
var app = "generated";
for (var i = 0; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--classes": classCount = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
        case "--runs": runs = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
        case "--java": Tools.Java = args[i + 1]; break;
        case "--app" when args[i + 1] is "generated" or "jars": app = args[i + 1]; break;
        default: Console.Error.WriteLine($"unknown option {args[i]}; usage: [--app generated|jars] [--classes N] [--runs R] [--java PATH]"); return 2;
    }
}

var work = Path.Combine(Environment.CurrentDirectory, "artifacts", "bench-node",
    DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
Directory.CreateDirectory(work);
Console.WriteLine($"java: {Tools.Java}; work: {work}");

var classes = Path.Combine(work, "classes");
// What the JAR baseline runs from, and what `fabric publish` publishes: the generated application as one JAR, or
// bench.Main's class directory followed by Debian's JARs.
string classPath;
IReadOnlyList<string> publishInputs;
if (app == "jars")
{
    (var jars, classCount) = RealJarsApp.Build(work, classes);
    classPath = string.Join(':', [classes, .. jars]);
    publishInputs = [classes, .. jars, "--first-wins"];
}
else
{
    var sources = AppGenerator.Write(Path.Combine(work, "src"), classCount);
    File.WriteAllLines(Path.Combine(work, "sources.txt"), sources);
    var compile = Tools.Run(Tools.JdkTool("javac"), ["--release", "17", "-d", classes, "@" + Path.Combine(work, "sources.txt")]);
    Console.WriteLine($"javac: {sources.Count} sources in {compile.Elapsed.TotalSeconds:F1} s");
    var jar = Path.Combine(work, "app.jar");
    Tools.Run(Tools.JdkTool("jar"), ["--create", "--file", jar, "-C", classes, "."]);
    classPath = jar;
    publishInputs = [classes];
}

using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
var publicPem = Path.Combine(work, "publisher.pub.pem");
File.WriteAllText(publicPem, key.ExportSubjectPublicKeyInfoPem());
var warmCache = Path.Combine(work, "warm-cache");
if (app == "generated")
{
    new BenchRelease(classes, "bench:1.0", key).SeedCache(warmCache);
}

var jvmFlags = new[] { "-Xshare:auto" };
var expected = $"touched {classCount} classes";
var timings = new Dictionary<string, List<double>>();

void Measure(string label, string exe, IReadOnlyList<string> arguments)
{
    var (elapsed, stdout, _) = Tools.Run(exe, arguments);
    if (!stdout.Contains(expected, StringComparison.Ordinal))
    {
        throw new InvalidOperationException($"{label}: expected '{expected}', got: {stdout}");
    }

    if (!timings.TryGetValue(label, out var list))
    {
        timings[label] = list = [];
    }

    list.Add(elapsed.TotalMilliseconds);
}

IReadOnlyList<string> NodeArgs(string cache, string? registry = null, params string[] extra) =>
    NodeLauncher.BuildArguments(new NodeLaunchOptions
    {
        Registry = registry,
        Manifest = "bench:1.0",
        MainClass = "bench.Main",
        Cache = cache,
        Trust = [publicPem],
        JvmOptions = jvmFlags,
        LauncherOptions = extra,
    });

// One untimed run of each warms the OS page cache for the JDK, the jar and the blobs alike.
Measure("warm-up jar", Tools.Java, [.. jvmFlags, "-cp", classPath, "bench.Main"]);
if (app == "generated")
{
    Measure("warm-up fabric", Tools.Java, NodeArgs(warmCache));
}

for (var r = 0; r < runs; r++)
{
    Measure("local JAR (baseline)", Tools.Java, [.. jvmFlags, "-cp", classPath, "bench.Main"]);
    if (app == "generated")
    {
        Measure("fabric, warm L2 (seeded as blob files), no registry", Tools.Java, NodeArgs(warmCache));
    }
}

// Cold starts need the registry: `fabric registry serve` in its own process, the release published with `fabric publish`.
var fabricDll = Path.Combine(AppContext.BaseDirectory, "fabric.dll");
var keyPem = Path.Combine(work, "publisher.key.pem");
File.WriteAllText(keyPem, key.ExportPkcs8PrivateKeyPem());
File.WriteAllText(Path.Combine(work, "registry.yaml"), $$"""
    storage: { kind: embedded, path: {{Path.Combine(work, "registry-store")}} }
    listen: { http: 127.0.0.1:0, grpc: 127.0.0.1:0 }
    namespaces:
      default: { anonymousRead: true, anonymousPublish: true, trustedKeys: [{{publicPem}}] }
    """);
using var registry = new System.Diagnostics.Process
{
    StartInfo = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true },
};
foreach (var a in new[] { fabricDll, "registry", "serve", "--config", Path.Combine(work, "registry.yaml") })
{
    registry.StartInfo.ArgumentList.Add(a);
}

registry.Start();
registry.BeginErrorReadLine();
string? httpUrl = null, grpcUrl = null;
while ((httpUrl is null || grpcUrl is null) && registry.StandardOutput.ReadLine() is { } line)
{
    if (line.StartsWith("http ", StringComparison.Ordinal))
    {
        httpUrl = line[5..].TrimEnd('/');
    }
    else if (line.StartsWith("grpc ", StringComparison.Ordinal))
    {
        grpcUrl = line[5..].TrimEnd('/');
    }
}

try
{
    var publish = Tools.Run("dotnet", [fabricDll, "publish", .. publishInputs, "--manifest", "bench:1.0", "--key", keyPem, "--registry", grpcUrl!]);
    Console.WriteLine($"published in {publish.Elapsed.TotalSeconds:F1} s");
    var registryUri = new Uri(httpUrl!);
    await using var proxy = new DelayingProxy(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, registryUri.Port), TimeSpan.FromMilliseconds(50));
    var coldRuns = Math.Max(1, runs / 2);
    var roundTrips = new List<int>();
    for (var r = 0; r < coldRuns; r++)
    {
        Measure("fabric, cold L2, registry on loopback", Tools.Java, NodeArgs(Path.Combine(work, $"cold-{r}"), httpUrl));
        proxy.ResetCount();
        Measure("fabric, cold L2, registry behind 50 ms proxy", Tools.Java, NodeArgs(Path.Combine(work, $"cold-proxy-{r}"), $"http://127.0.0.1:{proxy.Port}"));
        roundTrips.Add(proxy.Requests);
    }

    Console.WriteLine($"round trips through the proxy per cold start: {string.Join(", ", roundTrips)} (for {classCount + 1} classes)");

    // What a node really finds on its next start: the L2 its cold start left (prefetch batches as packs).
    for (var r = 0; r < runs; r++)
    {
        Measure("fabric, warm L2 left by a cold start, no registry", Tools.Java, NodeArgs(Path.Combine(work, "cold-0")));
    }
}
finally
{
    registry.Kill(entireProcessTree: true);
}

var baseline = Median(timings["local JAR (baseline)"]);
Console.WriteLine();
Console.WriteLine($"{app} app, {classCount} classes, {runs} runs each, JVM flags: {string.Join(' ', jvmFlags)}, java: {Tools.Java}");
Console.WriteLine();
Console.WriteLine("| start | median ms | min ms | ratio vs JAR |");
Console.WriteLine("|---|---:|---:|---:|");
foreach (var (label, list) in timings.Where(t => !t.Key.StartsWith("warm-up", StringComparison.Ordinal)))
{
    var m = Median(list);
    Console.WriteLine($"| {label} | {m:F0} | {list.Min():F0} | {m / baseline:F2} |");
}

return 0;

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
}
