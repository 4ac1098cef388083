using System.Text;
using Fabric.Registry.Manifests;
using Fabric.Registry.Symbols;

namespace Fabric.Registry.Tests.Manifests;

public class ManifestTextTests
{
    private static readonly SymbolId A = SymbolId.Of("a"u8);
    private static readonly SymbolId B = SymbolId.Of("b"u8);

    [Fact]
    public void CanonicalTextIsSortedAndRoundTrips()
    {
        var manifest = new ReleaseManifest(
            ManifestName.Parse("app:1.0"),
            ManifestName.Parse("team/base:2"),
            [
                new ManifestEntry("META-INF/app.properties", SymbolKind.Resource, B, 1),
                new ManifestEntry("com/app/Main", SymbolKind.Class, A, 1),
                new ManifestEntry("com/app/A", SymbolKind.Class, B, 1),
            ],
            [new("maven", "com.app:app:1.0"), new("Implementation-Version", "1.0")]);

        var text = Encoding.UTF8.GetString(manifest.ToCanonicalBytes());
        Assert.Equal(
            "fabric-manifest 1\nname\tdefault/app:1.0\nparent\tteam/base:2\n"
            + "meta\tImplementation-Version\t1.0\nmeta\tmaven\tcom.app:app:1.0\n"
            + $"class\tcom/app/A\t{B}\t1\nclass\tcom/app/Main\t{A}\t1\nresource\tMETA-INF/app.properties\t{B}\t1\n",
            text);

        var parsed = ManifestText.Parse(manifest.ToCanonicalBytes());
        Assert.Equal(manifest.ToCanonicalBytes(), parsed.ToCanonicalBytes());
        Assert.True(parsed.TryGetClass("com/app/Main", out var main));
        Assert.Equal(A, main.Symbol);
        Assert.True(parsed.TryGetResource("META-INF/app.properties", out _));
        Assert.False(parsed.TryGetClass("META-INF/app.properties", out _));
    }

    [Theory]
    [InlineData("fabric-manifest 2\nname\tdefault/a:1\n")]
    [InlineData("fabric-manifest 1\nname\tdefault/a:1")]
    [InlineData("fabric-manifest 1\nmeta\tk\tv\nname\tdefault/a:1\n")]
    [InlineData("fabric-manifest 1\nname\tdefault/a:1\nclass\tb\tnothex\t1\n")]
    [InlineData("fabric-manifest 1\nname\tdefault/a:1\nclass\tb\t" + "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb\t-1\n")]
    [InlineData("fabric-manifest 1\nname\tdefault/a:1\nclass\tz\t" + "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb\t1\nclass\ta\t" + "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb\t1\n")]
    [InlineData("fabric-manifest 1\nname\tdefault/a:1\nclass\ta\t" + "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb\t01\n")]
    [InlineData("fabric-manifest 1\nname\tdefault/../x:1\n")]
    public void RefusesAnythingNotCanonical(string text)
    {
        Assert.Throws<FormatException>(() => ManifestText.Parse(Encoding.UTF8.GetBytes(text)));
    }

    [Theory]
    [InlineData("app:1", "default", "app", "1")]
    [InlineData("team/app:1.0-rc.1", "team", "app", "1.0-rc.1")]
    public void NamesParse(string text, string ns, string name, string tag)
    {
        Assert.Equal(new ManifestName(ns, name, tag), ManifestName.Parse(text));
    }

    [Theory]
    [InlineData("app")]
    [InlineData("app:")]
    [InlineData("a/b/c:1")]
    [InlineData("app:1 2")]
    public void BadNamesAreRefusedWithTheReason(string text)
    {
        Assert.False(ManifestName.TryParse(text, out _, out var error));
        Assert.Contains(text, error);
    }

    [Fact]
    public void FieldsWithTabsOrLineBreaksAreRefused()
    {
        Assert.Throws<ArgumentException>(() => new ReleaseManifest(
            ManifestName.Parse("a:1"), null, [new ManifestEntry("a\tb", SymbolKind.Resource, A, 1)]));
        Assert.Throws<ArgumentException>(() => new ReleaseManifest(
            ManifestName.Parse("a:1"), null, [], [new("k", "line\nbreak")]));
    }
}
