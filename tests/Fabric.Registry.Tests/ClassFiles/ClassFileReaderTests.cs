using Fabric.Registry.ClassFiles;
using Fabric.Registry.Tests.Support;

namespace Fabric.Registry.Tests.ClassFiles;

public sealed class ClassFileReaderTests : IDisposable
{
    private readonly TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    private string CompileShapes(string home)
    {
        var classes = _temp["classes-" + Path.GetFileName(home)];
        Jdk.Compile(home, _temp.Path, classes, JavaSamples.Shapes);
        return classes;
    }

    public static TheoryData<string> Jdks() => new([Jdk.Jdk17, Jdk.Jdk25]);

    [Theory]
    [MemberData(nameof(Jdks))]
    public void AgreesWithJavapOnEveryCompiledClass(string home)
    {
        Jdk.Require(home);
        var classes = CompileShapes(home);
        var files = Directory.GetFiles(classes, "*.class", SearchOption.AllDirectories).Order().ToList();
        Assert.Equal(10, files.Count); // module-info, Shapes, Point, Shape, Circle, Square, Inner, Elem, Elem2, OnlyInSignature
        AssertAgreesWithJavap(home, files);
    }

    [Fact]
    public void FindsClassesOfDescriptorsArraysLambdasAndRecords()
    {
        var classes = CompileShapes(Jdk.Newest);
        var shapes = ClassFileReader.Read(File.ReadAllBytes(Path.Combine(classes, "com/example/Shapes.class")));
        Assert.Equal("com/example/Shapes", shapes.ThisClass);
        Assert.Equal("java/lang/Object", shapes.SuperClass);
        var refs = shapes.ReferencedClasses;
        Assert.Contains("com/example/OnlyInSignature", refs); // only in a method descriptor
        Assert.Contains("com/example/Elem", refs);             // anewarray [Lcom/example/Elem;
        Assert.Contains("com/example/Elem2", refs);            // multianewarray [[Lcom/example/Elem2;
        Assert.Contains("java/util/function/Supplier", refs);  // lambda's invokedynamic descriptor
        Assert.Contains("java/lang/invoke/LambdaMetafactory", refs);
        Assert.Contains("java/lang/invoke/StringConcatFactory", refs);
        Assert.Contains("java/util/logging/Logger", refs);
        Assert.DoesNotContain("com/example/Shapes", refs);
        Assert.DoesNotContain(refs, r => r.StartsWith('[') || r.Contains(';'));
        Assert.Equal(refs.Order(StringComparer.Ordinal), refs);

        var point = ClassFileReader.Read(File.ReadAllBytes(Path.Combine(classes, "com/example/Shapes$Point.class")));
        Assert.Equal("java/lang/Record", point.SuperClass);
        Assert.Contains("java/lang/runtime/ObjectMethods", point.ReferencedClasses);
        Assert.Contains(ConstantTag.MethodHandle, point.ConstantTags);

        var circle = ClassFileReader.Read(File.ReadAllBytes(Path.Combine(classes, "com/example/Shapes$Circle.class")));
        Assert.Equal(["com/example/Shapes$Shape"], circle.Interfaces);
        Assert.Contains(ConstantTag.Double, shapes.ConstantTags);
        Assert.Contains(ConstantTag.Long, shapes.ConstantTags);
        Assert.Contains(ConstantTag.Float, shapes.ConstantTags);
        Assert.Contains(ConstantTag.Integer, shapes.ConstantTags);
        Assert.Contains(ConstantTag.InvokeDynamic, shapes.ConstantTags);
        Assert.Contains(ConstantTag.MethodType, shapes.ConstantTags);

        var module = ClassFileReader.Read(File.ReadAllBytes(Path.Combine(classes, "module-info.class")));
        Assert.Equal("module-info", module.ThisClass);
        Assert.True(module.IsModuleInfo);
        Assert.Null(module.SuperClass);
        Assert.Contains(ConstantTag.Module, module.ConstantTags);
        Assert.Contains(ConstantTag.Package, module.ConstantTags);
        Assert.Empty(module.ReferencedClasses);
    }

