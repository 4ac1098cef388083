using Fabric.Cli;
using Fabric.Registry.Server;
using Fabric.Registry.Server.Configuration;
using Fabric.Registry.Signing;

namespace Fabric.Registry.Server.Tests.Support;

/// <summary>A real registry server on loopback port 0 over an embedded store in a temp directory, with a signing key
/// its namespace trusts.</summary>
public sealed class TestRegistry : IAsyncDisposable
{
    private TestRegistry(string root, RegistryServer server, SigningKey key, string keyPath)
    {
        Root = root;
        Server = server;
        Key = key;
        KeyPath = keyPath;
    }

    public string Root { get; }

    public RegistryServer Server { get; }

    public SigningKey Key { get; }

    public string KeyPath { get; }

    public static async Task<TestRegistry> StartAsync(string namespacesYaml = "", string extraYaml = "")
    {
        var root = Path.Combine(Path.GetTempPath(), "fabric-server-test-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(root);
        var key = SigningKey.Generate();
        var keyPath = Path.Combine(root, "signing-key.pem");
        key.Save(keyPath, Path.Combine(root, "signing-key.pub.pem"));
        var yaml = $"""
            storage:
              path: data
            listen:
              http: 127.0.0.1:0
              grpc: 127.0.0.1:0
            {extraYaml}
            namespaces:
            {(namespacesYaml.Length > 0 ? namespacesYaml : "  default:\n    anonymousRead: true\n    anonymousPublish: true\n    trustedKeys: [signing-key.pub.pem]\n")}
            """;
        var configPath = Path.Combine(root, "registry.yaml");
        File.WriteAllText(configPath, yaml);
        var server = await RegistryServer.StartAsync(RegistryConfigFile.Load(configPath));
        return new TestRegistry(root, server, key, keyPath);
    }

    public string ConfigPath => Path.Combine(Root, "registry.yaml");

    public HttpClient Http() => new() { BaseAddress = Server.HttpAddress };

    public GrpcRegistryStore Grpc(string? token = null, string ns = "default") => new(Server.GrpcAddress, token, ns);

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        Key.Dispose();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
