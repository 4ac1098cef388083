using JdwpGateway.Routing.Config;

namespace JdwpGateway.Routing.Discovery;

/// <summary>
/// Reads the class lines and the parent of a manifest's canonical text (docs/fabric.md, "Symbols and manifests"). Only
/// what identifies classes is read; the registry verified the signature when the manifest was published.
/// </summary>
public static class ManifestClasses
{
    /// <summary>
    /// Parses <paramref name="text"/>, which must be the manifest named <paramref name="expectedName"/> (normalized).
    /// Returns false with a reason when it is not a manifest, names another release or has a malformed class line.
    /// </summary>
    public static bool TryParse(string text, string expectedName, out Dictionary<string, string> classes, out string? parent, out string problem)
    {
        ArgumentNullException.ThrowIfNull(text);
        classes = new Dictionary<string, string>(StringComparer.Ordinal);
        parent = null;
        problem = string.Empty;
        var lines = text.Split('\n');
        if (lines[0] != "fabric-manifest 1")
        {
            problem = "it does not start with 'fabric-manifest 1'";
            return false;
        }

        string? name = null;
        for (var i = 1; i < lines.Length; i++)
        {
            var fields = lines[i].Split('\t');
            switch (fields[0])
            {
                case "name" when fields.Length == 2:
                    name = ManifestNames.Normalize(fields[1]);
                    break;
                case "parent" when fields.Length == 2:
                    parent = ManifestNames.Normalize(fields[1]);
                    if (parent is null)
                    {
                        problem = $"line {i + 1} names a malformed parent";
                        return false;
                    }

                    break;
                case "class" when fields.Length == 4 && fields[1].Length > 0 && IsSymbolId(fields[2]):
                    classes[fields[1]] = fields[2];
                    break;
                case "class":
                    problem = $"line {i + 1} is not a class line: class, internal name, 64 hex digits, size";
                    return false;
            }
        }

        if (name != expectedName)
        {
            problem = $"it names itself {name ?? "nothing"}";
            return false;
        }

        return true;
    }

    private static bool IsSymbolId(string text) => text.Length == 64 && text.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');
}
