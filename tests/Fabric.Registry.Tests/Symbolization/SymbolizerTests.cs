using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Fabric.Registry.Symbolization;
using Fabric.Registry.Symbols;
using Fabric.Registry.Tests.Support;

namespace Fabric.Registry.Tests.Symbolization;

public sealed class SymbolizerTests : IDisposable
{
    private readonly TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void SymbolizesARealJarByClassNameAndSha256()
    {
        var jar = DebianJars.Require("commons-lang3.jar");
        var release = new Symbolizer().Symbolize([jar]);
        var names = DebianJars.EntryNames(jar);

        var classEntries = names.Where(n => n.EndsWith(".class", StringComparison.Ordinal) && !n.StartsWith("META-INF/", StringComparison.Ordinal)
            && !n.EndsWith("module-info.class", StringComparison.Ordinal)).ToList();
        Assert.Equal(classEntries.Count, release.Classes.Count);
        foreach (var entry in classEntries.Where((_, i) => i % 40 == 0))
        {
            var symbol = release.Classes[entry[..^".class".Length]];
            Assert.Equal(SymbolKind.Class, symbol.Kind);
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(DebianJars.Unzip(jar, entry))), symbol.Id.ToString());
            Assert.Equal($"{jar}!{entry}", symbol.Source);
        }

        // Resources keep their paths; the JAR manifest is one of them and its attributes are metadata.
        Assert.Contains(release.Symbols, s => s.Kind == SymbolKind.Resource && s.Name == "META-INF/MANIFEST.MF");
        var manifest = Encoding.UTF8.GetString(DebianJars.Unzip(jar, "META-INF/MANIFEST.MF"));
        var implementationVersion = manifest.Split('\n').Single(l => l.StartsWith("Implementation-Version: ", StringComparison.Ordinal))
            ["Implementation-Version: ".Length..].Trim();
        Assert.Equal(implementationVersion, release.Metadata["Implementation-Version"]);

        var pom = Encoding.UTF8.GetString(DebianJars.Unzip(jar, names.Single(n => n.EndsWith("/pom.properties", StringComparison.Ordinal))));
        string Prop(string key) => pom.Split('\n').Single(l => l.StartsWith(key + "=", StringComparison.Ordinal))[(key.Length + 1)..].Trim();
        Assert.Equal($"{Prop("groupId")}:{Prop("artifactId")}:{Prop("version")}", release.Metadata["maven"]);
        Assert.Empty(release.Warnings);
    }

    [Fact]
    public void MavenCoordinateOptionOverridesPomProperties()
    {
        var release = new Symbolizer(new SymbolizerOptions { MavenCoordinate = "com.app:app:9" })
            .Symbolize([DebianJars.Require("commons-cli.jar")]);
        Assert.Equal("com.app:app:9", release.Metadata["maven"]);
    }

    [Theory]
    [InlineData(8, null)]
    [InlineData(9, 9)]
    [InlineData(17, 10)]
    [InlineData(25, 10)]
    public void MultiReleaseJarGivesTheHighestVersionNotAboveTheTarget(int target, int? expectedVersion)
    {
        var jar = DebianJars.Require("plexus-utils2.jar");
        Assert.Contains("META-INF/versions/10/org/codehaus/plexus/util/BaseIOUtil.class", DebianJars.EntryNames(jar));
        var release = new Symbolizer(new SymbolizerOptions { TargetJdk = target }).Symbolize([jar]);
        var entry = expectedVersion is { } v ? $"META-INF/versions/{v}/org/codehaus/plexus/util/BaseIOUtil.class" : "org/codehaus/plexus/util/BaseIOUtil.class";
        var symbol = release.Classes["org/codehaus/plexus/util/BaseIOUtil"];
        Assert.Equal(SymbolId.Of(DebianJars.Unzip(jar, entry)), symbol.Id);
        Assert.Equal($"{jar}!{entry}", symbol.Source);
        Assert.Equal(target.ToString(System.Globalization.CultureInfo.InvariantCulture), release.Metadata["fabric.multi-release-target"]);
        Assert.DoesNotContain(release.Symbols, s => s.Name.StartsWith("META-INF/versions/", StringComparison.Ordinal));
    }

    [Fact]
    public void SeveralRealJarsTogether()
    {
        string[] jars = ["commons-lang3.jar", "commons-io.jar", "commons-cli.jar", "guava.jar", "plexus-utils2.jar"];
        var release = new Symbolizer().Symbolize(jars.Select(DebianJars.Require));
        var expected = jars.Sum(j => DebianJars.EntryNames(DebianJars.Require(j)).Count(n => n.EndsWith(".class", StringComparison.Ordinal)
            && !n.StartsWith("META-INF/", StringComparison.Ordinal) && !n.EndsWith("module-info.class", StringComparison.Ordinal)));
        Assert.Equal(expected, release.Classes.Count);
        Assert.Equal("org.apache.commons:commons-lang3", string.Join(':', release.Metadata["maven"].Split(':')[..2])); // the first input's
        Assert.Equal(release.Symbols.Select(s => (s.Kind, s.Name)).Distinct().Count(), release.Symbols.Count);
    }

    [Fact]
    public void SymbolizesANestedClassDirectoryNamingClassesFromTheirBytes()
    {
        var classes = _temp["classes"];
        Jdk.Compile(Jdk.Home17, _temp.Path, classes, JavaSamples.Shapes);
        Directory.CreateDirectory(Path.Combine(classes, "META-INF"));
        File.WriteAllText(Path.Combine(classes, "META-INF", "app.properties"), "a=1\n");
        // A class file under a path that is not its name: the class file says who it is.
        Directory.CreateDirectory(Path.Combine(classes, "misplaced", "deeper"));
        File.Copy(Path.Combine(classes, "com/example/Elem.class"), Path.Combine(classes, "misplaced/deeper/Copy.class"));

        var release = new Symbolizer().Symbolize([classes]);
        Assert.Equal(
            ["com/example/Elem", "com/example/Elem2", "com/example/OnlyInSignature", "com/example/Shapes", "com/example/Shapes$Circle",
             "com/example/Shapes$Inner", "com/example/Shapes$Point", "com/example/Shapes$Shape", "com/example/Shapes$Square"],
            release.Classes.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["META-INF/app.properties", "module-info.class"],
            release.Symbols.Where(s => s.Kind == SymbolKind.Resource).Select(s => s.Name));
        var shapes = release.Classes["com/example/Shapes"];
        Assert.Equal(SymbolId.Of(File.ReadAllBytes(Path.Combine(classes, "com/example/Shapes.class"))), shapes.Id);
        Assert.Contains("com/example/OnlyInSignature", shapes.References);
    }

    [Fact]
    public void DuplicateClassesWithDifferentBytesAreAnErrorNamingBothUnlessFirstWins()
    {
        var one = CompileElem("one", "int a;");
        var same = CompileElem("same", "int a;");
        var other = CompileElem("other", "long b;");

        var ok = new Symbolizer().Symbolize([one, same]);
        Assert.Single(ok.Classes);

        var e = Assert.Throws<DuplicateClassException>(() => new Symbolizer().Symbolize([one, other]));
        Assert.Equal("p/Elem", e.ClassName);
        Assert.Contains(Path.Combine(one, "p", "Elem.class"), e.Message);
        Assert.Contains(Path.Combine(other, "p", "Elem.class"), e.Message);

        var firstWins = new Symbolizer(new SymbolizerOptions { DuplicateClasses = DuplicateClassPolicy.FirstWins }).Symbolize([other, one]);
        Assert.Equal(SymbolId.Of(File.ReadAllBytes(Path.Combine(other, "p", "Elem.class"))), firstWins.Classes["p/Elem"].Id);
        Assert.Contains(firstWins.Warnings, w => w.Contains("p/Elem", StringComparison.Ordinal));
    }

    [Fact]
    public void CorruptInputsGiveClearErrorsNamingFileAndEntry()
    {
        var garbage = _temp["garbage.jar"];
        File.WriteAllText(garbage, "this is not a zip file");
        var e = Assert.Throws<SymbolizationException>(() => new Symbolizer().Symbolize([garbage]));
        Assert.Contains(garbage, e.Message);

        var truncated = _temp["truncated.jar"];
        var real = File.ReadAllBytes(DebianJars.Require("commons-cli.jar"));
        File.WriteAllBytes(truncated, real[..(real.Length / 2)]);
        e = Assert.Throws<SymbolizationException>(() => new Symbolizer().Symbolize([truncated]));
        Assert.Contains(truncated, e.Message);

        var fake = _temp["fake.jar"];
        using (var zip = ZipFile.Open(fake, ZipArchiveMode.Create))
        {
            using var writer = new StreamWriter(zip.CreateEntry("com/x/Bad.class").Open());
            writer.Write("not a class file at all");
        }

        e = Assert.Throws<SymbolizationException>(() => new Symbolizer().Symbolize([fake]));
        Assert.Contains($"{fake}!com/x/Bad.class", e.Message);
        Assert.Contains("magic", e.Message);

        var escaping = _temp["escaping.jar"];
        using (var zip = ZipFile.Open(escaping, ZipArchiveMode.Create))
        {
            zip.CreateEntry("../outside.txt").Open().Dispose();
        }

        e = Assert.Throws<SymbolizationException>(() => new Symbolizer().Symbolize([escaping]));
        Assert.Contains("../outside.txt", e.Message);

        e = Assert.Throws<SymbolizationException>(() => new Symbolizer().Symbolize([_temp["nothing-here"]]));
        Assert.Contains("no such file", e.Message);
    }

    [Fact]
    public void CorruptedEntryDataIsReportedWithTheEntry()
    {
        // Flip bytes inside the first stored entry's compressed data: the CRC or inflater notices on reading.
        var jar = _temp["crc.jar"];
        using (var zip = ZipFile.Open(jar, ZipArchiveMode.Create))
        {
            using var stream = zip.CreateEntry("data/big.txt", CompressionLevel.Optimal).Open();
            stream.Write(Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("fabric registry ", 4096))));
        }

        var bytes = File.ReadAllBytes(jar);
        var dataStart = 30 + "data/big.txt".Length; // local file header then the name; no extra field
        for (var i = dataStart + 10; i < dataStart + 60; i++)
        {
            bytes[i] ^= 0x5A;
        }

        File.WriteAllBytes(jar, bytes);
        var e = Assert.Throws<SymbolizationException>(() => new Symbolizer().Symbolize([jar]));
        Assert.Contains($"{jar}!data/big.txt", e.Message);
    }

    [Fact]
    public void AClassFileNamingAnImpossibleClassIsRefused()
    {
        var dir = CompileElem("bad-name", "int a;");
        var file = Path.Combine(dir, "p", "Elem.class");
        var bytes = File.ReadAllBytes(file);
        var at = bytes.AsSpan().IndexOf("p/Elem"u8);
        Assert.True(at > 0);
        bytes[at + 1] = (byte)';';
        File.WriteAllBytes(file, bytes);
        var e = Assert.Throws<SymbolizationException>(() => new Symbolizer().Symbolize([dir]));
        Assert.Contains(file, e.Message);
        Assert.Contains("'p;Elem' is not a class name", e.Message);
    }

    [Fact]
    public void JarManifestContinuationLinesAreJoined()
    {
        var jar = DebianJars.Require("guice.jar");
        var text = Encoding.UTF8.GetString(DebianJars.Unzip(jar, "META-INF/MANIFEST.MF"));
        var attributes = JarManifest.ReadMainAttributes(Encoding.UTF8.GetBytes(text));
        // Rebuild one folded attribute by hand from the raw lines: the header line plus every following line that
        // starts with a space, minus that space.
        var lines = text.Replace("\r", "", StringComparison.Ordinal).Split('\n');
        var start = Array.FindIndex(lines, l => l.StartsWith("Export-Package: ", StringComparison.Ordinal));
        var expected = lines[start]["Export-Package: ".Length..] + string.Concat(lines.Skip(start + 1).TakeWhile(l => l.StartsWith(' ')).Select(l => l[1..]));
        Assert.True(lines[start + 1].StartsWith(' '), "the attribute was expected to be folded");
        Assert.Equal(expected, attributes["Export-Package"]);
        Assert.Contains("com.google.inject.spi;version=", attributes["Export-Package"]);
    }

    private string CompileElem(string name, string body)
    {
        var classes = _temp[name];
        Jdk.Compile(Jdk.Home17, _temp.Path, classes, new Dictionary<string, string> { ["p/Elem.java"] = $"package p; public class Elem {{ {body} }}" });
        return classes;
    }
}
