using System.Globalization;
using System.Text.RegularExpressions;

namespace Fabric.Registry.Tests.Support;

/// <summary>What the JDK's own <c>javap -v</c> says about class files: the independent oracle for the reader.</summary>
public sealed partial record JavapClass(
    string File, int Major, int Minor, int Flags, string ThisClass, string? SuperClass,
    IReadOnlyDictionary<int, string> Constants, IReadOnlySet<string> ClassConstants)
{
    public static IReadOnlyList<JavapClass> Describe(string home, IEnumerable<string> classFiles)
    {
        var output = Jdk.Run(Path.Combine(home, "bin", "javap"), ["-v", "-p", .. classFiles]);
        var result = new List<JavapClass>();
        foreach (var section in output.Split("Classfile ", StringSplitOptions.RemoveEmptyEntries))
        {
            var file = section[..section.IndexOf('\n')].Trim();
            var constants = new Dictionary<int, string>();
            var classConstants = new HashSet<string>(StringComparer.Ordinal);
            foreach (Match m in ConstantLine().Matches(section))
            {
                var index = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
                constants[index] = m.Groups[2].Value;
                if (m.Groups[2].Value == "Class")
                {
                    var rest = m.Groups[3].Value;
                    classConstants.Add(rest[(rest.IndexOf("// ", StringComparison.Ordinal) + 3)..].Trim().Trim('"'));
                }
            }

            var superMatch = SuperLine().Match(section);
            result.Add(new JavapClass(
                file,
                int.Parse(MajorLine().Match(section).Groups[1].Value, CultureInfo.InvariantCulture),
                int.Parse(MinorLine().Match(section).Groups[1].Value, CultureInfo.InvariantCulture),
                int.Parse(FlagsLine().Match(section).Groups[1].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                ThisLine().Match(section).Groups[1].Value.Trim('"'),
                superMatch.Success ? superMatch.Groups[1].Value : null,
                constants,
                classConstants));
        }

        return result;
    }

    [GeneratedRegex(@"^\s+#(\d+) = (\w+)(.*)$", RegexOptions.Multiline)]
    private static partial Regex ConstantLine();

    [GeneratedRegex(@"major version: (\d+)")]
    private static partial Regex MajorLine();

    [GeneratedRegex(@"minor version: (\d+)")]
    private static partial Regex MinorLine();

    [GeneratedRegex(@"^\s+flags: \(0x([0-9a-f]+)\)", RegexOptions.Multiline)]
    private static partial Regex FlagsLine();

    [GeneratedRegex(@"this_class: #\d+\s+// (\S+)")]
    private static partial Regex ThisLine();

    [GeneratedRegex(@"super_class: #\d+\s+// (\S+)")]
    private static partial Regex SuperLine();
}
