using System.Globalization;
using System.IO.Compression;
using Fabric.Registry.ClassFiles;
using Fabric.Registry.Symbols;

namespace Fabric.Registry.Symbolization;

/// <summary>
/// Turns JAR files and class directories into symbols (the rules are in docs/fabric.md, "Symbolization"). Inputs are
/// read in the order given, which matters only for metadata (the first input's) and first-wins duplicates.
/// </summary>
public sealed class Symbolizer(SymbolizerOptions? options = null)
{
    private const string VersionsPrefix = "META-INF/versions/";
    private const string ManifestPath = "META-INF/MANIFEST.MF";

    private readonly SymbolizerOptions _options = options ?? new SymbolizerOptions();

    /// <exception cref="SymbolizationException">An input is unreadable or corrupt, or two inputs conflict.</exception>
    public SymbolizedRelease Symbolize(IEnumerable<string> inputs)
    {
        var classes = new Dictionary<string, Symbol>(StringComparer.Ordinal);
        var resources = new Dictionary<string, Symbol>(StringComparer.Ordinal);
        var metadata = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var warnings = new List<string>();
        var first = true;
        var anyMultiRelease = false;
        foreach (var input in inputs)
        {
            var entries = ReadInput(input);
            var manifest = entries.TryGetValue(ManifestPath, out var manifestEntry)
                ? JarManifest.ReadMainAttributes(manifestEntry.Content)
                : new Dictionary<string, string>();
            var multiRelease = manifest.TryGetValue("Multi-Release", out var mr) && mr.Trim().Equals("true", StringComparison.OrdinalIgnoreCase);
            anyMultiRelease |= multiRelease;
            if (first)
            {
                foreach (var (key, value) in manifest)
                {
                    if (IsMetadataField(key) && IsMetadataField(value))
                    {
                        metadata[key] = value;
                    }
                }

                var maven = _options.MavenCoordinate ?? FindMavenCoordinate(entries);
                if (maven is not null)
                {
                    metadata["maven"] = maven;
                }
            }

            foreach (var entry in SelectVersions(entries.Values, multiRelease))
            {
                if (entry.IsClass)
                {
                    AddClass(classes, entry, warnings);
                }
                else if (!IsJarSignature(entry.LogicalPath))
                {
                    AddResource(resources, entry, warnings);
                }
            }

            first = false;
        }

        if (anyMultiRelease)
        {
            metadata["fabric.multi-release-target"] = _options.TargetJdk.ToString(CultureInfo.InvariantCulture);
        }

        var symbols = classes.Values.OrderBy(s => s.Name, StringComparer.Ordinal)
            .Concat(resources.Values.OrderBy(s => s.Name, StringComparer.Ordinal))
            .ToList();
        return new SymbolizedRelease(symbols, metadata, warnings);
    }

    private void AddClass(Dictionary<string, Symbol> classes, RawEntry entry, List<string> warnings)
    {
        ClassFile file;
        try
        {
            file = ClassFileReader.Read(entry.Content);
        }
        catch (ClassFormatException e)
        {
            throw new SymbolizationException($"{entry.Source}: {e.Message}", e);
        }

        if (!IsInternalName(file.ThisClass))
        {
            throw new SymbolizationException($"{entry.Source}: '{file.ThisClass}' is not a class name (JVMS 4.2.1)");
        }

        var symbol = new Symbol(SymbolId.Of(entry.Content), SymbolKind.Class, file.ThisClass, entry.Content, entry.Source, file.ReferencedClasses);
        if (!classes.TryGetValue(symbol.Name, out var existing))
        {
            classes.Add(symbol.Name, symbol);
        }
        else if (existing.Id != symbol.Id)
        {
            if (_options.DuplicateClasses == DuplicateClassPolicy.Error)
            {
                throw new DuplicateClassException(symbol.Name, existing.Source, symbol.Source);
            }

            warnings.Add($"class {symbol.Name}: {existing.Source} wins over the different {symbol.Source}");
        }
    }

