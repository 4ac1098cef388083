using System.Text;

namespace JdwpGateway.Protocol.Spec;

/// <summary>Renders the command table for docs/protocol.md from <see cref="JdwpSpec"/> (a test keeps the page current).</summary>
public static class SpecMarkdown
{
    /// <summary>One row per command: where it is, and which ID kinds its command and reply carry.</summary>
    public static string CoverageTable()
    {
        var text = new StringBuilder();
        text.AppendLine("| Command | Set/Cmd | IDs in command | IDs in reply |");
        text.AppendLine("|---|---|---|---|");
        foreach (var command in JdwpSpec.All.OrderBy(c => c.Set).ThenBy(c => c.Command))
        {
            text.AppendLine($"| {command.FullName} | {command.Set}/{command.Command} | {Kinds(command.Out)} | {Kinds(command.Reply)} |");
        }

        return text.ToString();
    }

    /// <summary>The ID kinds a layout carries, in order of first appearance; "—" for none.</summary>
    public static string Kinds(Layout layout)
    {
        var kinds = new List<string>();
        Collect(layout, kinds);
        return kinds.Count == 0 ? "—" : string.Join(", ", kinds);
    }

    private static void Collect(Layout layout, List<string> kinds)
    {
        foreach (var element in layout.Elements)
        {
            switch (element)
            {
                case Id id:
                    Add(kinds, id.Kind.ToString());
                    break;
                case RequestId:
                    Add(kinds, "request");
                    break;
                case TaggedObject:
                    Add(kinds, "tagged object");
                    break;
                case Value:
                    Add(kinds, "value");
                    break;
                case UntaggedValue:
                    Add(kinds, "untagged value");
                    break;
                case Location:
                    Add(kinds, "location");
                    break;
                case ArrayRegion:
                    Add(kinds, "array region");
                    break;
                case Repeat repeat:
                    Collect(repeat.Body, kinds);
                    break;
                case Select select:
                    foreach (var c in select.Cases.Values)
                    {
                        Collect(c.Body, kinds);
                    }

                    break;
            }
        }
    }

    private static void Add(List<string> kinds, string kind)
    {
        if (!kinds.Contains(kind))
        {
            kinds.Add(kind);
        }
    }
}
