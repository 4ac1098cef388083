using Xunit;
using JdwpGateway.Routing.Config;
using JdwpGateway.Routing.Nodes;

namespace JdwpGateway.Routing.Tests;

/// <summary>Configured nodes and registry-discovered nodes share one directory without withdrawing each other.</summary>
public sealed class NodeDirectorySourceTests
{
    private static NodeOptions Node(string name, int port) => new() { Name = name, Address = $"127.0.0.1:{port}" };

    [Fact]
    public void Replacing_one_sources_nodes_leaves_the_other_sources_nodes_present()
    {
        var directory = new NodeDirectory([Node("static-a", 7001)]);
        var changes = directory.Replace([Node("fabric-1", 7101), Node("fabric-2", 7102)], "registry");
        Assert.Equal(["fabric-1", "fabric-2"], changes.Select(c => c.Options.Name));
        Assert.All(changes, c => Assert.True(c.Joined));

        // The registry's answer no longer lists fabric-1: only fabric-1 leaves; the configured node stays.
        changes = directory.Replace([Node("fabric-2", 7102)], "registry");
        Assert.Equal([("fabric-1", false)], changes.Select(c => (c.Options.Name, c.Joined)));
        Assert.Equal(["static-a", "fabric-2"], directory.Present.Select(p => p.Options.Name));

        // A configuration reload with a new node list: the registry's node stays.
        changes = directory.Replace([Node("static-b", 7002)]);
        Assert.Equal([("static-a", false), ("static-b", true)], changes.Select(c => (c.Options.Name, c.Joined)));
        Assert.Equal(["fabric-2", "static-b"], directory.Present.Select(p => p.Options.Name));
    }

    [Fact]
    public void A_name_held_by_one_source_is_not_taken_over_by_another_and_keeps_its_index_when_it_returns()
    {
        var directory = new NodeDirectory([Node("node-a", 7001)]);
        var index = directory.Present.Single().Index;
        Assert.Empty(directory.Replace([Node("node-a", 7999)], "registry"));
        Assert.True(directory.TryGetPresent(index, out var held));
        Assert.Equal("127.0.0.1:7001", held.Address);

        directory.Replace([]);
        Assert.Empty(directory.Present);
        var back = directory.Replace([Node("node-a", 7999)], "registry");
        Assert.Equal(index, Assert.Single(back).Index);
    }
}