    private static void AddResource(Dictionary<string, Symbol> resources, RawEntry entry, List<string> warnings)
    {
        var symbol = new Symbol(SymbolId.Of(entry.Content), SymbolKind.Resource, entry.LogicalPath, entry.Content, entry.Source, []);
        if (!resources.TryGetValue(symbol.Name, out var existing))
        {
            resources.Add(symbol.Name, symbol);
        }
        else if (existing.Id != symbol.Id && !IsExpectedResourceClash(symbol.Name))
        {
            // As on a class path the first wins; service files are worth a warning because a class path would
            // have merged their providers.
            warnings.Add($"resource {symbol.Name}: {existing.Source} wins over the different {symbol.Source}");
        }
    }

    /// <summary>
    /// For each logical path the entry a JVM of <see cref="SymbolizerOptions.TargetJdk"/> would see: the base entry,
    /// or in a multi-release JAR the one under the highest <c>META-INF/versions/N</c> with N ≤ target. Versioned
    /// entries of a JAR that does not declare <c>Multi-Release: true</c> are plain resources, as the JDK treats them.
    /// </summary>
    private IEnumerable<RawEntry> SelectVersions(IEnumerable<RawEntry> entries, bool multiRelease)
    {
        var chosen = new Dictionary<string, (int Version, RawEntry Entry)>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            var version = 0;
            var logical = entry.Path;
            if (multiRelease && entry.Path.StartsWith(VersionsPrefix, StringComparison.Ordinal))
            {
                var rest = entry.Path.AsSpan(VersionsPrefix.Length);
                var slash = rest.IndexOf('/');
                if (slash > 0 && int.TryParse(rest[..slash], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 9)
                {
                    if (n > _options.TargetJdk)
                    {
                        continue;
                    }

                    version = n;
                    logical = rest[(slash + 1)..].ToString();
                }
            }

            if (!chosen.TryGetValue(logical, out var current) || current.Version < version)
            {
                chosen[logical] = (version, entry with { LogicalPath = logical });
            }
        }

        return chosen.Values.Select(c => c.Entry).OrderBy(e => e.LogicalPath, StringComparer.Ordinal);
    }

    private Dictionary<string, RawEntry> ReadInput(string input)
    {
        if (Directory.Exists(input))
        {
            return ReadDirectory(input);
        }

        if (!File.Exists(input))
        {
            throw new SymbolizationException($"{input}: no such file or directory");
        }

        return ReadJar(input);
    }

    private Dictionary<string, RawEntry> ReadJar(string jar)
    {
        var entries = new Dictionary<string, RawEntry>(StringComparer.Ordinal);
        ZipArchive zip;
        try
        {
            zip = ZipFile.OpenRead(jar);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new SymbolizationException($"{jar}: not a readable JAR: {e.Message}", e);
        }

        using (zip)
        {
            foreach (var zipEntry in zip.Entries)
            {
                if (zipEntry.FullName.EndsWith('/'))
                {
                    continue;
                }

                var source = $"{jar}!{zipEntry.FullName}";
                CheckPath(zipEntry.FullName, source);
                if (zipEntry.Length > _options.MaxEntryBytes)
                {
                    throw new SymbolizationException($"{source}: {zipEntry.Length} bytes is over the limit of {_options.MaxEntryBytes}");
                }

                byte[] content;
                try
                {
                    using var stream = zipEntry.Open();
                    content = ReadExactly(stream, zipEntry.Length, source);
                }
                catch (Exception e) when (e is InvalidDataException or IOException or NotSupportedException)
                {
                    throw new SymbolizationException($"{source}: corrupt entry: {e.Message}", e);
                }

                if (!entries.TryAdd(zipEntry.FullName, new RawEntry(zipEntry.FullName, zipEntry.FullName, source, content))
                    && !entries[zipEntry.FullName].Content.AsSpan().SequenceEqual(content))
                {
                    throw new SymbolizationException($"{source}: the JAR holds this entry twice with different bytes");
                }
            }
        }

        return entries;
    }

