using System.Net;

namespace JdwpGateway.Routing.Config;

/// <summary>The gateway's configuration, bound from <c>gateway.yaml</c> and overridden by command-line flags.</summary>
public sealed record GatewayOptions
{
    /// <summary>Address the debugger attaches to, <c>host:port</c>. Default <c>127.0.0.1:5005</c>.</summary>
    public string Listen { get; init; } = "127.0.0.1:5005";

    /// <summary>The JVMs behind the gateway. At least one is required.</summary>
    public IReadOnlyList<NodeOptions> Nodes { get; init; } = [];

    /// <summary>Largest JDWP packet accepted from either side, in bytes. Default 64 MiB.</summary>
    public int MaxPacketLength { get; init; } = Protocol.Framing.JdwpFrameReader.DefaultMaxPacketLength;

    /// <summary>How long to wait for a node's handshake and IDSizes. Default 5 s.</summary>
    public TimeSpan NodeConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How often to retry a node that was down, during a session. Default 2 s.</summary>
    public TimeSpan NodeRetryInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a debugger may take to send the JDWP handshake. Default 10 s.</summary>
    public TimeSpan DebuggerHandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Directory to record every byte of every connection into (one capture file per debugger connection, see
    /// docs/protocol.md "Capture format"); null (the default) records nothing.
    /// </summary>
    public string? Record { get; init; }

    /// <summary>
    /// What an event that suspends all threads suspends in the virtual VM: <see cref="SuspendScope.All"/> (default; every
    /// node, as one JVM would), <see cref="SuspendScope.Node"/> (only the event's node) or <see cref="SuspendScope.Thread"/>
    /// (only the event's thread: requests are set on the nodes with SUSPEND_EVENT_THREAD).
    /// </summary>
    public SuspendScope Suspend { get; init; } = SuspendScope.All;

    /// <summary>
    /// Where to find nodes besides <see cref="Nodes"/>: a fabric registry whose registered nodes join and leave the
    /// virtual VM as they come and go. Null (the default) uses the configured nodes only.
    /// </summary>
    public DiscoveryOptions? Discovery { get; init; }

    /// <summary>The admin HTTP listener (nodes, symbols, health); null (the default) serves none.</summary>
    public AdminOptions? Admin { get; init; }

    /// <summary>Parses <see cref="Listen"/>.</summary>
    public IPEndPoint ListenEndPoint => NodeOptions.ParseEndPoint(Listen, "listen");

    /// <summary>Checks the options and lists every problem found.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        try
        {
            _ = ListenEndPoint;
        }
        catch (FormatException ex)
        {
            problems.Add(ex.Message);
        }

        if (Nodes.Count == 0 && Discovery is null)
        {
            problems.Add("no nodes configured: add at least one under 'nodes:', pass --node name=host:port, or name a registry under 'discovery:'");
        }

        if (Discovery is not null)
        {
            problems.AddRange(Discovery.Validate());
        }

        if (Admin is not null)
        {
            problems.AddRange(Admin.Validate());
        }

        foreach (var node in Nodes)
        {
            problems.AddRange(node.Validate());
        }

        foreach (var dup in Nodes.GroupBy(n => n.Name, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            problems.Add($"node name '{dup.Key}' is used {dup.Count()} times; node names must be unique");
        }

        if (Record is not null && string.IsNullOrWhiteSpace(Record))
        {
            problems.Add("record: the directory to record captures into is empty");
        }

        if (MaxPacketLength < 1024)
        {
            problems.Add($"maxPacketLength {MaxPacketLength} is too small (minimum 1024)");
        }

        CheckDuration(problems, "nodeConnectTimeoutSeconds", NodeConnectTimeout, TimeSpan.FromMinutes(10));
        CheckDuration(problems, "nodeRetrySeconds", NodeRetryInterval, TimeSpan.FromHours(1));
        CheckDuration(problems, "debuggerHandshakeTimeoutSeconds", DebuggerHandshakeTimeout, TimeSpan.FromHours(1));

        return problems;
    }

    private static void CheckDuration(List<string> problems, string key, TimeSpan value, TimeSpan maximum)
    {
        if (value <= TimeSpan.Zero || value > maximum)
        {
            problems.Add($"{key} {value.TotalSeconds:0.###} is out of range: it must be above 0 and at most {maximum.TotalSeconds:0} seconds");
        }
    }
}

/// <summary>Nodes found through the fabric registry (docs/fabric.md: <c>GET /v1/nodes</c>).</summary>
public sealed record DiscoveryOptions
{
    /// <summary>The registry's base address, <c>http(s)://host:port</c>. Required.</summary>
    public string Registry { get; init; } = string.Empty;

    /// <summary>Only nodes running this manifest (<c>[namespace/]name:tag</c>); null for every registered node.</summary>
    public string? Manifest { get; init; }