    [Fact]
    public void ReadsEveryTagIncludingDynamicAndNonAsciiNames()
    {
        var bytes = SyntheticClass.WithEveryTag();
        var file = ClassFileReader.Read(bytes);
        Assert.Equal("p/Caf\u00e9\U0001F600", file.ThisClass);
        foreach (var tag in Enum.GetValues<ConstantTag>())
        {
            Assert.Contains(tag, file.ConstantTags);
        }

        Assert.Equal(
            ["java/lang/Object", "p/FromDynamic", "p/FromField", "p/FromMethodType", "p/Iface", "q/Elem"],
            file.ReferencedClasses);
    }

    [Fact]
    public void ReadsRealJdk25PlatformClasses()
    {
        var home = Jdk.Require(Jdk.Jdk25);
        var dir = _temp["jdk25"];
        Directory.CreateDirectory(dir);
        Jdk.Run(Path.Combine(home, "bin", "jimage"),
            [$"extract", $"--dir={dir}", @"--include=regex:/java.base/(java/lang/[^/]*|java/util/concurrent/[^/]*|module-info)\.class", Path.Combine(home, "lib", "modules")]);
        var files = Directory.GetFiles(dir, "*.class", SearchOption.AllDirectories).Order().ToList();
        Assert.True(files.Count > 300, $"only {files.Count} classes extracted");
        foreach (var file in files)
        {
            var read = ClassFileReader.Read(File.ReadAllBytes(file));
            Assert.Equal(69, read.MajorVersion);
        }

        // javap over a slice keeps the test quick while still comparing hundreds of constant pools.
        AssertAgreesWithJavap(home, files.Where((_, i) => i % 4 == 0).ToList());
    }

    [Fact]
    public void ReadsEveryClassOfTheDebianJars()
    {
        var jars = Directory.GetFiles("/usr/share/java", "*.jar")
            .Select(p => new FileInfo(p))
            .Where(f => f.LinkTarget is null)
            .ToList();
        Assert.True(jars.Count >= 20, "expected the Debian Java libraries under /usr/share/java (scripts/prerequisites.sh)");
        var count = 0;
        foreach (var jar in jars)
        {
            using var zip = System.IO.Compression.ZipFile.OpenRead(jar.FullName);
            foreach (var entry in zip.Entries.Where(e => e.FullName.EndsWith(".class", StringComparison.Ordinal)))
            {
                using var stream = entry.Open();
                using var buffer = new MemoryStream();
                stream.CopyTo(buffer);
                var read = ClassFileReader.Read(buffer.ToArray());
                if (!entry.FullName.StartsWith("META-INF/versions/", StringComparison.Ordinal) && read.ThisClass != "module-info")
                {
                    Assert.Equal(entry.FullName[..^".class".Length], read.ThisClass);
                }

                count++;
            }
        }

        Assert.True(count > 10000, $"only {count} classes read");
    }

    [Fact]
    public void AgreesWithJavapOnADebianJar()
    {
        var dir = _temp["commons-cli"];
        System.IO.Compression.ZipFile.ExtractToDirectory("/usr/share/java/commons-cli.jar", dir);
        var files = Directory.GetFiles(dir, "*.class", SearchOption.AllDirectories).Order().ToList();
        Assert.NotEmpty(files);
        AssertAgreesWithJavap(Jdk.Home17, files);
    }

    [Fact]
    public void RefusesBadMagicWithItsOffset()
    {
        var bytes = RealClass();
        bytes[0] = 0xCB;
        var e = Assert.Throws<ClassFormatException>(() => ClassFileReader.Read(bytes));
        Assert.Equal(0, e.Offset);
        Assert.Contains("magic", e.Message);
    }

    [Fact]
    public void RefusesEveryTruncation()
    {
        var bytes = RealClass();
        for (var length = 0; length < bytes.Length; length++)
        {
            var e = Assert.Throws<ClassFormatException>(() => ClassFileReader.Read(bytes.AsSpan(0, length)));
            Assert.InRange(e.Offset, 0, length);
        }
    }

