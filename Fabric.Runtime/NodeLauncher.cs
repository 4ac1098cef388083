using System.Diagnostics;
using System.Globalization;

namespace Fabric.Runtime;

/// <summary>
/// Assembles the <c>java</c> command line of a fabric node: optional JDWP agent, the node agent jar as the only class
/// path, <c>fabric.node.Launcher</c> and its options, then the application's arguments after <c>--</c>.
/// </summary>
public static class NodeLauncher
{
    public const string LauncherClass = "fabric.node.Launcher";

    public const string AgentJarName = "fabric-node.jar";

    /// <summary>The node agent jar built with this assembly.</summary>
    public static string DefaultAgentJar => Path.Combine(AppContext.BaseDirectory, AgentJarName);

    /// <summary>The arguments after <c>java</c>.</summary>
    /// <exception cref="ArgumentException">An option is malformed (the message says which).</exception>
    public static IReadOnlyList<string> BuildArguments(NodeLaunchOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var args = new List<string>();
        if (options.Jdwp is { } jdwp)
        {
            CheckHostPort(jdwp);
            args.Add($"-agentlib:jdwp=transport=dt_socket,server=y,suspend=n,address={jdwp}");
        }

        args.AddRange(options.JvmOptions);
        args.Add("-cp");
        args.Add(options.AgentJar ?? DefaultAgentJar);
        args.Add(LauncherClass);
        if (options.Registry is { } registry)
        {
            if (!Uri.TryCreate(registry, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
            {
                throw new ArgumentException($"--registry '{registry}' is not an http(s) URL");
            }

            Add("--registry", registry);
        }

        Add("--manifest", options.Manifest);
        Add("--main", options.MainClass);
        if (options.NodeName is { } name)
        {
            Add("--name", name);
        }

        if (options.Jdwp is { } address)
        {
            Add("--jdwp-address", address);
        }

        foreach (var key in options.Trust)
        {
            Add("--trust", Path.GetFullPath(key));
        }

        if (options.Cache is { } cache)
        {
            Add("--cache", Path.GetFullPath(cache));
        }

        if (options.HttpPort is { } port)
        {
            Add("--http-port", port.ToString(CultureInfo.InvariantCulture));
        }

        foreach (var peer in options.Peers)
        {
            Add("--peer", peer);
        }

        args.AddRange(options.LauncherOptions);
        if (options.ApplicationArguments.Count > 0)
        {
            args.Add("--");
            args.AddRange(options.ApplicationArguments);
        }

        return args;

        void Add(string option, string value)
        {
            args.Add(option);
            args.Add(value);
        }
    }

    /// <summary>A start info ready for <see cref="Process.Start(ProcessStartInfo)"/>; with
    /// <paramref name="redirect"/> false the node shares this process's console.</summary>
    public static ProcessStartInfo CreateStartInfo(NodeLaunchOptions options, bool redirect = true)
    {
        var jar = options.AgentJar ?? DefaultAgentJar;
        if (!File.Exists(jar))
        {
            throw new FileNotFoundException($"the node agent {jar} is missing; build Fabric.Runtime (it compiles it with javac)", jar);
        }

        var psi = new ProcessStartInfo(options.Java ?? JavaLocator.Find())
        {
            RedirectStandardOutput = redirect,
            RedirectStandardError = redirect,
            RedirectStandardInput = redirect,
            UseShellExecute = false,
        };
        foreach (var arg in BuildArguments(options))
        {
            psi.ArgumentList.Add(arg);
        }

        return psi;
    }

    private static void CheckHostPort(string address)
    {
        var colon = address.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(address.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            || port is < 1 or > 65535)
        {
            throw new ArgumentException($"--jdwp '{address}' is not HOST:PORT (port 1-65535)");
        }
    }
}
