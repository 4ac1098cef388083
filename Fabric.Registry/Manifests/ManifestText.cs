using System.Globalization;
using System.Text;
using Fabric.Registry.Symbols;

namespace Fabric.Registry.Manifests;

/// <summary>
/// The canonical manifest text. A line format rather than JSON because the node agent parses it with the JDK alone
/// and because signing needs exactly one byte sequence per manifest. UTF-8, LF line ends, no BOM, tab-separated:
/// <code>
/// fabric-manifest 1
/// name      ns/name:tag
/// parent    ns/name:tag            (only for forks)
/// meta      key  value             (sorted by key, ordinal)
/// class     com/app/Main  hex  size (sorted by path, ordinal)
/// resource  META-INF/x    hex  size (sorted by path, ordinal)
/// </code>
/// Fields never contain a tab, CR or LF; that is checked when a manifest is built.
/// </summary>
public static class ManifestText
{
    public const string Header = "fabric-manifest 1";

    public static byte[] Write(ReleaseManifest manifest)
    {
        var text = new StringBuilder();
        text.Append(Header).Append('\n');
        text.Append("name\t").Append(manifest.Name).Append('\n');
        if (manifest.Parent is { } parent)
        {
            text.Append("parent\t").Append(parent).Append('\n');
        }

        foreach (var (key, value) in manifest.Metadata)
        {
            text.Append("meta\t").Append(key).Append('\t').Append(value).Append('\n');
        }

        foreach (var entry in manifest.Entries)
        {
            text.Append(entry.Kind == SymbolKind.Class ? "class\t" : "resource\t")
                .Append(entry.Path).Append('\t')
                .Append(entry.Symbol.ToString()).Append('\t')
                .Append(entry.Size.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>Parses canonical bytes; anything else (including a re-ordered but equivalent text) is refused, so
    /// the parsed manifest always writes back to the very bytes that were signed.</summary>
    public static ReleaseManifest Parse(ReadOnlySpan<byte> bytes)
    {
        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new FormatException("manifest: not valid UTF-8");
        }

        var lines = text.Split('\n');
        if (lines.Length < 3 || lines[0] != Header || lines[^1].Length != 0)
        {
            throw new FormatException($"manifest: must start with '{Header}' and end with a line feed");
        }

        ManifestName? name = null, parent = null;
        var metadata = new List<KeyValuePair<string, string>>();
        var entries = new List<ManifestEntry>();
        for (var i = 1; i < lines.Length - 1; i++)
        {
            var fields = lines[i].Split('\t');
            string Fail(string why) => throw new FormatException($"manifest line {i + 1}: {why}");
            switch (fields[0])
            {
                case "name" when fields.Length == 2 && i == 1:
                    name = ManifestName.Parse(fields[1]);
                    break;
                case "parent" when fields.Length == 2 && i == 2:
                    parent = ManifestName.Parse(fields[1]);
                    break;
                case "meta" when fields.Length == 3:
                    metadata.Add(new(fields[1], fields[2]));
                    break;
                case "class" or "resource" when fields.Length == 4:
                    if (!SymbolId.TryParse(fields[2], out var id))
                    {
                        Fail($"'{fields[2]}' is not a symbol ID");
                    }

                    if (!long.TryParse(fields[3], NumberStyles.None, CultureInfo.InvariantCulture, out var size))
                    {
                        Fail($"'{fields[3]}' is not a size");
                    }

                    entries.Add(new ManifestEntry(fields[1], fields[0] == "class" ? SymbolKind.Class : SymbolKind.Resource, id, size));
                    break;
                default:
                    Fail($"unexpected '{fields[0]}' with {fields.Length - 1} fields");
                    break;
            }
        }

        if (name is null)
        {
            throw new FormatException("manifest: the second line must be 'name<TAB>ns/name:tag'");
        }

        var manifest = new ReleaseManifest(name, parent, entries, metadata);
        if (!manifest.ToCanonicalBytes().AsSpan().SequenceEqual(bytes))
        {
            throw new FormatException("manifest: not in canonical form (order, duplicates or number format differ)");
        }

        return manifest;
    }

    internal static void CheckField(string value, string what)
    {
        if (value.Length == 0 || value.AsSpan().IndexOfAny('\t', '\n', '\r') >= 0)
        {
            throw new ArgumentException($"a manifest {what} must be non-empty and free of tabs and line breaks: '{value}'");
        }
    }
}
