using System.Net;
using System.Security.Cryptography;
using Fabric.Runtime.Tests.Support;
using JdwpGateway.Protocol;
using JdwpGateway.Protocol.Encoding;
using JdwpGateway.Protocol.Transport;
using JdwpGateway.Routing;
using JdwpGateway.Routing.Config;
using Microsoft.Extensions.Logging.Abstractions;
using static Fabric.Runtime.Tests.Support.GatewayClient;

namespace Fabric.Runtime.Tests;

/// <summary>
/// With registry discovery, the gateway identifies a class the fabric loader defined by the registry's hash of its
/// bytes (docs/virtual-vm.md, "Identity"): two releases whose class differs only in a method body (same constant pool)
/// give the debugger two types, and the same bytes under two releases one type.
/// </summary>
public sealed class GatewayIdentityTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private readonly TempDir _dir = new();
    private SigningKey _key = null!;
    private RegistryServer _registry = null!;

    public async Task InitializeAsync()
    {
        _key = new SigningKey(_dir.Path);
        _registry = await RegistryServer.StartAsync(_dir.Combine("registry"), _key);
    }

    public async Task DisposeAsync()
    {
        await _registry.DisposeAsync();
        _key.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task A_class_whose_method_body_differs_between_two_releases_is_two_types()
    {
        var one = JavaApp.Build(_dir.Combine("calc-1"), Calc("a + b"));
        var two = JavaApp.Build(_dir.Combine("calc-2"), Calc("a - b"));
        Assert.NotEqual(ClassHash(one, "Calc"), ClassHash(two, "Calc"));
        await _registry.PublishAsync(one, "ident:1.0", _key);
        await _registry.PublishAsync(two, "ident:2.0", _key);
        using var nodeA = StartNode("node-a", "ident:1.0", out var addressA);
        using var nodeB = StartNode("node-b", "ident:2.0", out var addressB);
        await nodeA.WaitForAsync("^ready$");
        await nodeB.WaitForAsync("^ready$");

        // The constant pools are the same: identified by JDWP alone (no registry), the two classes are one type.
        var byJdwp = new GatewayOptions
        {
            Listen = "127.0.0.1:0",
            Nodes = [new NodeOptions { Name = "node-a", Address = addressA }, new NodeOptions { Name = "node-b", Address = addressB }],
        };
        await using (var gateway = new GatewayServer(byJdwp, NullLoggerFactory.Instance))
        {
            gateway.Start();
            await using var debugger = await AttachAsync(gateway.LocalEndPoint);
            Assert.Single(await ClassesBySignatureAsync(debugger, "Lcom/ident/Calc;"));
        }

        await using var discovered = await StartDiscoveringGatewayAsync(2);
        await using var session = await AttachAsync(discovered.LocalEndPoint);
        var calcs = await ClassesBySignatureAsync(session, "Lcom/ident/Calc;");
        Assert.Equal(2, calcs.Count);
        Assert.Equal(
            new[] { ClassHash(one, "Calc"), ClassHash(two, "Calc") }.Order(),
            calcs.Select(id => IdentityOf(discovered, id)).Order());

        // Main is the same bytes in both releases: one type.
        var mains = await ClassesBySignatureAsync(session, "Lcom/ident/Main;");
        Assert.Equal(ClassHash(one, "Main"), IdentityOf(discovered, Assert.Single(mains)));
        await StopAsync(nodeA, nodeB);
    }

    [Fact]
    public async Task The_same_class_bytes_under_two_releases_are_one_type_keyed_by_the_registry_hash()
    {
        // Two releases that differ in another class only: Calc has the same bytes in both.
        var one = JavaApp.Build(_dir.Combine("same-1"), Calc("a + b", "one"));
        var two = JavaApp.Build(_dir.Combine("same-2"), Calc("a + b", "two"));
        Assert.Equal(ClassHash(one, "Calc"), ClassHash(two, "Calc"));
        Assert.NotEqual(ClassHash(one, "Label"), ClassHash(two, "Label"));
        await _registry.PublishAsync(one, "ident:1.0", _key);
        await _registry.PublishAsync(two, "ident:1.1", _key);
        using var nodeA = StartNode("node-a", "ident:1.0", out _);
        using var nodeB = StartNode("node-b", "ident:1.1", out _);
        await nodeA.WaitForAsync("^ready$");
        await nodeB.WaitForAsync("^ready$");

        await using var gateway = await StartDiscoveringGatewayAsync(2);
        await using var debugger = await AttachAsync(gateway.LocalEndPoint);
        var calc = Assert.Single(await ClassesBySignatureAsync(debugger, "Lcom/ident/Calc;"));
        Assert.Equal(ClassHash(one, "Calc"), IdentityOf(gateway, calc));
        var session = gateway.ActiveSession!;
        Assert.True(session.Vm.Symbols.TryGetByVirtual(calc, out var symbol));
        Assert.Equal(2, symbol.NodeTypeIds.Count);

        var labels = await ClassesBySignatureAsync(debugger, "Lcom/ident/Label;");
        Assert.Equal(2, labels.Count);
        Assert.Equal(new[] { ClassHash(one, "Label"), ClassHash(two, "Label") }.Order(), labels.Select(id => IdentityOf(gateway, id)).Order());

        // A JDK class is one type by name, whatever the releases.
        Assert.Single(await ClassesBySignatureAsync(debugger, "Ljava/lang/String;"));
        await StopAsync(nodeA, nodeB);
    }

    [Fact]
    public async Task A_forks_override_is_its_own_type_and_what_it_inherits_from_its_parent_is_the_parents_type()
    {
        var parent = JavaApp.Build(_dir.Combine("parent"), Calc("a + b"));
        var changed = JavaApp.Build(_dir.Combine("changed"), Calc("a - b"));
        var fork = _dir.Combine("fork");
        Directory.CreateDirectory(Path.Combine(fork, "com", "ident"));
        File.Copy(Path.Combine(changed, "com", "ident", "Calc.class"), Path.Combine(fork, "com", "ident", "Calc.class"));
        await _registry.PublishAsync(parent, "ident:1.0", _key);
        var (code, output) = await RegistryServer.RunCliAsync(
            "publish", fork, "--manifest", "ident-fork:1.0", "--parent", "ident:1.0", "--key", _key.PrivatePem, "--registry", _registry.GrpcUrl);
        Assert.True(code == 0, $"fabric publish of the fork failed ({code}):\n{output}");
        using var nodeA = StartNode("node-a", "ident:1.0", out _);
        using var nodeB = StartNode("node-b", "ident-fork:1.0", out _);
        await nodeA.WaitForAsync("^ready$");
        await nodeB.WaitForAsync("^ready$");

        await using var gateway = await StartDiscoveringGatewayAsync(2);
        await using var debugger = await AttachAsync(gateway.LocalEndPoint);
        var calcs = await ClassesBySignatureAsync(debugger, "Lcom/ident/Calc;");
        Assert.Equal(new[] { ClassHash(parent, "Calc"), ClassHash(changed, "Calc") }.Order(), calcs.Select(id => IdentityOf(gateway, id)).Order());
        Assert.Equal(ClassHash(parent, "Main"), IdentityOf(gateway, Assert.Single(await ClassesBySignatureAsync(debugger, "Lcom/ident/Main;"))));
        Assert.Equal(ClassHash(parent, "Label"), IdentityOf(gateway, Assert.Single(await ClassesBySignatureAsync(debugger, "Lcom/ident/Label;"))));
        await StopAsync(nodeA, nodeB);
    }

    [Fact]
    public async Task Without_the_registry_classes_are_identified_by_JDWP_and_debugging_goes_on()
    {
        var one = JavaApp.Build(_dir.Combine("down-1"), Calc("a + b"));
        await _registry.PublishAsync(one, "ident:1.0", _key);
        using var nodeA = StartNode("node-a", "ident:1.0", out _);
        using var nodeB = StartNode("node-b", "ident:1.0", out _);
        await nodeA.WaitForAsync("^ready$");
        await nodeB.WaitForAsync("^ready$");
        await using var gateway = await StartDiscoveringGatewayAsync(2);

        // Discovery keeps the nodes it knows while the registry is down; their manifests cannot be read now.
        await _registry.StopAsync();
        await using var debugger = await AttachAsync(gateway.LocalEndPoint);
        var calc = Assert.Single(await ClassesBySignatureAsync(debugger, "Lcom/ident/Calc;"));
        Assert.StartsWith("cp:", IdentityOf(gateway, calc), StringComparison.Ordinal);
        Assert.True(gateway.ActiveSession!.Vm.Symbols.TryGetByVirtual(calc, out var symbol));
        Assert.Equal(2, symbol.NodeTypeIds.Count);
        var methods = await debugger.SendCommandAsync(2, 5, new JdwpWriter().Id(calc, 8).ToArray()).WaitAsync(Wait);
        Assert.Equal(0, methods.ErrorCode);
    }

    /// <summary>Main uses Calc and Label (so both are loaded), then prints <c>ready</c> and waits for a line.</summary>
    private static Dictionary<string, string> Calc(string body, string label = "one") => new()
    {
        ["com/ident/Main.java"] = """
            package com.ident;

            public class Main {
                public static void main(String[] args) throws Exception {
                    System.out.println(Label.name() + " " + new Calc().apply(2, 1));
                    System.out.println("ready");
                    System.out.flush();
                    new java.io.BufferedReader(new java.io.InputStreamReader(System.in)).readLine();
                }
            }
            """,
        ["com/ident/Calc.java"] = $$"""
            package com.ident;

            public class Calc {
                public int apply(int a, int b) {
                    return {{body}};
                }
            }
            """,
        ["com/ident/Label.java"] = $$"""
            package com.ident;

            public class Label {
                public static String name() {
                    return "{{label}}";
                }
            }
            """,
    };

    private static string ClassHash(string classes, string name) =>
        Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(classes, "com", "ident", name + ".class"))));

    private static string? IdentityOf(GatewayServer gateway, ulong virtualType) =>
        gateway.ActiveSession!.Vm.Symbols.TryGetByVirtual(virtualType, out var symbol) ? symbol.Identity : null;

    private NodeProcess StartNode(string name, string manifest, out string jdwp)
    {
        jdwp = $"127.0.0.1:{FreePort()}";
        return NodeProcess.Start(new NodeLaunchOptions
        {
            Registry = _registry.Url,
            Manifest = manifest,
            MainClass = "com.ident.Main",
            Cache = _dir.Combine("cache-" + name),
            Trust = [_key.PublicPem],
            ApplicationArguments = ["wait"],
            NodeName = name,
            Jdwp = jdwp,
        });
    }

    private async Task<GatewayServer> StartDiscoveringGatewayAsync(int nodes)
    {
        var options = new GatewayOptions
        {
            Listen = "127.0.0.1:0",
            Discovery = new DiscoveryOptions { Registry = _registry.Url, PollInterval = TimeSpan.FromMilliseconds(200) },
        };
        var gateway = new GatewayServer(options, NullLoggerFactory.Instance);
        gateway.Start();
        var deadline = DateTime.UtcNow + Wait;
        while (gateway.Nodes.Present.Count < nodes)
        {
            if (DateTime.UtcNow > deadline)
            {
                await gateway.DisposeAsync();
                throw new TimeoutException($"{nodes} nodes not discovered through the registry within {Wait.TotalSeconds:0} s");
            }

            await Task.Delay(100);
        }

        return gateway;
    }

    private static async Task StopAsync(params NodeProcess[] nodes)
    {
        foreach (var node in nodes)
        {
            await node.SendLineAsync("");
            Assert.True(await node.WaitForExitAsync() == 0, node.Output);
        }
    }
}
