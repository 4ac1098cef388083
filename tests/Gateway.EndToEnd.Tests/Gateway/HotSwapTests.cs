using System.Diagnostics;
using JdwpGateway.Demo;
using JdwpGateway.EndToEnd.Tests.Support;
using Xunit;

namespace JdwpGateway.EndToEnd.Tests.Gateway;

/// <summary>
/// jdb's <c>redefine</c> through the gateway: the new bytes reach every node that runs the class. Redefinition changes
/// the cluster, so this class starts its own.
/// </summary>
public sealed class HotSwapTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(45);
    private static readonly int AfterCompute = SourceMarkers.Line("OrderService.java", SourceMarkers.ProcessCompute) + 1;
    private GatewayCluster? _gw;

    public async Task InitializeAsync() => _gw = await GatewayCluster.StartAsync();

    public async Task DisposeAsync()
    {
        if (_gw is not null)
        {
            await _gw.DisposeAsync();
        }
    }

    [Fact]
    public async Task Redefine_applies_the_new_bytes_on_every_node()
    {
        var gw = _gw!;
        var patched = await CompilePatchedOrderServiceAsync(gw.Java);
        await using var jdb = await gw.AttachJdbAsync();
        try
        {
            await jdb.ExpectAsync($"redefine fabric.demo.OrderService {patched}", "> ", Wait);
            Assert.DoesNotContain("Error", jdb.Transcript, StringComparison.OrdinalIgnoreCase);
            await jdb.ExpectAsync($"stop at fabric.demo.OrderService:{AfterCompute}", "Set breakpoint", Wait);

            // compute() now returns at least 1000 (it returned at most 19): every node must run the new code.
            var seen = new HashSet<string>();
            for (var i = 0; i < 12 && seen.Count < 2; i++)
            {
                var hit = await jdb.WaitForAsync($@"(?:Breakpoint hit: [^""]{{0,200}})?""thread=\[(node-[ab])\] worker"", fabric\.demo\.OrderService\.process\(\), line={AfterCompute}", Wait);
                var total = await jdb.ExpectAsync("print total", @"total = (\d+)", Wait);
                Assert.True(int.Parse(total.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) >= 1000, $"{hit.Groups[1].Value} still runs the old compute(): total = {total.Groups[1].Value}");
                seen.Add(hit.Groups[1].Value);
                await jdb.ExpectAsync("cont", "> ", Wait);
            }

            Assert.True(seen.SetEquals(["node-a", "node-b"]), $"hits only from {string.Join(",", seen)}");
        }
        catch (Exception e) when (e is TimeoutException or Xunit.Sdk.XunitException)
        {
            throw new Xunit.Sdk.XunitException(gw.Describe(jdb, e.Message));
        }
    }

    /// <summary>The demo's OrderService with compute() returning 1000 + bonus, compiled with the nodes' javac.</summary>
    internal static async Task<string> CompilePatchedOrderServiceAsync(JavaToolchain java)
    {
        var classes = await new DemoAppBuilder(java).BuildAsync();
        var dir = Directory.CreateTempSubdirectory("hotswap-").FullName;
        var source = Path.Combine(DemoAppBuilder.FindSourceDir(), "fabric", "demo", "OrderService.java");
        var text = await File.ReadAllTextAsync(source);
        Assert.Contains("return bonus * 3 + 1;", text, StringComparison.Ordinal);
        var patchedSource = Path.Combine(dir, "OrderService.java");
        await File.WriteAllTextAsync(patchedSource, text.Replace("return bonus * 3 + 1;", "return 1000 + bonus;", StringComparison.Ordinal));
        var psi = new ProcessStartInfo(java.JavacPath) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { "-g", "-cp", classes, "-d", dir, patchedSource })
        {
            psi.ArgumentList.Add(arg);
        }

        using var javac = Process.Start(psi)!;
        var errors = await javac.StandardError.ReadToEndAsync();
        await javac.WaitForExitAsync();
        Assert.True(javac.ExitCode == 0, errors);
        return Path.Combine(dir, "fabric", "demo", "OrderService.class");
    }
}