    /// <summary>API token sent as <c>Authorization: Bearer</c>; null where the registry allows anonymous reads.</summary>
    public string? Token { get; init; }

    /// <summary>How often to ask the registry for its nodes. Default 1 s.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The registry address as a URI.</summary>
    public Uri RegistryUri => Uri.TryCreate(Registry.EndsWith('/') ? Registry : Registry + "/", UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
        ? uri
        : throw new FormatException($"discovery registry '{Registry}' is not an http:// or https:// address");

    /// <summary>Lists problems with these settings.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        try
        {
            _ = RegistryUri;
        }
        catch (FormatException ex)
        {
            problems.Add(ex.Message);
        }

        if (Manifest is not null && !ManifestNames.IsValid(Manifest))
        {
            problems.Add($"discovery manifest '{Manifest}' is not [namespace/]name:tag");
        }

        if (PollInterval <= TimeSpan.Zero || PollInterval > TimeSpan.FromMinutes(10))
        {
            problems.Add($"discovery pollSeconds {PollInterval.TotalSeconds:0.###} is out of range: above 0 and at most 600");
        }

        return problems;
    }
}

/// <summary>Manifest names as nodes report them: <c>[namespace/]name:tag</c>, the namespace <c>default</c> when absent.</summary>
public static class ManifestNames
{
    /// <summary>True for a well-formed name.</summary>
    public static bool IsValid(string name) => Normalize(name) is not null;

    /// <summary>The name with its namespace spelled out, or null when malformed.</summary>
    public static string? Normalize(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var colon = name.LastIndexOf(':');
        if (colon <= 0 || colon == name.Length - 1)
        {
            return null;
        }

        var slash = name.IndexOf('/', StringComparison.Ordinal);
        var full = slash < 0 ? "default/" + name : name;
        var parts = full.Split('/', ':');
        return parts.Length == 3 && parts.All(p => p.Length is > 0 and <= 128 && p.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            ? full
            : null;
    }
}

/// <summary>One JVM behind the gateway.</summary>
public sealed record NodeOptions
{
    /// <summary>Name shown to the debugger (thread names are prefixed with <c>[name]</c>). Required.</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>Address of the node's JDWP agent, <c>host:port</c>. Required.</summary>
    public string Address { get; init; } = string.Empty;

    /// <summary>Host part of <see cref="Address"/>.</summary>
    public string Host => SplitAddress().Host;

    /// <summary>Port part of <see cref="Address"/>.</summary>
    public int Port => SplitAddress().Port;

    /// <summary>Parses <c>name=host:port</c> as given to <c>--node</c>.</summary>
    public static NodeOptions Parse(string text)
    {
        var eq = text.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0 || eq == text.Length - 1)
        {
            throw new FormatException($"--node '{text}': expected name=host:port, e.g. node-a=127.0.0.1:7001");
        }

        var node = new NodeOptions { Name = text[..eq], Address = text[(eq + 1)..] };
        var problems = node.Validate();
        return problems.Count == 0 ? node : throw new FormatException(string.Join("; ", problems));
    }

    /// <summary>Lists problems with this node's settings.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(Name))
        {
            problems.Add($"a node with address '{Address}' has no name");
        }
        else if (Name.Any(c => char.IsWhiteSpace(c) || c is '[' or ']'))
        {
            problems.Add($"node name '{Name}' must not contain spaces or brackets");
        }

        try
        {
            _ = SplitAddress();
        }
        catch (FormatException ex)
        {
            problems.Add($"node '{Name}': {ex.Message}");
        }

        return problems;
    }

    internal static IPEndPoint ParseEndPoint(string text, string what)
    {
        var (host, port) = Split(text, what, allowAnyPort: true);
        if (host == "localhost")
        {
            return new IPEndPoint(IPAddress.Loopback, port);
        }

        return IPAddress.TryParse(host, out var ip)
            ? new IPEndPoint(ip, port)
            : throw new FormatException($"{what} '{text}': '{host}' is not an IP address (use e.g. 127.0.0.1:5005)");
    }

    private (string Host, int Port) SplitAddress() => Split(Address, "address", allowAnyPort: false);

    private static (string Host, int Port) Split(string text, string what, bool allowAnyPort)
    {
        var colon = text.LastIndexOf(':');
        var lowest = allowAnyPort ? 0 : 1;
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), out var port) || port < lowest || port > 65535)
        {
            throw new FormatException($"{what} '{text}' must be host:port with a port from {lowest} to 65535");
        }

        return (text[..colon].Trim('[', ']'), port);
    }
}

/// <summary>How far a SUSPEND_ALL event suspends the virtual VM.</summary>
public enum SuspendScope
{
    /// <summary>Every node: the debugger's view of a suspended VM is true, at the cost of stopping the whole cluster.</summary>
    All,

    /// <summary>Only the node the event came from: the rest of the cluster keeps serving.</summary>
    Node,

    /// <summary>Only the thread the event came from.</summary>
    Thread,
}
