using JdwpGateway.Demo;
using JdwpGateway.Protocol.Spec;
using JdwpGateway.Routing;
using Xunit;

namespace JdwpGateway.Protocol.Tests;

/// <summary>
/// The command tables in docs/ are generated from the code that the gateway runs; these tests fail when a page is
/// stale. Set UPDATE_DOCS=1 to rewrite the pages instead.
/// </summary>
public sealed class GeneratedDocsTests
{
    [Fact]
    public void Protocol_page_lists_every_command_of_the_spec() =>
        CheckSection("protocol.md", "commands", SpecMarkdown.CoverageTable(Corpus.CorpusTests.ReadCommandsSeen()));

    [Fact]
    public void Virtual_vm_page_gives_the_routing_rule_of_every_command() =>
        CheckSection("virtual-vm.md", "routing", CommandRoutes.Markdown());

    [Fact]
    public void Every_command_has_a_routing_rule_with_a_reason()
    {
        foreach (var command in JdwpSpec.All)
        {
            var route = CommandRoutes.For(command);
            Assert.False(string.IsNullOrWhiteSpace(route.Rule), command.FullName);
        }

        Assert.Equal(RouteKind.Event, CommandRoutes.For(JdwpSpec.Find(64, 100)!).Kind);
        Assert.Equal(RouteKind.Synthesized, CommandRoutes.For(JdwpSpec.Find(1, 1)!).Kind);
    }

    private static void CheckSection(string page, string section, string generated)
    {
        var path = Path.Combine(DemoAppBuilder.FindRepoRoot(), "docs", page);
        var text = File.ReadAllText(path).ReplaceLineEndings("\n");
        var begin = $"<!-- BEGIN GENERATED: {section} -->\n";
        var end = $"<!-- END GENERATED: {section} -->";
        var start = text.IndexOf(begin, StringComparison.Ordinal);
        var stop = text.IndexOf(end, StringComparison.Ordinal);
        Assert.True(start >= 0 && stop > start, $"docs/{page} lacks the markers of the generated section '{section}'");
        var current = text[(start + begin.Length)..stop];
        var expected = generated.ReplaceLineEndings("\n");
        if (current == expected)
        {
            return;
        }

        if (Environment.GetEnvironmentVariable("UPDATE_DOCS") == "1")
        {
            File.WriteAllText(path, text[..(start + begin.Length)] + expected + text[stop..]);
            return;
        }

        Assert.Fail($"docs/{page} section '{section}' is stale: run UPDATE_DOCS=1 ./scripts/test.sh (or dotnet test with UPDATE_DOCS=1)");
    }
}
