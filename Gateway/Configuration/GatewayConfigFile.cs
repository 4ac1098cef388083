using JdwpGateway.Routing.Config;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace JdwpGateway.Configuration;

/// <summary>
/// Reads <c>gateway.yaml</c>. The file's shape is documented in docs/configuration.md; unknown keys are errors so a
/// typo never silently falls back to a default.
/// </summary>
public static class GatewayConfigFile
{
    /// <summary>Loads and binds a YAML file.</summary>
    /// <exception cref="GatewayConfigException">The file is missing, is not valid YAML, or has unknown keys.</exception>
    public static GatewayOptions Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new GatewayConfigException($"configuration file '{path}' does not exist");
        }

        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Binds YAML text.</summary>
    public static GatewayOptions Parse(string yaml, string source = "<yaml>")
    {
        var deserializer = new DeserializerBuilder()
            .WithNamingConvention(CamelCaseNamingConvention.Instance)
            .Build();
        Document? document;
        try
        {
            document = deserializer.Deserialize<Document?>(yaml);
        }
        catch (YamlException ex)
        {
            throw new GatewayConfigException($"{source}: line {ex.Start.Line}, column {ex.Start.Column}: {Explain(ex)}", ex);
        }

        document ??= new Document();
        var defaults = new GatewayOptions();
        return new GatewayOptions
        {
            Listen = document.Listen ?? defaults.Listen,
            MaxPacketLength = document.MaxPacketLength ?? defaults.MaxPacketLength,
            NodeConnectTimeout = Seconds(document.NodeConnectTimeoutSeconds) ?? defaults.NodeConnectTimeout,
            NodeRetryInterval = Seconds(document.NodeRetrySeconds) ?? defaults.NodeRetryInterval,
            DebuggerHandshakeTimeout = Seconds(document.DebuggerHandshakeTimeoutSeconds) ?? defaults.DebuggerHandshakeTimeout,
            Record = document.Record ?? defaults.Record,
            Suspend = ParseSuspend(document.Suspend, source) ?? defaults.Suspend,
            Nodes = [.. (document.Nodes ?? []).Select(n => new NodeOptions { Name = n.Name ?? string.Empty, Address = n.Address ?? string.Empty })],
            Discovery = document.Discovery is { } d
                ? new DiscoveryOptions
                {
                    Registry = d.Registry ?? string.Empty,
                    Manifest = d.Manifest,
                    Token = d.Token,
                    PollInterval = Seconds(d.PollSeconds) ?? new DiscoveryOptions().PollInterval,
                }
                : null,
            Admin = document.Admin is { } a
                ? new AdminOptions { Listen = a.Listen ?? new AdminOptions().Listen, AllowRemote = a.AllowRemote ?? false }
                : null,
        };
    }

    /// <summary>YamlDotNet's messages name our private types; say what is wrong in the file's own terms.</summary>
    private static string Explain(YamlException ex)
    {
        var message = ex.InnerException?.Message ?? ex.Message;
        var unknown = System.Text.RegularExpressions.Regex.Match(message, @"Property '([^']*)' not found on type '[^']*\+(\w+)'");
        if (unknown.Success)
        {
            var known = unknown.Groups[2].Value switch
            {
                nameof(NodeDocument) => "name, address",
                nameof(DiscoveryDocument) => "registry, manifest, token, pollSeconds",
                nameof(AdminDocument) => "listen, allowRemote",
                _ => "listen, nodes, discovery, admin, maxPacketLength, nodeConnectTimeoutSeconds, nodeRetrySeconds, debuggerHandshakeTimeoutSeconds, record, suspend",
            };
            return $"unknown key '{unknown.Groups[1].Value}' (known keys here: {known})";
        }

        var number = System.Text.RegularExpressions.Regex.Match(message, @"The input string '([^']*)' was not in a correct format");
        if (number.Success)
        {
            return $"'{number.Groups[1].Value}' is not a number";
        }

        if (message.Contains("Expected 'SequenceStart'", StringComparison.Ordinal))
        {
            return "expected a list here (items start with '- ', e.g. '- name: node-a')";
        }

        return message;
    }

    private static SuspendScope? ParseSuspend(string? value, string source) => value switch
    {
        null => null,
        "all" => SuspendScope.All,
        "node" => SuspendScope.Node,
        "thread" => SuspendScope.Thread,
        _ => throw new GatewayConfigException($"{source}: suspend '{value}' must be one of: all, node, thread"),
    };

    private static TimeSpan? Seconds(double? value) => value is { } s ? TimeSpan.FromSeconds(s) : null;

    // Mutable shapes for YamlDotNet; GatewayOptions stays immutable.
    private sealed class Document
    {
        public string? Listen { get; set; }

        public int? MaxPacketLength { get; set; }

        public double? NodeConnectTimeoutSeconds { get; set; }

        public double? NodeRetrySeconds { get; set; }

        public double? DebuggerHandshakeTimeoutSeconds { get; set; }

        public string? Record { get; set; }

        public string? Suspend { get; set; }

        public List<NodeDocument>? Nodes { get; set; }

        public DiscoveryDocument? Discovery { get; set; }

        public AdminDocument? Admin { get; set; }
    }

    private sealed class AdminDocument
    {
        public string? Listen { get; set; }

        public bool? AllowRemote { get; set; }
    }

    private sealed class DiscoveryDocument
    {
        public string? Registry { get; set; }

        public string? Manifest { get; set; }

        public string? Token { get; set; }

        public double? PollSeconds { get; set; }
    }

    private sealed class NodeDocument
    {
        public string? Name { get; set; }

        public string? Address { get; set; }
    }
}

/// <summary>A configuration problem the user must fix; the message says what and where.</summary>
public sealed class GatewayConfigException(string message, Exception? inner = null) : Exception(message, inner);
