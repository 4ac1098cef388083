using System.Diagnostics;
using System.Text.RegularExpressions;
using Fabric.Registry.Symbols;

namespace Fabric.Runtime.Tests.Support;

/// <summary>A real registry: <c>fabric registry serve</c> in its own process on a free loopback port, with its data
/// in a temp directory; releases published with the real <c>fabric publish</c>.</summary>
public sealed class RegistryServer : IAsyncDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(20) };
    private readonly string _dataDir;
    private Process? _process;
    private readonly List<string> _output = [];

    private RegistryServer(string dataDir)
    {
        _dataDir = dataDir;
    }

    public string Url { get; private set; } = string.Empty;

    /// <summary>The <c>fabric</c> CLI built with the tests (Fabric.Cli is a project reference).</summary>
    public static string CliDll => Path.Combine(AppContext.BaseDirectory, "fabric.dll");

    public string GrpcUrl { get; private set; } = string.Empty;

    /// <summary>Starts a registry whose <c>default</c> namespace is anonymously readable and publishable and trusts
    /// <paramref name="key"/>; with <paramref name="readToken"/>, reading needs that token instead. Without
    /// <paramref name="memoryCache"/>, every read comes from the store, so a blob corrupted there reaches readers.</summary>
    public static async Task<RegistryServer> StartAsync(string dataDir, SigningKey key, string? readToken = null, bool memoryCache = true)
    {
        Directory.CreateDirectory(dataDir);
        var config = Path.Combine(dataDir, "registry.yaml");
        File.WriteAllText(config, $$"""
            storage: { kind: embedded, path: {{Path.Combine(dataDir, "store")}} }
            listen:
              http: 127.0.0.1:0
              grpc: 127.0.0.1:0
            blobCacheMegabytes: {{(memoryCache ? 64 : 0)}}
            namespaces:
              default:
                anonymousRead: {{(readToken is null ? "true" : "false")}}
                anonymousPublish: true
                trustedKeys: [{{key.PublicPem}}]
            """ + (readToken is null ? string.Empty : $"\n    tokens: [{{ token: {readToken}, roles: [read] }}]\n"));
        var server = new RegistryServer(dataDir);
        await server.StartProcessAsync(config);
        return server;
    }

    private async Task StartProcessAsync(string config)
    {
        Assert.True(File.Exists(CliDll), $"the fabric CLI is missing at {CliDll}");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { CliDll, "registry", "serve", "--config", config })
        {
            psi.ArgumentList.Add(a);
        }

        var process = new Process { StartInfo = psi };
        var url = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var grpc = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnLine(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (_output)
            {
                _output.Add(line);
            }

            // serve prints "http ADDRESS" and "grpc ADDRESS" once it listens.
            var m = Regex.Match(line, @"^(http|grpc) (?:http://)?(127\.0\.0\.1:\d+)/?$");
            if (m.Success)
            {
                (m.Groups[1].Value == "http" ? url : grpc).TrySetResult("http://" + m.Groups[2].Value);
            }
        }

        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        try
        {
            Url = await url.Task.WaitAsync(TimeSpan.FromSeconds(60));
            GrpcUrl = await grpc.Task.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
            Assert.Fail($"the registry did not say where it listens within 60 s:\n{Output}");
        }
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return string.Join('\n', _output);
            }
        }
    }

    /// <summary>Publishes a class directory as <paramref name="name"/>, signed with <paramref name="key"/>.</summary>
    public async Task PublishAsync(string classes, string name, SigningKey key)
    {
        var (code, output) = await RunCliAsync("publish", classes, "--manifest", name, "--key", key.PrivatePem, "--registry", GrpcUrl);
        Assert.True(code == 0, $"fabric publish failed ({code}):\n{output}");
    }

    public static async Task<(int Code, string Output)> RunCliAsync(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(CliDll);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        return (p.ExitCode, output + await err);
    }

    public async Task<string> GetTextAsync(string path) => await Http.GetStringAsync(Url + path);

    /// <summary>Flips a byte of a stored blob in the registry's own store, as disk corruption would.</summary>
    public void CorruptBlob(SymbolId id)
    {
        var hex = id.ToString();
        var file = Directory.EnumerateFiles(_dataDir, hex, SearchOption.AllDirectories).SingleOrDefault();
        Assert.True(file is not null, $"blob {hex} not found under {_dataDir}");
        var bytes = File.ReadAllBytes(file);
        bytes[^1] ^= 0x5A;
        File.WriteAllBytes(file, bytes);
    }

    public async Task StopAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process?.Dispose();
    }
}
