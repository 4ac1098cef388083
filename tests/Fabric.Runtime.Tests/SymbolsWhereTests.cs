using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Fabric.Runtime.Tests.Support;
using JdwpGateway.Admin;
using JdwpGateway.Cli;
using JdwpGateway.Protocol.Encoding;
using JdwpGateway.Protocol.Transport;
using JdwpGateway.Routing;
using JdwpGateway.Routing.Config;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using static Fabric.Runtime.Tests.Support.GatewayClient;

namespace Fabric.Runtime.Tests;

/// <summary>The shop app in two versions that differ in one class (<c>com.shop.util.Formatter</c>), compiled once.</summary>
public sealed class ShopVersionsFixture : IDisposable
{
    private readonly TempDir _dir = new();

    public ShopVersionsFixture()
    {
        V1 = JavaApp.Build(_dir.Combine("shop-1"), TestApps.Shop, TestApps.ShopResources);
        var changed = TestApps.Shop.ToDictionary(p => p.Key, p => p.Value);
        changed["com/shop/util/Formatter.java"] = changed["com/shop/util/Formatter.java"].Replace("\"%d.%02d\"", "\"%d,%02d\"", StringComparison.Ordinal);
        Assert.NotEqual(TestApps.Shop["com/shop/util/Formatter.java"], changed["com/shop/util/Formatter.java"]);
        V2 = JavaApp.Build(_dir.Combine("shop-2"), changed, TestApps.ShopResources);
        Key = new SigningKey(_dir.Path);
    }

    /// <summary>Classes of shop:1.0.</summary>
    public string V1 { get; }

    /// <summary>Classes of shop:2.0: Formatter differs, every other class has the same bytes.</summary>
    public string V2 { get; }

    public SigningKey Key { get; }

    public void Dispose()
    {
        Key.Dispose();
        _dir.Dispose();
    }
}

/// <summary>
/// "Which code runs where": shop:1.0 and shop:2.0 published to a real registry, one real node JVM started by manifest
/// for each, then the real <c>jdwp-gateway symbols</c> executable against the registry, and the admin listener of a
/// real gateway host (discovering the nodes through the registry) with a raw JDWP debugger attached.
/// </summary>
public sealed class SymbolsWhereTests(ShopVersionsFixture shop) : IClassFixture<ShopVersionsFixture>, IAsyncLifetime
{
    private const string Formatter = "com/shop/util/Formatter";
    private const string Main = "com/shop/Main";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly TempDir _dir = new();
    private readonly List<NodeProcess> _nodes = [];
    private RegistryServer _registry = null!;
    private Release _v1 = null!;
    private Release _v2 = null!;

