using System.CommandLine;
using Fabric.Registry.Server.Configuration;

namespace Fabric.Cli.Commands;

/// <summary>Options several commands share, and how they turn into a registry configuration.</summary>
internal static class CommonOptions
{
    public static Option<FileInfo?> Config() => new("--config") { Description = "Registry YAML configuration (docs/configuration.md); without it: embedded store in --data" };

    public static Option<DirectoryInfo?> Data() => new("--data") { Description = "Data directory of the embedded store when no --config is given (default: ./registry-data)" };

    public static Option<string> Registry() => new("--registry")
    {
        Description = "The registry's gRPC URL",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("FABRIC_REGISTRY") ?? "http://127.0.0.1:7071",
    };

    public static Option<string?> Token() => new("--token") { Description = "API token (default: $FABRIC_TOKEN)" };

    public static RegistryOptions Load(FileInfo? config, DirectoryInfo? data) =>
        config is not null
            ? RegistryConfigFile.Load(config.FullName)
            : RegistryConfigFile.Default(data?.FullName ?? Path.GetFullPath(Fabric.Registry.Storage.Configuration.EmbeddedStorageOptions.DefaultPath));

    public static Uri RegistryUri(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : throw new UserErrorException($"--registry '{text}' must be an http:// or https:// URL, e.g. http://127.0.0.1:7071");

    public static System.Net.IPEndPoint Endpoint(string text, string option) =>
        System.Net.IPEndPoint.TryParse(text, out var endpoint) && text.Contains(':', StringComparison.Ordinal)
            ? endpoint
            : throw new UserErrorException($"{option} '{text}' must be ip:port, e.g. 127.0.0.1:7070");

    public static string? TokenOf(string? option) => option ?? Environment.GetEnvironmentVariable("FABRIC_TOKEN");
}
