using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;

namespace Fabric.Node.Bench;

/// <summary>
/// An application made of Debian's real JARs (guava, icu4j, guice, commons-*, maven-resolver...): a generated
/// <c>bench.Main</c> refers to every public top-level class of them by class literal, as application code refers to
/// its libraries, and then loads every other class by name from a resource list, as frameworks do by reflection. So
/// it loads each class of the JARs once, with the JARs' real sizes and shapes.
/// </summary>
public static partial class RealJarsApp
{
    /// <summary>A set whose class closure is complete (the fabric refuses to publish one that is not), minus the OSGi
    /// framework, for about 5,600 classes.</summary>
    private static readonly string[] JarNames =
    [
        "commons-cli", "commons-io", "commons-lang3", "guava", "jsr305", "error_prone_annotations", "icu4j",
        "slf4j-api", "slf4j-simple", "plexus-utils", "guice", "aopalliance", "atinject-jsr330-api",
        "maven-resolver-api", "maven-resolver-util", "maven-resolver-spi", "plexus-classworlds", "jansi", "icu4j-charset",
    ];

    private const string ListResource = "bench/all-classes.txt";
    private const int LiteralsPerMethod = 500;
    private const ushort AccPublic = 0x0001;

    /// <summary>Compiles <c>bench.Main</c> into <paramref name="classes"/> and returns the JARs in class-path order
    /// and the number of classes Main loads.</summary>
    public static (IReadOnlyList<string> Jars, int ClassCount) Build(string work, string classes)
    {
        var jars = JarNames.Select(n => $"/usr/share/java/{n}.jar").ToList();
        var missing = jars.Where(j => !File.Exists(j)).ToList();
        if (missing.Count > 0)
        {
            throw new FileNotFoundException(
                $"--app jars needs Debian's library JARs; missing: {string.Join(", ", missing)} (apt-get install libguava-java "
                + "libicu4j-java libguice-java libcommons-lang3-java libcommons-io-java libcommons-cli-java libslf4j-java "
                + "libplexus-utils2-java libmaven-resolver-java libplexus-classworlds-java libjansi-java)");
        }

        // Class-path order, first wins: what the JVM would load, and what `fabric publish --first-wins` publishes.
        var names = new List<string>();
        var literals = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var jar in jars)
        {
            using var zip = ZipFile.OpenRead(jar);
            foreach (var e in zip.Entries)
            {
                var path = e.FullName;
                if (path.EndsWith(".class", StringComparison.Ordinal) && !path.StartsWith("META-INF/", StringComparison.Ordinal)
                    && !path.EndsWith("module-info.class", StringComparison.Ordinal) && !path.EndsWith("package-info.class", StringComparison.Ordinal)
                    && seen.Add(path))
                {
                    var name = path[..^6].Replace('/', '.');
                    names.Add(name);
                    using var stream = e.Open();
                    using var bytes = new MemoryStream();
                    stream.CopyTo(bytes);
                    if (!name.Contains('$', StringComparison.Ordinal)
                        && (Fabric.Registry.ClassFiles.ClassFileReader.Read(bytes.ToArray()).AccessFlags & AccPublic) != 0)
                    {
                        literals.Add(name);
                    }
                }
            }
        }

        var src = Path.Combine(work, "src-jars", "bench");
        Directory.CreateDirectory(src);
        var mainJava = Path.Combine(src, "Main.java");
        var classPath = string.Join(':', jars);
        // javac says which of the rest it cannot name (a package that is also a class name...): those are loaded by
        // name instead.
        for (var attempt = 0; ; attempt++)
        {
            File.WriteAllText(mainJava, MainSource(literals));
            var javac = Tools.TryRun(Tools.JdkTool("javac"), ["--release", "17", "-nowarn", "-Xmaxerrs", "100000", "-cp", classPath, "-d", classes, mainJava]);
            if (javac.ExitCode == 0)
            {
                break;
            }

            var bad = ErrorLine().Matches(javac.Stderr).Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToHashSet();
            if (bad.Count == 0 || attempt == 4)
            {
                throw new InvalidOperationException($"javac of the real-JARs Main failed:\n{javac.Stderr}");
            }

            var lines = File.ReadAllLines(mainJava);
            var dropped = bad.Select(l => lines[l - 1].Trim().TrimEnd(',').Replace(".class", "", StringComparison.Ordinal)).ToHashSet(StringComparer.Ordinal);
            literals.RemoveAll(dropped.Contains);
        }

        var list = Path.Combine(classes, ListResource);
        Directory.CreateDirectory(Path.GetDirectoryName(list)!);
        File.WriteAllLines(list, names);
        Console.WriteLine($"real-JARs app: {jars.Count} JARs, {names.Count} classes, {literals.Count} by class literal");
        return (jars, names.Count);
    }

    private static string MainSource(List<string> literals)
    {
        var s = new StringBuilder("package bench;\n\npublic final class Main {\n");
        var parts = 0;
        for (var i = 0; i < literals.Count; i += LiteralsPerMethod, parts++)
        {
            s.Append(CultureInfo.InvariantCulture, $"    static int part{parts}() {{\n        Class<?>[] c = {{\n");
            foreach (var name in literals.Skip(i).Take(LiteralsPerMethod))
            {
                s.Append("            ").Append(name).Append(".class,\n");
            }

            s.Append("        };\n        return c.length;\n    }\n\n");
        }

        s.Append("    public static void main(String[] args) throws Exception {\n        int literals = 0;\n");
        for (var p = 0; p < parts; p++)
        {
            s.Append(CultureInfo.InvariantCulture, $"        literals += part{p}();\n");
        }

        s.Append(CultureInfo.InvariantCulture, $$"""
                    ClassLoader loader = Main.class.getClassLoader();
                    int loaded = 0;
                    try (java.io.BufferedReader r = new java.io.BufferedReader(new java.io.InputStreamReader(
                            loader.getResourceAsStream("{{ListResource}}"), java.nio.charset.StandardCharsets.UTF_8))) {
                        for (String name = r.readLine(); name != null; name = r.readLine()) {
                            Class.forName(name, false, loader);
                            loaded++;
                        }
                    }
                    System.out.println("touched " + loaded + " classes (" + literals + " by class literal)");
                }
            }

            """);
        return s.ToString();
    }

    [GeneratedRegex(@"Main\.java:(\d+): error")]
    private static partial Regex ErrorLine();
}
