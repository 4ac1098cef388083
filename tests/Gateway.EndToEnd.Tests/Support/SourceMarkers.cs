using JdwpGateway.Demo;

namespace JdwpGateway.EndToEnd.Tests.Support;

/// <summary>
/// Finds breakpoint lines in the demo sources by their end-of-line marker comments (<c>// @bp:process-entry</c> ...).
/// </summary>
public static class SourceMarkers
{
    /// <summary>Marker on the first statement of <c>OrderService.process</c>.</summary>
    public const string ProcessEntry = "process-entry";

    /// <summary>Marker on the line of <c>OrderService.process</c> that calls <c>compute</c>.</summary>
    public const string ProcessCompute = "process-compute";

    /// <summary>Marker on the first statement of <c>OrderService.compute</c>.</summary>
    public const string ComputeBody = "compute-body";

    /// <summary>Marker on the first statement of <c>OrderService.handle</c>.</summary>
    public const string Handle = "handle";

    /// <summary>Marker on the first statement of <c>LateTask.run</c>.</summary>
    public const string Late = "late";

    /// <summary>
    /// The 1-based line number of the line ending with <c>// @bp:&lt;marker&gt;</c> in <paramref name="javaFile"/>.
    /// </summary>
    /// <param name="javaFile">"OrderService.java", "fabric/demo/OrderService.java" or an absolute path.</param>
    /// <param name="marker">"process-entry" or "@bp:process-entry".</param>
    /// <exception cref="InvalidOperationException">The marker is missing or appears more than once.</exception>
    public static int Line(string javaFile, string marker)
    {
        var path = Resolve(javaFile);
        var tag = "// " + (marker.StartsWith("@bp:", StringComparison.Ordinal) ? marker : "@bp:" + marker);
        var lines = File.ReadAllLines(path);
        var hits = Enumerable.Range(0, lines.Length)
            .Where(i => lines[i].TrimEnd().EndsWith(tag, StringComparison.Ordinal))
            .Select(i => i + 1)
            .ToList();
        return hits.Count switch
        {
            1 => hits[0],
            0 => throw new InvalidOperationException($"Marker '{tag}' not found in {path}."),
            _ => throw new InvalidOperationException($"Marker '{tag}' appears {hits.Count} times in {path} (lines {string.Join(", ", hits)})."),
        };
    }

    private static string Resolve(string javaFile)
    {
        if (Path.IsPathRooted(javaFile))
        {
            return javaFile;
        }

        var sourceDir = DemoAppBuilder.FindSourceDir();
        var direct = Path.Combine(sourceDir, javaFile);
        if (File.Exists(direct))
        {
            return direct;
        }

        var inPackage = Path.Combine(sourceDir, "fabric", "demo", javaFile);
        if (File.Exists(inPackage))
        {
            return inPackage;
        }

        throw new FileNotFoundException($"Demo source {javaFile} not found under {sourceDir}.");
    }
}
