using System.Diagnostics;
using System.Text;
using Fabric.Registry.Signing;

namespace Fabric.Registry.Server.Tests.Support;

/// <summary>A real <c>fabric registry serve --config</c> child process on loopback port 0, with a signing key its
/// <c>default</c> namespace trusts. Its own process, so what its metrics count is what this test did and nothing else.</summary>
public sealed class ServeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();

    private ServeProcess(string root, Process process, SigningKey key)
    {
        Root = root;
        _process = process;
        Key = key;
    }

    public string Root { get; }

    public SigningKey Key { get; }

    public Uri HttpAddress { get; private set; } = null!;

    public Uri GrpcAddress { get; private set; } = null!;

    /// <param name="sectionsYaml">Top-level YAML added to the config (e.g. a <c>telemetry:</c> section).</param>
    /// <param name="namespaceYaml">Keys of the <c>default</c> namespace besides trustedKeys (indented 4).</param>
    public static async Task<ServeProcess> StartAsync(string sectionsYaml, string namespaceYaml = "    anonymousRead: true\n    anonymousPublish: true\n")
    {
        var root = Directory.CreateTempSubdirectory("fabric-serve-").FullName;
        var key = SigningKey.Generate();
        key.Save(Path.Combine(root, "signing-key.pem"), Path.Combine(root, "signing-key.pub.pem"));
        var config = Path.Combine(root, "registry.yaml");
        File.WriteAllText(config, $"""
            storage:
              path: data
            listen:
              http: 127.0.0.1:0
              grpc: 127.0.0.1:0
            namespaces:
              default:
                trustedKeys: [signing-key.pub.pem]

            """ + namespaceYaml + sectionsYaml);
        var process = Process.Start(FabricProcess.StartInfo(root, "registry", "serve", "--config", config))!;
        var serve = new ServeProcess(root, process, key);
        process.ErrorDataReceived += (_, e) =>
        {
            lock (serve._stderr)
            {
                serve._stderr.AppendLine(e.Data);
            }
        };
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var http = await process.StandardOutput.ReadLineAsync(timeout.Token);
        var grpc = await process.StandardOutput.ReadLineAsync(timeout.Token);
        if (http is null || grpc is null || !http.StartsWith("http ", StringComparison.Ordinal) || !grpc.StartsWith("grpc ", StringComparison.Ordinal))
        {
            await serve.DisposeAsync();
            throw new InvalidOperationException($"fabric registry serve did not start: {http} {grpc} {serve.Stderr}");
        }

        serve.HttpAddress = new Uri(http["http ".Length..]);
        serve.GrpcAddress = new Uri(grpc["grpc ".Length..]);
        _ = process.StandardOutput.ReadToEndAsync();
        return serve;
    }

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public HttpClient Http() => new() { BaseAddress = HttpAddress };

    public Fabric.Cli.GrpcRegistryStore Grpc(string? token = null) => new(GrpcAddress, token, "default");

    public string ConfigPath => Path.Combine(Root, "registry.yaml");

    /// <summary>Ends the server, keeping its directory (for commands that run on the registry host afterwards).</summary>
    public async Task StopAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process.Dispose();
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
