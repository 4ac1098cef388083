using System.Globalization;
using System.Text;

namespace Fabric.Node.Bench;

/// <summary>
/// Writes the sources of an application of <c>count</c> classes in packages of 100: class <c>Ci</c> refers to
/// <c>C(2i+1)</c> and <c>C(2i+2)</c>, so the closure of <c>bench.Main</c> (which touches <c>C0</c>) is every class and
/// every class is loaded, as in a large application's start.
/// </summary>
public static class AppGenerator
{
    public static IReadOnlyList<string> Write(string srcDir, int count)
    {
        var files = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var s = new StringBuilder();
            s.Append(CultureInfo.InvariantCulture, $"package {Package(i)};\n\n");
            s.Append(CultureInfo.InvariantCulture, $"public final class C{i} {{\n");
            s.Append(CultureInfo.InvariantCulture, $"    private final String name = \"class number {i}\";\n");
            s.Append("    private int calls;\n\n");
            s.Append("    public static int touch() {\n");
            s.Append(CultureInfo.InvariantCulture, $"        C{i} self = new C{i}();\n");
            s.Append("        int n = 1 + self.work(3);\n");
            foreach (var child in new[] { (2 * i) + 1, (2 * i) + 2 })
            {
                if (child < count)
                {
                    s.Append(CultureInfo.InvariantCulture, $"        n += {Package(child)}.C{child}.touch();\n");
                }
            }

            s.Append("        return n;\n    }\n\n");
            // Some body so the class files are of an ordinary size (about 1 KB), not empty shells.
            s.Append("    private int work(int k) {\n        calls++;\n        int h = name.hashCode();\n");
            s.Append("        for (int j = 0; j < k; j++) {\n            h = h * 31 + j;\n        }\n");
            s.Append("        return (h & 1) == 2 ? 1 : 0;\n    }\n\n");
            s.Append("    @Override\n    public String toString() {\n        return name + \" after \" + calls + \" calls\";\n    }\n}\n");
            files.Add(WriteFile(srcDir, $"{Package(i).Replace('.', '/')}/C{i}.java", s.ToString()));
        }

        files.Add(WriteFile(srcDir, "bench/Main.java", """
            package bench;

            public final class Main {
                public static void main(String[] args) {
                    int n = bench.p0.C0.touch();
                    System.out.println("touched " + n + " classes");
                }
            }
            """));
        return files;
    }

    private static string Package(int i) => $"bench.p{i / 100}";

    private static string WriteFile(string root, string path, string text)
    {
        var file = Path.Combine(root, path);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(file, text);
        return file;
    }
}