    [Fact]
    public void RefusesUnknownTagsBadIndexesAndTrailingBytes()
    {
        var good = SyntheticClass.WithEveryTag();
        var unknownTag = (byte[])good.Clone();
        unknownTag[10] = 2; // the first constant's tag byte; 2 was never assigned
        var e = Assert.Throws<ClassFormatException>(() => ClassFileReader.Read(unknownTag));
        Assert.Equal(10, e.Offset);
        Assert.Contains("unknown tag 2", e.Message);

        var badThis = SyntheticClass.WithEveryTag(thisClassIndex: 0xFFF0);
        e = Assert.Throws<ClassFormatException>(() => ClassFileReader.Read(badThis));
        Assert.Contains("index 65520 is out of range", e.Message);
        Assert.Equal(SyntheticClass.ThisClassOffset(badThis), e.Offset);

        var wrongKind = SyntheticClass.WithEveryTag(thisClassIndex: 1); // #1 is a Utf8, not a Class
        e = Assert.Throws<ClassFormatException>(() => ClassFileReader.Read(wrongKind));
        Assert.Contains("names Utf8, expected Class", e.Message);

        e = Assert.Throws<ClassFormatException>(() => ClassFileReader.Read([.. good, 0]));
        Assert.Contains("1 extra bytes", e.Message);
        Assert.Equal(good.Length, e.Offset);
    }

    [Fact]
    public void CorruptedBytesGiveOnlyClassFormatErrors()
    {
        var bytes = RealClass();
        var random = new Random(1234);
        var refused = 0;
        for (var i = 0; i < 5000; i++)
        {
            var copy = (byte[])bytes.Clone();
            for (var flips = random.Next(1, 4); flips > 0; flips--)
            {
                copy[random.Next(copy.Length)] = (byte)random.Next(256);
            }

            try
            {
                ClassFileReader.Read(copy);
            }
            catch (ClassFormatException)
            {
                refused++;
            }
        }

        Assert.True(refused > 100, $"only {refused} of 5000 corruptions were noticed");
    }

    private byte[] RealClass()
    {
        var classes = CompileShapes(Jdk.Home17);
        return File.ReadAllBytes(Path.Combine(classes, "com/example/Shapes.class"));
    }

    private static void AssertAgreesWithJavap(string home, IReadOnlyList<string> files)
    {
        var described = JavapClass.Describe(home, files);
        Assert.Equal(files.Count, described.Count);
        for (var i = 0; i < files.Count; i++)
        {
            var expected = described[i];
            Assert.EndsWith(Path.GetFileName(files[i]), expected.File);
            var actual = ClassFileReader.Read(File.ReadAllBytes(files[i]));
            Assert.Equal(expected.Major, actual.MajorVersion);
            Assert.Equal(expected.Minor, actual.MinorVersion);
            Assert.Equal(expected.Flags, actual.AccessFlags);
            Assert.Equal(expected.ThisClass, actual.ThisClass);
            Assert.Equal(expected.SuperClass, actual.SuperClass);
            var tags = new Dictionary<int, string>();
            for (var index = 1; index < actual.ConstantTags.Count; index++)
            {
                var tag = actual.ConstantTags[index];
                if (tag != ConstantTag.None)
                {
                    // JDK 25's javap prints Module and Package constants as "Unknown"; JDK 17's names them.
                    tags[index] = tag is ConstantTag.Module or ConstantTag.Package && expected.Constants.GetValueOrDefault(index) == "Unknown"
                        ? "Unknown"
                        : tag.ToString();
                }
            }

            Assert.Equal(expected.Constants.OrderBy(p => p.Key), tags.OrderBy(p => p.Key));
            foreach (var name in expected.ClassConstants.Where(n => n != actual.ThisClass && !n.StartsWith('[')))
            {
                Assert.Contains(name, actual.ReferencedClasses);
            }
        }
    }
}