    public async Task InitializeAsync()
    {
        _registry = await RegistryServer.StartAsync(_dir.Combine("registry"), shop.Key);
        await _registry.PublishAsync(shop.V1, "shop:1.0", shop.Key);
        await _registry.PublishAsync(shop.V2, "shop:2.0", shop.Key);
        _v1 = Release.FromDirectory(shop.V1, "shop:1.0", shop.Key);
        _v2 = Release.FromDirectory(shop.V2, "shop:2.0", shop.Key);
        Assert.NotEqual(_v1.ClassId(Formatter), _v2.ClassId(Formatter));
        Assert.Equal(_v1.ClassId(Main), _v2.ClassId(Main));
    }

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            node.Dispose();
        }

        await _registry.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task Cli_with_registry_shows_each_nodes_hash_and_flags_the_class_that_changed_between_tags()
    {
        await StartNodesAsync();

        var (code, output) = await RunGatewayCliAsync("symbols", "--registry", _registry.Url, "--manifest", "shop:1.0", "--class", "com.shop.");

        Assert.True(code == 0, output);
        Assert.Contains("default/shop:1.0: node-a", output, StringComparison.Ordinal);
        Assert.Contains("default/shop:2.0: node-b", output, StringComparison.Ordinal);
        var v1 = Short(_v1.ClassId(Formatter).ToString());
        var v2 = Short(_v2.ClassId(Formatter).ToString());
        Assert.Matches(new Regex($@"^!\s+com\.shop\.util\.Formatter\s+{v1}\s+1\.0\s+node-a$", RegexOptions.Multiline), output);
        Assert.Matches(new Regex($@"^!\s+{v2}\s+2\.0\s+node-b$", RegexOptions.Multiline), output);
        Assert.Matches(new Regex($@"^\s+com\.shop\.Main\s+{Short(_v1.ClassId(Main).ToString())}\s+1\.0, 2\.0\s+node-a, node-b$", RegexOptions.Multiline), output);
        Assert.Contains("8 classes, 1 differ between the manifests (marked !)", output, StringComparison.Ordinal);
        Assert.Equal(2, output.Split('\n').Count(l => l.StartsWith('!')));
    }

    [Fact]
    public async Task Cli_json_gives_full_hashes_per_manifest_and_the_nodes_that_loaded_them()
    {
        await StartNodesAsync();

        var (code, output) = await RunGatewayCliAsync("symbols", "--registry", _registry.Url, "--manifest", "default/shop:2.0", "--class", "*.Formatter", "--json");

        Assert.True(code == 0, output);
        var report = JsonDocument.Parse(output).RootElement;
        Assert.Equal("default/shop:2.0", report.GetProperty("manifest").GetString());
        Assert.Equal(["default/shop:2.0", "default/shop:1.0"], report.GetProperty("manifests").EnumerateArray().Select(e => e.GetString()));
        var formatter = Assert.Single(report.GetProperty("classes").EnumerateArray());
        Assert.Equal("com.shop.util.Formatter", formatter.GetProperty("class").GetString());
        Assert.True(formatter.GetProperty("differs").GetBoolean());
        Assert.Equal(
            [$"{_v2.ClassId(Formatter)} default/shop:2.0 loaded by node-b", $"{_v1.ClassId(Formatter)} default/shop:1.0 loaded by node-a"],
            formatter.GetProperty("versions").EnumerateArray().Select(v =>
                $"{v.GetProperty("hash").GetString()} {string.Join(",", v.GetProperty("manifests").EnumerateArray().Select(m => m.GetString()))} loaded by {string.Join(",", v.GetProperty("loadedBy").EnumerateArray().Select(m => m.GetString()))}"));
    }

    [Fact]
    public async Task Cli_errors_are_one_line_with_a_non_zero_exit()
    {
        var unknown = await RunGatewayCliAsync("symbols", "--registry", _registry.Url, "--manifest", "shop:9.9");
        Assert.Equal(1, unknown.Code);
        Assert.Equal($"jdwp-gateway symbols: manifest default/shop:9.9 is not published in the registry at {_registry.Url}", unknown.Output.Trim());

        var closedPort = FreePort();
        var unreachable = await RunGatewayCliAsync("symbols", "--registry", $"http://127.0.0.1:{closedPort}", "--manifest", "shop:1.0");
        Assert.Equal(1, unreachable.Code);
        Assert.StartsWith($"jdwp-gateway symbols: cannot reach the registry at http://127.0.0.1:{closedPort}: ", unreachable.Output.Trim(), StringComparison.Ordinal);
        Assert.Single(unreachable.Output.Trim().Split('\n'));

        var noAdmin = await RunGatewayCliAsync("symbols", "--admin", $"http://127.0.0.1:{closedPort}");
        Assert.Equal(1, noAdmin.Code);
        Assert.StartsWith($"jdwp-gateway symbols: cannot reach the gateway's admin listener at http://127.0.0.1:{closedPort}: ", noAdmin.Output.Trim(), StringComparison.Ordinal);

        var usage = await RunGatewayCliAsync("symbols", "--manifest", "shop:1.0");
        Assert.Equal(2, usage.Code);
        Assert.Contains("--registry", usage.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", unknown.Output + unreachable.Output + noAdmin.Output + usage.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Nodes_registered_with_an_unpublished_or_malformed_manifest_are_warnings_and_the_rest_is_shown()
    {
        await RegisterAsync("ghost", "default/shop:7.0");
        await RegisterAsync("odd", "not a manifest");

        var all = await RunGatewayCliAsync("symbols", "--registry", _registry.Url);
        var family = await RunGatewayCliAsync("symbols", "--registry", _registry.Url, "--manifest", "shop:1.0", "--class", "com.shop.Main");

        Assert.True(all.Code == 0, all.Output);
        Assert.Contains($"warning: manifest default/shop:7.0 is not published in the registry at {_registry.Url} (run by ghost)", all.Output, StringComparison.Ordinal);
        Assert.Contains("warning: manifest 'not a manifest' is not namespace/name:tag (run by odd)", all.Output, StringComparison.Ordinal);
        Assert.Contains("no class matches", all.Output, StringComparison.Ordinal);
        Assert.True(family.Code == 0, family.Output);
        Assert.Contains("(run by ghost)", family.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("(run by odd)", family.Output, StringComparison.Ordinal);
        Assert.Matches(new Regex($@"^\s+com\.shop\.Main\s+{Short(_v1.ClassId(Main).ToString())}\s+1\.0\s+-$", RegexOptions.Multiline), family.Output);
    }

    [Fact]
    public async Task Cli_against_a_registry_that_needs_a_token_says_so_and_reads_with_it()
    {
        await using var guarded = await RegistryServer.StartAsync(_dir.Combine("guarded"), shop.Key, readToken: "reader-token");

        var without = await RunGatewayCliAsync("symbols", "--registry", guarded.Url);
        var wrong = await RunGatewayCliAsync("symbols", "--registry", guarded.Url, "--token", "not-the-token");
        var with = await RunGatewayCliAsync("symbols", "--registry", guarded.Url, "--token", "reader-token");

        Assert.Equal((1, $"jdwp-gateway symbols: the registry at {guarded.Url} needs a token to read the node list (401): pass --token"), (without.Code, without.Output.Trim()));
        Assert.Equal((1, $"jdwp-gateway symbols: the token may not read the node list in the registry at {guarded.Url} (403)"), (wrong.Code, wrong.Output.Trim()));
        Assert.True(with.Code == 0, with.Output);
        Assert.Contains("no class matches", with.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Admin_symbols_shows_the_virtual_vms_symbols_per_node_while_a_debugger_is_attached_and_the_registrys_view()
    {
        await StartNodesAsync();
        var options = new GatewayOptions
        {
            Listen = "127.0.0.1:0",
            Discovery = new DiscoveryOptions { Registry = _registry.Url, PollInterval = TimeSpan.FromMilliseconds(200) },
            Admin = new AdminOptions { Listen = "127.0.0.1:0" },
        };
        using var host = GatewayHost.Build(options, LogLevel.Warning);
        await host.StartAsync();
        try
        {
            var gateway = host.Services.GetRequiredService<GatewayServer>();
            var admin = host.Services.GetRequiredService<AdminListener>().BaseAddress;
            await Until(() => Task.FromResult(gateway.Nodes.Present.Count == 2), "both nodes discovered");

            // Without a debugger: no session, no virtual VM symbols, but the registry's view.
            var idle = await GetJsonAsync(new Uri(admin, "v1/symbols?class=com.shop.util.Formatter"));
            Assert.Equal(JsonValueKind.Null, idle.GetProperty("session").ValueKind);
            Assert.Equal(SymbolsEndpoints.NoSession, idle.GetProperty("message").GetString());
            Assert.Empty(idle.GetProperty("symbols").EnumerateArray());
            var registryFormatter = Assert.Single(idle.GetProperty("registry").GetProperty("classes").EnumerateArray());
            Assert.True(registryFormatter.GetProperty("differs").GetBoolean());

            await using var debugger = await AttachAsync(gateway.LocalEndPoint);
            await Until(async () => (await VersionAsync(debugger)).Contains("node-b", StringComparison.Ordinal) && (await VersionAsync(debugger)).Contains("node-a", StringComparison.Ordinal), "both nodes in the virtual VM");
            var formatterTypes = await ClassesBySignatureAsync(debugger, "Lcom/shop/util/Formatter;");
            var mainTypes = await ClassesBySignatureAsync(debugger, "Lcom/shop/Main;");
            Assert.Equal(2, formatterTypes.Count);
            Assert.Single(mainTypes);

            var attached = await GetJsonAsync(new Uri(admin, "v1/symbols?class=com.shop.util.Formatter"));
            Assert.Matches("^session#[0-9]+$", attached.GetProperty("session").GetString());
            var symbols = attached.GetProperty("symbols").EnumerateArray().ToList();
            Assert.Equal(2, symbols.Count);
            Assert.All(symbols, s => Assert.True(s.GetProperty("differs").GetBoolean()));
            Assert.All(symbols, s => Assert.Equal("Lcom/shop/util/Formatter;", s.GetProperty("signature").GetString()));
            Assert.Equal(formatterTypes.Order(), symbols.Select(s => s.GetProperty("virtualTypeId").GetUInt64()).Order());
            Assert.Equal(["node-a", "node-b"], symbols.Select(s => Assert.Single(s.GetProperty("nodes").EnumerateArray()).GetProperty("node").GetString()).Order());
            Assert.NotEqual(symbols[0].GetProperty("identity").GetString(), symbols[1].GetProperty("identity").GetString());

            var main = Assert.Single((await GetJsonAsync(new Uri(admin, "v1/symbols?class=com.shop.Main"))).GetProperty("symbols").EnumerateArray());
            Assert.False(main.GetProperty("differs").GetBoolean());
            Assert.Equal(mainTypes[0], main.GetProperty("virtualTypeId").GetUInt64());
            Assert.Equal(["node-a", "node-b"], main.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("node").GetString()));

            // The CLI asking the running gateway prints both views.
            var (code, output) = await RunGatewayCliAsync("symbols", "--admin", admin.ToString(), "--class", "com.shop.util.");
            Assert.True(code == 0, output);
            Assert.Matches(new Regex(@"^virtual VM of session#[0-9]+$", RegexOptions.Multiline), output);
            Assert.Matches(new Regex(@"^!\s+com\.shop\.util\.Formatter\s+[0-9a-f]{12}\s+[0-9]+\s+node-[ab] \([0-9]+\)$", RegexOptions.Multiline), output);
            Assert.Contains("2 symbols, 1 class loaded with different bytes on different nodes (marked !)", output, StringComparison.Ordinal);
            Assert.Matches(new Regex($@"^!\s+com\.shop\.util\.Formatter\s+{Short(_v1.ClassId(Formatter).ToString())}\s+1\.0\s+node-a$", RegexOptions.Multiline), output);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    private static string Short(string hash) => hash[..12];

    /// <summary>Registers a node the way the node agent does (docs/fabric.md, <c>PUT /v1/nodes/{node}</c>), without a JVM.</summary>
    private async Task RegisterAsync(string node, string manifest)
    {
        using var body = new StringContent($"jdwp\t127.0.0.1:1\nmanifest\t{manifest}\nstarted\t2026-01-01T00:00:00Z\nlease\t60\n");
        using var response = await Http.PutAsync(new Uri($"{_registry.Url}/v1/nodes/{node}"), body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>Starts node-a on shop:1.0 and node-b on shop:2.0 and waits until each has reported loading Formatter.</summary>
    private async Task StartNodesAsync()
    {
        foreach (var (name, manifest) in new[] { ("node-a", "shop:1.0"), ("node-b", "shop:2.0") })
        {
            _nodes.Add(NodeProcess.Start(new NodeLaunchOptions
            {
                Registry = _registry.Url,
                Manifest = manifest,
                MainClass = "com.shop.Main",
                Cache = _dir.Combine("cache-" + name),
                Trust = [shop.Key.PublicPem],
                ApplicationArguments = ["wait"],
                NodeName = name,
                Jdwp = $"127.0.0.1:{FreePort()}",
            }));
        }

        foreach (var node in _nodes)
        {
            await node.WaitForAsync("^ready$");
        }

        await Until(async () => (await _registry.GetTextAsync("/v1/nodes/node-a/loaded")).Contains(_v1.ClassId(Formatter).ToString(), StringComparison.Ordinal), "node-a reports Formatter 1.0 loaded");
        await Until(async () => (await _registry.GetTextAsync("/v1/nodes/node-b/loaded")).Contains(_v2.ClassId(Formatter).ToString(), StringComparison.Ordinal), "node-b reports Formatter 2.0 loaded");
    }

    /// <summary>Runs the real <c>jdwp-gateway</c> built with the tests (Gateway is a project reference).</summary>
    private static async Task<(int Code, string Output)> RunGatewayCliAsync(params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "jdwp-gateway.dll");
        Assert.True(File.Exists(dll), $"the gateway executable is missing at {dll}");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(dll);
        args.ToList().ForEach(psi.ArgumentList.Add);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        return (p.ExitCode, output + await err);
    }

    private static async Task<JsonElement> GetJsonAsync(Uri uri)
    {
        using var response = await Http.GetAsync(uri);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {uri}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement;
    }
}
