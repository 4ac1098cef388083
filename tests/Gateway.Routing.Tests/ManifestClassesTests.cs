using JdwpGateway.Routing.Discovery;
using Xunit;

namespace JdwpGateway.Routing.Tests;

/// <summary>The gateway reads the class lines and the parent of a manifest's canonical text, and refuses anything else.</summary>
public sealed class ManifestClassesTests
{
    private static readonly string Hash1 = new('a', 64);
    private static readonly string Hash2 = new string('0', 63) + "f";

    [Fact]
    public void Reads_classes_and_parent_and_skips_meta_and_resource_lines()
    {
        var text = $"fabric-manifest 1\nname\tdefault/shop:2.0\nparent\tbase:1.0\nmeta\tImplementation-Version\t2.0\n" +
            $"class\tcom/shop/Main\t{Hash1}\t120\nclass\tcom/shop/Cart\t{Hash2}\t80\nresource\tMETA-INF/x.properties\t{Hash2}\t3\n";

        Assert.True(ManifestClasses.TryParse(text, "default/shop:2.0", out var classes, out var parent, out var problem), problem);
        Assert.Equal("default/base:1.0", parent);
        Assert.Equal(new Dictionary<string, string> { ["com/shop/Main"] = Hash1, ["com/shop/Cart"] = Hash2 }, classes);
    }

    [Theory]
    [InlineData("<html>not a manifest</html>", "does not start with")]
    [InlineData("fabric-manifest 1\nname\tdefault/other:1.0\n", "names itself default/other:1.0")]
    [InlineData("fabric-manifest 1\nclass\tcom/shop/Main\tnot-a-hash\t1\nname\tdefault/shop:2.0\n", "line 2 is not a class line")]
    [InlineData("fabric-manifest 1\nname\tdefault/shop:2.0\nparent\tno tag\n", "line 3 names a malformed parent")]
    public void Refuses_what_is_not_the_asked_manifest_with_a_reason(string text, string reason)
    {
        Assert.False(ManifestClasses.TryParse(text, "default/shop:2.0", out _, out _, out var problem));
        Assert.Contains(reason, problem, StringComparison.Ordinal);
    }
}
