using System.Text;

namespace Fabric.Registry.Symbolization;

/// <summary>
/// The main section of <c>META-INF/MANIFEST.MF</c> (JAR File Specification): <c>Name: value</c> lines, a line starting
/// with one space continuing the previous value, the section ending at the first empty line.
/// </summary>
public static class JarManifest
{
    public static IReadOnlyDictionary<string, string> ReadMainAttributes(ReadOnlySpan<byte> bytes)
    {
        var attributes = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var text = Encoding.UTF8.GetString(bytes);
        string? key = null;
        var value = new StringBuilder();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0)
            {
                break;
            }

            if (line[0] == ' ' && key is not null)
            {
                value.Append(line.AsSpan(1));
                continue;
            }

            Flush();
            var colon = line.IndexOf(": ", StringComparison.Ordinal);
            if (colon <= 0)
            {
                key = null;
                continue; // not an attribute; the JDK would refuse the JAR, a registry need not
            }

            key = line[..colon];
            value.Clear().Append(line.AsSpan(colon + 2));
        }

        Flush();
        return attributes;

        void Flush()
        {
            if (key is not null)
            {
                attributes.TryAdd(key, value.ToString());
            }
        }
    }

    /// <summary><c>groupId:artifactId:version</c> from a Maven <c>pom.properties</c> file, or null.</summary>
    public static string? ReadMavenCoordinate(ReadOnlySpan<byte> pomProperties)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in Encoding.UTF8.GetString(pomProperties).Split('\n'))
        {
            var line = raw.Trim();
            var equals = line.IndexOf('=');
            if (line.StartsWith('#') || equals <= 0)
            {
                continue;
            }

            values[line[..equals].Trim()] = line[(equals + 1)..].Trim();
        }

        return values.TryGetValue("groupId", out var g) && values.TryGetValue("artifactId", out var a) && values.TryGetValue("version", out var v)
            && g.Length > 0 && a.Length > 0 && v.Length > 0
            ? $"{g}:{a}:{v}"
            : null;
    }
}
