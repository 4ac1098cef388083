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
            "VirtualMachine.Exit" => "ends every node JVM (jdb `exit` disposes, it does not send Exit)",
            "VirtualMachine.CreateString" => "sent for string literals in evaluated expressions (`vm.mirrorOf`); the scenarios use none",
            "VirtualMachine.DisposeObjects" => "JDI batches it when object mirrors are garbage collected; too few in these short sessions",
            "VirtualMachine.HoldEvents" or "VirtualMachine.ReleaseEvents" => "not sent by OpenJDK or Eclipse JDI, nor jdb",
            "VirtualMachine.SetDefaultStratum" => "only for JSR-45 strata (`vm.setDefaultStratum`); the demo is plain Java",
            "VirtualMachine.InstanceCounts" or "ReferenceType.Instances" or "ObjectReference.ReferringObjects" => "IDE memory views; not in these scenarios",
            "VirtualMachine.AllModules" or "ReferenceType.Module" or "ModuleReference.Name" or "ModuleReference.ClassLoader" => "module views of IDEs; neither jdb nor the scenarios ask for modules",
            "VirtualMachine.AllClasses" => "the clients here ask for AllClassesWithGeneric",
            "ReferenceType.Modifiers" => "`ReferenceType.modifiers()`/`isPublic()`...; not asked in these sessions",
            "ReferenceType.GetValues" => "static field reads; these sessions read instance fields and locals only",
            "VirtualMachine.ClassPaths" => "jdb sends it for `classpath`; not in these sessions",
            "VirtualMachine.ClassesBySignature" => "the clients here list classes with AllClasses(WithGeneric) and match names themselves",
            "ReferenceType.ClassFileVersion" or "ReferenceType.ConstantPool" or "Method.Bytecodes" => "bytecode tools only (`ReferenceType.constantPool`, `Method.bytecodes`)",
            "ReferenceType.SourceDebugExtension" => "JSR-45 (SMAP) only; the demo's classes have none",
            "ReferenceType.NestedTypes" => "`ReferenceType.nestedTypes`; not used by these clients",
            "ReferenceType.Status" => "JDI takes class status from ClassPrepare events and class lists",
            "ReferenceType.ClassObject" or "ClassObjectReference.ReflectedType" => "class-object views; not in these scenarios",
            "ReferenceType.Signature" or "ReferenceType.Fields" or "ReferenceType.Methods" => "these clients ask for the WithGeneric variant",
            "ClassType.SetValues" or "ObjectReference.SetValues" or "ArrayReference.SetValues" => "no scenario assigns a field or array element (jdb `set` of a local uses StackFrame.SetValues)",
            "ClassType.NewInstance" => "`new` in evaluated expressions; the scenarios create no objects",
            "ArrayType.NewInstance" => "array creation (`ArrayType.newInstance`) by IDE evaluators; jdb and the scenarios create none",
            "InterfaceType.InvokeMethod" => "static interface methods; the demo has none to invoke",
            "Method.VariableTable" => "these clients ask for VariableTableWithGeneric",
            "Method.IsObsolete" => "asked for frames of redefined methods; none was on a stack the clients read after the redefinition",
            "ObjectReference.MonitorInfo" or "ThreadReference.OwnedMonitors" or "ThreadReference.CurrentContendedMonitor" => "monitor views (jdb `lock`, `threadlocks`); not in these sessions",
            "ThreadReference.OwnedMonitorsStackDepthInfo" => "IDE monitor views (`ownedMonitorsAndFrames`); jdb `threadlocks` sends OwnedMonitors",
            "ObjectReference.DisableCollection" or "ObjectReference.EnableCollection" or "ObjectReference.IsCollected" => "JDI pins objects only around invocations and `disableCollection`; not in these sessions",
            "ThreadReference.Stop" or "ThreadReference.Interrupt" => "jdb `kill`/`interrupt` would disturb the demo's threads",
            "ThreadReference.ForceEarlyReturn" => "IDEs' \"force return\" (`forceEarlyReturn`); jdb has no command for it",
            "StackFrame.PopFrames" => "jdb `pop`; not in these sessions",
            "ThreadReference.IsVirtual" => "JDK 21+ JDI asks only through `ThreadReference.isVirtual()`; these scenarios do not",
            "ThreadReference.SuspendCount" => "`ThreadReference.suspendCount()`; not used in these sessions",
            "ThreadGroupReference.Parent" => "`ThreadGroupReference.parent()`; not in these sessions",
            "ClassLoaderReference.VisibleClasses" => "`ClassLoaderReference.visibleClasses()`; not used by these clients",
            "EventRequest.ClearAllBreakpoints" => "`deleteAllBreakpoints()`; the clients clear each request",
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
