using System.IO.Compression;
using BenchmarkDotNet.Attributes;
using Fabric.Registry.ClassFiles;
using Fabric.Registry.Symbolization;
using Fabric.Registry.Symbols;

namespace Fabric.Registry.Benchmarks;

/// <summary>
/// Symbolizing the Debian JARs the tests use. Every benchmark handles every class once per operation and declares
/// <c>OperationsPerInvoke</c> = the number of classes, so times are per class (classes/s = 1 s / mean) and "Allocated"
/// is bytes per class. The baseline hashes the class bytes already in memory: the work a symbol ID costs anyway.
/// </summary>
[MemoryDiagnoser]
public class SymbolizeBenchmarks
{
    public const int ClassCount = 2947;

    public static readonly string[] Jars =
    [
        "/usr/share/java/guava.jar",
        "/usr/share/java/commons-lang3.jar",
        "/usr/share/java/commons-io.jar",
        "/usr/share/java/plexus-utils2.jar",
        "/usr/share/java/maven-resolver-api.jar",
        "/usr/share/java/maven-resolver-util.jar",
    ];

    private byte[][] _classes = [];

    [GlobalSetup]
    public void Setup()
    {
        var classes = new List<byte[]>();
        foreach (var jar in Jars)
        {
            using var zip = ZipFile.OpenRead(jar);
            foreach (var entry in zip.Entries.Where(e => e.FullName.EndsWith(".class", StringComparison.Ordinal)
                && !e.FullName.StartsWith("META-INF/", StringComparison.Ordinal) && !e.FullName.EndsWith("module-info.class", StringComparison.Ordinal)))
            {
                using var stream = entry.Open();
                var bytes = new byte[entry.Length];
                stream.ReadExactly(bytes);
                classes.Add(bytes);
            }
        }

        // The per-class division below is only right for this exact input set.
        if (classes.Count != ClassCount)
        {
            throw new InvalidOperationException($"the JARs hold {classes.Count} classes, not {ClassCount}: update ClassCount");
        }

        _classes = [.. classes];
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = ClassCount)]
    public int HashOnly()
    {
        var x = 0;
        foreach (var bytes in _classes)
        {
            x ^= SymbolId.Of(bytes).GetHashCode();
        }

        return x;
    }

    [Benchmark(OperationsPerInvoke = ClassCount)]
    public int ReadClassFile()
    {
        var x = 0;
        foreach (var bytes in _classes)
        {
            x += ClassFileReader.Read(bytes).ReferencedClasses.Count;
        }

        return x;
    }

    /// <summary>Whole pipeline from the files: open, inflate, hash, parse, select versions, build the release.</summary>
    [Benchmark(OperationsPerInvoke = ClassCount)]
    public int SymbolizeJars() => new Symbolizer().Symbolize(Jars).Classes.Count;
}
