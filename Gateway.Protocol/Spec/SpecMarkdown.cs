using System.Globalization;
using System.Text;

namespace JdwpGateway.Protocol.Spec;

/// <summary>Renders the command table for docs/protocol.md from <see cref="JdwpSpec"/> (a test keeps the page current).</summary>
public static class SpecMarkdown
{
    /// <summary>One row per command: where it is, and which ID kinds its command and reply carry.</summary>
    public static string CoverageTable() => CoverageTable(null);

    /// <summary>
    /// One row per command: where it is, which ID kinds its command and reply carry, and how it is covered: decoded,
    /// encoded, IDs walked, seen in a real capture (<paramref name="seen"/>: the (set, command) pairs of the capture
    /// corpus, fixtures/jdwp-captures/commands-seen.txt; a command not seen says why) and property-tested.
    /// </summary>
    public static string CoverageTable(IReadOnlySet<(byte Set, byte Command)>? seen)
    {
        var text = new StringBuilder();
        if (seen is null)
        {
            text.AppendLine("| Command | Set/Cmd | IDs in command | IDs in reply |");
            text.AppendLine("|---|---|---|---|");
        }
        else
        {
            var commands = JdwpSpec.All.Count;
            var covered = JdwpSpec.All.Count(c => seen.Contains((c.Set, c.Command)));
            text.AppendLine(CultureInfo.InvariantCulture, $"Seen in a real capture: {covered} of {commands} commands (from `fixtures/jdwp-captures/commands-seen.txt`, written by `CorpusTests`).");
            text.AppendLine("Decoded and encoded: `PacketDecoder`/`PacketEncoder` walk the row's layouts, byte-exact round trip checked by");
            text.AppendLine("`PacketCodecRoundTripTests` for every command and reply. IDs walked: `PacketRewriter` walks the same layouts. Property-tested:");
            text.AppendLine("`PacketRewriterPropertyTests` (identity, 8→4→8, shifting mapper and back, every truncation or extra byte, random bytes, one byte changed) and");
            text.AppendLine("`PacketCodecRoundTripTests` generate random bodies for the command and its reply.");
            text.AppendLine();
            text.AppendLine("| Command | Set/Cmd | IDs in command | IDs in reply | Decoded | Encoded | IDs walked | Seen in a real capture | Property-tested |");
            text.AppendLine("|---|---|---|---|---|---|---|---|---|");
        }

        foreach (var command in JdwpSpec.All.OrderBy(c => c.Set).ThenBy(c => c.Command))
        {
            text.Append(CultureInfo.InvariantCulture, $"| {command.FullName} | {command.Set}/{command.Command} | {Kinds(command.Out)} | {Kinds(command.Reply)} |");
            if (seen is not null)
            {
                var untagged = Kinds(command.Out).Contains("untagged", StringComparison.Ordinal);
                var decoded = untagged ? "yes (untagged values typed by an `IUntaggedTypeSource`, else kept as an untyped run)" : "yes";
                var inCapture = seen.Contains((command.Set, command.Command)) ? "yes" : "no: " + WhyNotSeen(command);
                text.Append(CultureInfo.InvariantCulture, $" {decoded} | yes | yes | {inCapture} | yes |");
            }

            text.AppendLine();
        }

        return text.ToString();
    }

    /// <summary>Why the corpus's clients did not send a command (shown for commands absent from every capture).</summary>
    public static string WhyNotSeen(CommandSpec command)
    {
        ArgumentNullException.ThrowIfNull(command);
        return command.FullName switch
        {
            "VirtualMachine.CreateString" => "sent for string literals in evaluated expressions (`vm.mirrorOf`); the scenarios use none",
            "VirtualMachine.DisposeObjects" => "OpenJDK's JDI holds object mirrors by soft reference and batches DisposeObjects once the debugger's GC clears them, which takes memory pressure in the debugger; Eclipse's JDI never sends it",
            "VirtualMachine.HoldEvents" or "VirtualMachine.ReleaseEvents" => "neither JDI (OpenJDK's, Eclipse's) has an API that sends it, nor has jdb a command",
            "VirtualMachine.AllClasses" => "OpenJDK's and Eclipse's JDI (and jdb) ask for AllClassesWithGeneric on every VM of JDWP 1.5 or later",
            "VirtualMachine.ClassPaths" => "jdb sends it for `classpath`; not in these sessions",
            "VirtualMachine.ClassesBySignature" => "the clients here list classes with AllClasses(WithGeneric) and match names themselves",
            "ReferenceType.SourceDebugExtension" => "JSR-45 (SMAP) only; the demo's classes have none",
            "ReferenceType.NestedTypes" => "OpenJDK's and Eclipse's JDI compute `nestedTypes()` from their list of all classes; neither sends NestedTypes",
            "ReferenceType.Signature" or "ReferenceType.Fields" or "ReferenceType.Methods" => "OpenJDK's and Eclipse's JDI ask for the WithGeneric variant on every VM of JDWP 1.5 or later",
            "ClassType.NewInstance" => "`new` in evaluated expressions; the scenarios create no objects",
            "Method.VariableTable" => "OpenJDK's and Eclipse's JDI ask for VariableTableWithGeneric on every VM of JDWP 1.5 or later",
            "ObjectReference.MonitorInfo" or "ThreadReference.OwnedMonitors" or "ThreadReference.CurrentContendedMonitor" => "monitor views (jdb `lock`, `threadlocks`); not in these sessions",
            "ObjectReference.DisableCollection" or "ObjectReference.EnableCollection" or "ObjectReference.IsCollected" => "JDI pins objects only around invocations and `disableCollection`; not in these sessions",
            "StackFrame.PopFrames" => "jdb `pop`; not in these sessions",
            "ThreadReference.IsVirtual" => "JDK 21+ JDI asks only through `ThreadReference.isVirtual()`; these scenarios do not",
            "ThreadReference.SuspendCount" => "`ThreadReference.suspendCount()`; not used in these sessions",
            "StackFrame.SetValues" => "jdb `set` of a local; not in these sessions",
            "VirtualMachine.RedefineClasses" => "jdb `redefine`; not in these sessions",
            _ => "not sent by the clients and scenarios of this corpus",
        };
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
