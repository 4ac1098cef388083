namespace JdwpGateway.Demo;

/// <summary>One node of the fabric demo: a <c>fabric run</c> process and the JVM it started.</summary>
/// <param name="Name">The node name (<c>node-a</c>), registered with the registry and shown by the gateway.</param>
/// <param name="JdwpPort">The JDWP port on 127.0.0.1 that the node registers and the gateway connects to.</param>
/// <param name="AppPort">The demo app's peer port on 127.0.0.1.</param>
/// <param name="Process">The <c>fabric run</c> process.</param>
/// <param name="JvmProcessId">The JVM's pid, or null where the process table cannot be read.</param>
/// <param name="JvmCommandLine">The JVM's command line as <c>ps</c> shows it (empty where unknown).</param>
public sealed record FabricDemoNode(string Name, int JdwpPort, int AppPort, ChildProcess Process, int? JvmProcessId, IReadOnlyList<string> JvmCommandLine)
{
    /// <summary>The JVM's class path (the word after <c>-cp</c>), or null where unknown.</summary>
    public string? ClassPath
    {
        get
        {
            var i = JvmCommandLine.ToList().FindIndex(w => w is "-cp" or "-classpath" or "--class-path");
            return i >= 0 && i + 1 < JvmCommandLine.Count ? JvmCommandLine[i + 1] : null;
        }
    }
}