    private Dictionary<string, RawEntry> ReadDirectory(string directory)
    {
        var entries = new Dictionary<string, RawEntry>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories))
        {
            var path = Path.GetRelativePath(directory, file).Replace(Path.DirectorySeparatorChar, '/');
            CheckPath(path, file);
            try
            {
                var length = new FileInfo(file).Length;
                if (length > _options.MaxEntryBytes)
                {
                    throw new SymbolizationException($"{file}: {length} bytes is over the limit of {_options.MaxEntryBytes}");
                }

                entries.Add(path, new RawEntry(path, path, file, File.ReadAllBytes(file)));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new SymbolizationException($"{file}: cannot be read: {e.Message}", e);
            }
        }

        return entries;
    }

    private byte[] ReadExactly(Stream stream, long declared, string source)
    {
        // The declared size comes from the archive and may lie; never read past it or the limit.
        var content = new byte[declared];
        stream.ReadExactly(content);
        Span<byte> probe = stackalloc byte[1];
        if (stream.Read(probe) != 0)
        {
            throw new SymbolizationException($"{source}: holds more bytes than its declared {declared}");
        }

        return content;
    }

    private static void CheckPath(string path, string source)
    {
        if (path.Length == 0 || path.StartsWith('/') || path.Contains('\\') || path.Split('/').Any(p => p is "" or "." or "..")
            || path.AsSpan().IndexOfAny('\t', '\n', '\r') >= 0)
        {
            throw new SymbolizationException($"{source}: the entry name '{path}' is not a clean relative path");
        }
    }

    private static string? FindMavenCoordinate(Dictionary<string, RawEntry> entries)
    {
        var poms = entries.Values.Where(e => e.Path.StartsWith("META-INF/maven/", StringComparison.Ordinal)
            && e.Path.EndsWith("/pom.properties", StringComparison.Ordinal)).ToList();

        // A shaded JAR carries the pom.properties of what it swallowed: with more than one, which is "the" artifact
        // cannot be told, so none is recorded.
        return poms.Count == 1 ? JarManifest.ReadMavenCoordinate(poms[0].Content) : null;
    }

    /// <summary>Non-empty '/'-separated parts free of <c>. ; [</c> (JVMS 4.2.1), and of what the manifest text cannot
    /// hold.</summary>
    private static bool IsInternalName(string name) =>
        name.Split('/').All(part => part.Length > 0 && part.AsSpan().IndexOfAny(".;[\t\n\r") < 0);

    private static bool IsMetadataField(string text) =>
        text.Length > 0 && text.AsSpan().IndexOfAny('\t', '\n', '\r') < 0;

    /// <summary>JAR signatures sign the JAR, which the registry does not serve; the manifest's own signature
    /// replaces them.</summary>
    private static bool IsJarSignature(string path)
    {
        if (!path.StartsWith("META-INF/", StringComparison.Ordinal) || path.IndexOf('/', "META-INF/".Length) >= 0)
        {
            return false;
        }

        var name = path["META-INF/".Length..];
        return name.StartsWith("SIG-", StringComparison.OrdinalIgnoreCase)
            || name.EndsWith(".SF", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".RSA", StringComparison.OrdinalIgnoreCase)
            || name.EndsWith(".DSA", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".EC", StringComparison.OrdinalIgnoreCase);
    }

    private static bool IsExpectedResourceClash(string path) =>
        path == ManifestPath || path == "module-info.class" || path.StartsWith("META-INF/maven/", StringComparison.Ordinal)
        || path.StartsWith("META-INF/LICENSE", StringComparison.OrdinalIgnoreCase)
        || path.StartsWith("META-INF/NOTICE", StringComparison.OrdinalIgnoreCase)
        || path.StartsWith("META-INF/DEPENDENCIES", StringComparison.OrdinalIgnoreCase);

    /// <summary>An input file: <see cref="Path"/> as stored, <see cref="LogicalPath"/> after multi-release
    /// selection.</summary>
    private sealed record RawEntry(string Path, string LogicalPath, string Source, byte[] Content)
    {
        /// <summary>A class file a class loader would define: <c>module-info</c> describes a module, and a fabric
        /// loader is one flat name space, so it stays a resource.</summary>
        public bool IsClass => LogicalPath.EndsWith(".class", StringComparison.Ordinal)
            && !LogicalPath.StartsWith("META-INF/", StringComparison.Ordinal)
            && !LogicalPath.EndsWith("module-info.class", StringComparison.Ordinal);
    }
}
