namespace Fabric.Runtime;

/// <summary>What a node is started with: the launcher's options (see docs/fabric.md) plus the JVM to run it.</summary>
public sealed record NodeLaunchOptions
{
    /// <summary>The registry's base URL, e.g. <c>http://127.0.0.1:7070</c>. Null runs from the cache alone.</summary>
    public string? Registry { get; init; }

    /// <summary><c>[namespace/]name:tag</c>.</summary>
    public required string Manifest { get; init; }

    /// <summary>The main class's binary name, e.g. <c>com.app.Main</c>.</summary>
    public required string MainClass { get; init; }

    /// <summary>The node's name in the registry; null starts a node that does not register.</summary>
    public string? NodeName { get; init; }

    /// <summary><c>HOST:PORT</c> the JVM's JDWP agent listens on (and the node registers); null for no debugging.</summary>
    public string? Jdwp { get; init; }

    /// <summary>PEM public keys whose signatures the node accepts.</summary>
    public IReadOnlyList<string> Trust { get; init; } = [];

    /// <summary>The L2 cache directory; null for the launcher's default (<c>~/.cache/fabric-node</c>).</summary>
    public string? Cache { get; init; }

    /// <summary>Loopback port of the node's metrics and blob endpoint (0 picks one); null for none.</summary>
    public int? HttpPort { get; init; }

    /// <summary>Base URLs of other nodes' HTTP endpoints, tried after the registry.</summary>
    public IReadOnlyList<string> Peers { get; init; } = [];

    /// <summary>Further launcher options, e.g. <c>--attempts 2</c>.</summary>
    public IReadOnlyList<string> LauncherOptions { get; init; } = [];

    /// <summary>JVM options placed before the class path, e.g. <c>-Xmx256m</c>.</summary>
    public IReadOnlyList<string> JvmOptions { get; init; } = [];

    /// <summary>Arguments for the application's main.</summary>
    public IReadOnlyList<string> ApplicationArguments { get; init; } = [];

    /// <summary>The <c>java</c> executable; null finds one (<see cref="JavaLocator"/>).</summary>
    public string? Java { get; init; }

    /// <summary>The node agent's jar; null uses the <c>fabric-node.jar</c> built next to this assembly.</summary>
    public string? AgentJar { get; init; }
}
