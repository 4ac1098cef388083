using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using JdwpGateway.Cli;
using JdwpGateway.Demo;
using JdwpGateway.Protocol.Capture;
using JdwpGateway.Protocol.Decoding;
using JdwpGateway.Protocol.Spec;
using Xunit;

namespace JdwpGateway.Protocol.Tests.Corpus;

/// <summary>
/// The capture corpus (<c>fixtures/jdwp-captures</c>, plus the pcap fixtures of the capture tests): every capture of a
/// real session decodes with no unknown command and no unpaired reply, re-encodes byte for byte, and prints exactly its
/// golden file <c>fixtures/jdwp-captures/NAME.decoded.txt</c> (the output of <c>jdwp-gateway decode --verify</c>
/// without timestamps). <c>commands-seen.txt</c> lists the commands the corpus holds; docs/protocol.md's table is
/// generated from it. UPDATE_GOLDEN=1 rewrites the golden files and the list.
/// </summary>
public sealed partial class CorpusTests
{
    /// <summary>The corpus folder, relative to the repository root.</summary>
    public static readonly string CorpusDir = Path.Combine("fixtures", "jdwp-captures");

    /// <summary>The list of commands seen in the corpus, in the corpus folder.</summary>
    public const string CommandsSeenFile = "commands-seen.txt";

    private static readonly string[] CaptureExtensions = [".jdwpcap", ".pcap", ".pcapng"];

    private static bool Update => Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1";

    /// <summary>Every capture: the corpus folder's and the pcap fixtures of the capture tests.</summary>
    public static TheoryData<string> Captures()
    {
        var data = new TheoryData<string>();
        foreach (var file in CaptureFiles())
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Captures))]
    public void Capture_decodes_completely_verifies_byte_exactly_and_matches_its_golden_file(string name)
    {
        var path = CaptureFiles().Single(f => Path.GetFileName(f) == name);
        var (text, result, errors) = Decode(path);

        Assert.True(result.ExitCode == 0, $"{name}: decode --verify exited {result.ExitCode}:\n{errors}");
        Assert.Equal((0, 0, 0, 0L, 0), (result.UnknownCommands, result.UnpairedReplies, result.MismatchedPackets, result.MismatchedBytes, result.Malformed));
        Assert.True(result.Packets > 0, $"{name}: no packets");

        var golden = Path.Combine(RepoCorpusDir(), Path.GetFileNameWithoutExtension(name) + ".decoded.txt");
        if (Update)
        {
            File.WriteAllText(golden, text);
            return;
        }

        Assert.True(File.Exists(golden), $"{golden} is missing: run with UPDATE_GOLDEN=1");
        var expected = File.ReadAllText(golden).ReplaceLineEndings("\n");
        if (expected != text)
        {
            var e = expected.Split('\n');
            var a = text.Split('\n');
            var line = Enumerable.Range(0, Math.Min(e.Length, a.Length)).FirstOrDefault(i => e[i] != a[i], Math.Min(e.Length, a.Length));
            Assert.Fail($"{name}: decoded text differs from {golden} at line {line + 1}:\n  golden: {(line < e.Length ? e[line] : "(end)")}\n  actual: {(line < a.Length ? a[line] : "(end)")}\n(UPDATE_GOLDEN=1 rewrites it)");
        }
    }

    [Fact]
    public void Commands_seen_list_is_current()
    {
        var seen = new SortedDictionary<(byte Set, byte Command), SortedSet<string>>();
        foreach (var file in CaptureFiles())
        {
            var capture = CaptureFile.Read(file);
            foreach (var item in CaptureDecoder.DecodeAll(capture.Records))
            {
                if (item.Packet is { IsReply: false, Spec: not null } packet)
                {
                    if (!seen.TryGetValue((packet.CommandSet, packet.Command), out var names))
                    {
                        seen[(packet.CommandSet, packet.Command)] = names = new SortedSet<string>(StringComparer.Ordinal);
                    }

                    names.Add(Path.GetFileNameWithoutExtension(file));
                }
            }
        }

        var text = new StringBuilder();
        text.Append("# Commands (set/cmd name: captures) found in the corpus by CorpusTests; UPDATE_GOLDEN=1 rewrites this file.\n");
        text.Append("# docs/protocol.md's \"Seen in a real capture\" column is generated from it.\n");
        foreach (var ((set, command), names) in seen)
        {
            text.Append(CultureInfo.InvariantCulture, $"{set}/{command} {JdwpSpec.Find(set, command)!.FullName}: {string.Join(" ", names)}\n");
        }

        var path = Path.Combine(RepoCorpusDir(), CommandsSeenFile);
        if (Update)
        {
            File.WriteAllText(path, text.ToString());
            return;
        }

        Assert.True(File.Exists(path), $"{path} is missing: run with UPDATE_GOLDEN=1");
        Assert.Equal(text.ToString(), File.ReadAllText(path).ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Every_golden_file_has_its_capture()
    {
        var captures = CaptureFiles().Select(f => Path.GetFileNameWithoutExtension(f) + ".decoded.txt").ToHashSet(StringComparer.Ordinal);
        foreach (var golden in Directory.GetFiles(RepoCorpusDir(), "*.decoded.txt"))
        {
            Assert.True(captures.Contains(Path.GetFileName(golden)), $"{golden} has no capture: delete it");
        }
    }

    /// <summary>The (set, command) pairs of <c>commands-seen.txt</c>, for the generated docs.</summary>
    public static IReadOnlySet<(byte Set, byte Command)> ReadCommandsSeen()
    {
        var seen = new HashSet<(byte, byte)>();
        foreach (var line in File.ReadAllLines(Path.Combine(RepoCorpusDir(), CommandsSeenFile)))
        {
            if (line.StartsWith('#') || line.Length == 0)
            {
                continue;
            }

            var key = line[..line.IndexOf(' ', StringComparison.Ordinal)].Split('/');
            seen.Add((byte.Parse(key[0], CultureInfo.InvariantCulture), byte.Parse(key[1], CultureInfo.InvariantCulture)));
        }

        return seen;
    }

    private static string RepoCorpusDir() => Path.Combine(DemoAppBuilder.FindRepoRoot(), CorpusDir);

    private static IEnumerable<string> CaptureFiles()
    {
        var root = DemoAppBuilder.FindRepoRoot();
        return new[] { Path.Combine(root, CorpusDir), Path.Combine(root, "tests", "Gateway.Protocol.Tests", "Capture", "Fixtures") }
            .SelectMany(Directory.GetFiles)
            .Where(f => CaptureExtensions.Contains(Path.GetExtension(f), StringComparer.Ordinal))
            .OrderBy(f => Path.GetFileName(f), StringComparer.Ordinal);
    }

    /// <summary>The same code as <c>jdwp-gateway decode --verify</c>; timestamps removed from the text.</summary>
    private static (string Text, DecodeResult Result, string Errors) Decode(string path)
    {
        var output = new StringWriter { NewLine = "\n" };
        var errors = new StringWriter { NewLine = "\n" };
        var result = DecodeCommand.Decode(CaptureFile.Read(path), Path.GetFileName(path), verify: true, output, errors);
        var text = output.ToString().ReplaceLineEndings("\n");
        text = CaptureSpan().Replace(text, string.Empty, 1);
        text = ItemTime().Replace(text, string.Empty);
        return (text, result, errors.ToString());
    }

    [GeneratedRegex(@", \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}Z to \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}Z(?=\n)")]
    private static partial Regex CaptureSpan();

    [GeneratedRegex(@"^\d\d:\d\d:\d\d\.\d{6} ", RegexOptions.Multiline)]
    private static partial Regex ItemTime();
}
