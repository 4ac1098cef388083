using System.Reflection;
using JdwpGateway.Protocol.Spec;
using Xunit;

namespace JdwpGateway.Protocol.Tests;

public class JdwpSpecTableTests
{
    // Number of commands per command set, counted from the `static final int COMMAND = n;`
    // declarations in JDK 25's generated jdk.jdi/com/sun/tools/jdi/JDWP.java
    // (temurin-25 lib/src.zip). 95 commands in total; Field (8) has none.
    public static TheoryData<byte, string, int> ExpectedCounts => new()
    {
        { 1, "VirtualMachine", 22 },
        { 2, "ReferenceType", 19 },
        { 3, "ClassType", 4 },
        { 4, "ArrayType", 1 },
        { 5, "InterfaceType", 1 },
        { 6, "Method", 5 },
        { 8, "Field", 0 },
        { 9, "ObjectReference", 9 },
        { 10, "StringReference", 1 },
        { 11, "ThreadReference", 15 },
        { 12, "ThreadGroupReference", 3 },
        { 13, "ArrayReference", 3 },
        { 14, "ClassLoaderReference", 1 },
        { 15, "EventRequest", 3 },
        { 16, "StackFrame", 4 },
        { 17, "ClassObjectReference", 1 },
        { 18, "ModuleReference", 2 },
        { 64, "Event", 1 },
    };

    // Event kinds the spec defines but never delivers inside Event.Composite.
    private static readonly EventKind[] NeverInComposite =
    [
        EventKind.FramePop, EventKind.UserDefined, EventKind.ClassLoad, EventKind.ExceptionCatch, EventKind.VMDisconnected,
    ];

    [Theory]
    [MemberData(nameof(ExpectedCounts))]
    public void CommandCountPerSetMatchesJdk25(byte set, string setName, int expected)
    {
        var commands = JdwpSpec.All.Where(c => c.Set == set).ToList();
        Assert.Equal(expected, commands.Count);
        Assert.All(commands, c => Assert.Equal(setName, c.SetName));
    }

    [Fact]
    public void TotalCommandCountMatchesJdk25()
    {
        Assert.Equal(95, JdwpSpec.All.Count);
        var knownSets = ExpectedCounts.Select(row => (byte)row[0]).ToHashSet();
        Assert.All(JdwpSpec.All, c => Assert.Contains(c.Set, knownSets));
    }

    [Fact]
    public void NoDuplicateKeysOrNames()
    {
        // Read the raw table (before it is keyed into a dictionary) so that duplicates are visible.
        var buildAll = typeof(JdwpSpec).GetMethod("BuildAll", BindingFlags.NonPublic | BindingFlags.Static);
        Assert.NotNull(buildAll);
        var raw = ((IEnumerable<CommandSpec>)buildAll.Invoke(null, null)!).ToList();

        Assert.Equal(raw.Count, raw.Select(c => (c.Set, c.Command)).Distinct().Count());
        Assert.Equal(raw.Count, raw.Select(c => c.FullName).Distinct().Count());
        Assert.Equal(raw.Count, JdwpSpec.All.Count);
    }

    [Fact]
    public void EverySelectHasUniqueCaseTagsAndNames()
    {
        var selects = JdwpSpec.All.SelectMany(c => Selects(c.Out).Concat(Selects(c.Reply))).ToList();
        Assert.NotEmpty(selects);
        foreach (var select in selects)
        {
            Assert.All(select.Cases, kv => Assert.Equal(kv.Key, kv.Value.Tag));
            Assert.Equal(select.Cases.Count, select.Cases.Values.Select(c => c.Tag).Distinct().Count());
            Assert.Equal(select.Cases.Count, select.Cases.Values.Select(c => c.Name).Distinct().Count());
        }
    }

    [Fact]
    public void CompositeCoversEveryDeliverableEventKind()
    {
        var composite = JdwpSpec.Find(CommandSets.Event, 100);
        Assert.NotNull(composite);
        Assert.Equal("Composite", composite.Name);
        var select = Assert.Single(Selects(composite.Out));

        var expected = Enum.GetValues<EventKind>().Except(NeverInComposite).Select(k => (byte)k).ToHashSet();
        Assert.Equal(expected.Order(), select.Cases.Keys.Order());

        // Every event starts with its requestID.
        Assert.All(select.Cases.Values, c => Assert.IsType<RequestId>(c.Body.Elements[0]));
    }

    [Fact]
    public void EventRequestSetCoversEveryModKind()
    {
        var set = JdwpSpec.Find(CommandSets.EventRequest, 1);
        Assert.NotNull(set);
        var select = Assert.Single(Selects(set.Out));
        Assert.Equal(Enum.GetValues<ModKind>().Select(k => (byte)k).Order(), select.Cases.Keys.Order());
        Assert.All(select.Cases.Values, c => Assert.Equal(((ModKind)c.Tag).ToString(), c.Name));
    }

    [Fact]
    public void RequestIdsOnlyWhereTheSpecHasThem()
    {
        var withRequestIds = JdwpSpec.All
            .Where(c => Flatten(c.Out).Concat(Flatten(c.Reply)).OfType<RequestId>().Any())
            .Select(c => c.FullName)
            .Order()
            .ToList();
        Assert.Equal(["Event.Composite", "EventRequest.Clear", "EventRequest.Set"], withRequestIds);
    }

    [Fact]
    public void FindVersion()
    {
        var version = JdwpSpec.Find(1, 1);
        Assert.NotNull(version);
        Assert.Equal("VirtualMachine.Version", version.FullName);
        Assert.Null(JdwpSpec.Find(8, 1));
        Assert.Null(JdwpSpec.Find(200, 1));
    }

    private static IEnumerable<Element> Flatten(Layout layout)
    {
        foreach (var element in layout.Elements)
        {
            yield return element;
            var children = element switch
            {
                Repeat r => Flatten(r.Body),
                Select s => s.Cases.Values.SelectMany(c => Flatten(c.Body)),
                _ => [],
            };
            foreach (var child in children)
            {
                yield return child;
            }
        }
    }

    private static IEnumerable<Select> Selects(Layout layout) => Flatten(layout).OfType<Select>();
}
