namespace JdwpGateway.Symbols;

/// <summary>Writes symbol reports as aligned text tables for people; <c>!</c> marks classes whose bytes differ.</summary>
public static class SymbolsTable
{
    /// <summary>Hash digits shown without <c>--full</c>: enough to tell versions apart at a glance.</summary>
    public const int ShortHash = 12;

    /// <summary>Writes the registry's view: class, symbol hash, the manifests with that hash, the nodes that loaded it.</summary>
    public static void Write(TextWriter output, RegistrySymbolsReport report, bool fullHashes)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(report);
        output.WriteLine($"registry {report.Registry}" + (report.Manifest is null ? ", every registered node" : $", manifest {report.Manifest}"));
        var family = report.Manifests.Select(m => m[..m.LastIndexOf(':')]).Distinct(StringComparer.Ordinal).Count() == 1;
        string Label(string manifest) => family ? manifest[(manifest.LastIndexOf(':') + 1)..] : manifest;
        foreach (var manifest in report.Manifests)
        {
            var nodes = report.Nodes.Where(n => n.Manifest == manifest).Select(n => n.Name).ToList();
            output.WriteLine($"  {manifest}: " + (nodes.Count == 0 ? "no node runs it" : string.Join(", ", nodes)));
        }

        foreach (var problem in report.Problems)
        {
            output.WriteLine($"  warning: {problem}");
        }

        var rows = new List<string[]> { new[] { string.Empty, "CLASS", "HASH", family ? "TAGS" : "MANIFESTS", "LOADED BY" } };
        foreach (var entry in report.Classes)
        {
            var first = true;
            foreach (var version in entry.Versions)
            {
                rows.Add([
                    entry.Differs ? "!" : string.Empty,
                    first ? entry.Class : string.Empty,
                    version.Hash is null ? "(absent)" : Hash(version.Hash, fullHashes),
                    string.Join(", ", version.Manifests.Select(Label)),
                    version.LoadedBy.Count == 0 ? "-" : string.Join(", ", version.LoadedBy),
                ]);
                first = false;
            }
        }

        output.WriteLine();
        WriteRows(output, rows);
        var differing = report.Classes.Count(c => c.Differs);
        output.WriteLine();
        output.WriteLine(report.Classes.Count == 0
            ? "no class matches"
            : $"{Count(report.Classes.Count, "class", "classes")}, {differing} differ between the manifests" + (differing > 0 ? " (marked !)" : string.Empty));
    }

    /// <summary>Writes the virtual VM's view: class, identity, the debugger's type ID, the nodes with their type IDs.</summary>
    public static void Write(TextWriter output, string session, IReadOnlyList<SessionSymbolEntry> symbols, bool fullHashes)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(symbols);
        output.WriteLine($"virtual VM of {session}");
        var rows = new List<string[]> { new[] { string.Empty, "CLASS", "IDENTITY", "TYPE ID", "NODES (TYPE ID)" } };
        string? previous = null;
        foreach (var symbol in symbols)
        {
            rows.Add([
                symbol.Differs ? "!" : string.Empty,
                symbol.Class == previous ? string.Empty : symbol.Class,
                Hash(symbol.Identity, fullHashes),
                symbol.VirtualTypeId.ToString(System.Globalization.CultureInfo.InvariantCulture),
                string.Join(", ", symbol.Nodes.Select(n => $"{n.Node} ({n.TypeId})")),
            ]);
            previous = symbol.Class;
        }

        output.WriteLine();
        WriteRows(output, rows);
        var differing = symbols.Where(s => s.Differs).Select(s => s.Class).Distinct(StringComparer.Ordinal).Count();
        output.WriteLine();
        output.WriteLine(symbols.Count == 0
            ? "no symbol matches"
            : $"{Count(symbols.Count, "symbol", "symbols")}, {Count(differing, "class", "classes")} loaded with different bytes on different nodes" + (differing > 0 ? " (marked !)" : string.Empty));
    }

    /// <summary>
    /// A hash for display: lower case, shortened unless <paramref name="full"/>, after its kind when it has one
    /// (<c>cp:</c>); words such as <c>bootstrap</c> as they are.
    /// </summary>
    public static string Hash(string hash, bool full)
    {
        ArgumentNullException.ThrowIfNull(hash);
        var colon = hash.IndexOf(':', StringComparison.Ordinal);
        if (colon > 0 && colon < hash.Length - 1 && hash[(colon + 1)..].All(char.IsAsciiHexDigit))
        {
            return hash[..(colon + 1)] + Hash(hash[(colon + 1)..], full);
        }

        if (!hash.All(char.IsAsciiHexDigit))
        {
            return hash;
        }

        var lower = hash.ToLowerInvariant();
        return full || lower.Length <= ShortHash ? lower : lower[..ShortHash];
    }

    private static string Count(int count, string one, string many) => $"{count} {(count == 1 ? one : many)}";

    private static void WriteRows(TextWriter output, List<string[]> rows)
    {
        var widths = Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
        foreach (var row in rows)
        {
            output.WriteLine(string.Join("  ", row.Select((cell, c) => c == row.Length - 1 ? cell : cell.PadRight(widths[c]))).TrimEnd());
        }
    }
}
