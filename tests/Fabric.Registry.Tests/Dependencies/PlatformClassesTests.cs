using Fabric.Registry.Dependencies;
using Fabric.Registry.Tests.Support;

namespace Fabric.Registry.Tests.Dependencies;

public sealed class PlatformClassesTests : IDisposable
{
    private readonly TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void ListsTheJdkImageAndCachesItInAFileKeyedByTheReleaseFile()
    {
        var platform = PlatformClasses.Load(Jdk.Home17, _temp.Path);
        Assert.True(platform.Contains("java/lang/Object"));
        Assert.True(platform.Contains("java/util/logging/Logger"));
        Assert.True(platform.Contains("sun/misc/Unsafe")); // jdk.unsupported: every module of the image counts
        Assert.False(platform.Contains("java/lang/foreign/Arena"));
        Assert.False(platform.Contains("module-info"));
        Assert.True(platform.Count > 20000, $"only {platform.Count} platform classes");

        // The file cache is written (or was already, by an earlier load of the same JDK build) and is what is read.
        var cacheFile = Path.Combine(_temp.Path, platform.Key + ".txt");
        var fresh = PlatformClasses.LoadUncached(Jdk.Home17, platform.Key, _temp.Path);
        Assert.True(File.Exists(cacheFile));
        Assert.Equal(platform.Count, fresh.Count);
        File.WriteAllLines(cacheFile, ["only/This", "# end"]);
        var cached = PlatformClasses.LoadUncached(Jdk.Home17, platform.Key, _temp.Path);
        Assert.Equal(1, cached.Count);
        Assert.True(cached.Contains("only/This"));

        // A cut-off cache file (no end marker) is listed again.
        File.WriteAllLines(cacheFile, ["only/This"]);
        Assert.Equal(platform.Count, PlatformClasses.LoadUncached(Jdk.Home17, platform.Key, _temp.Path).Count);
    }

    [Fact]
    public void EachJdkHasItsOwnList()
    {
        var jdk25 = PlatformClasses.Load(Jdk.Require(Jdk.Jdk25), _temp.Path);
        var jdk17 = PlatformClasses.Load(Jdk.Home17, _temp.Path);
        Assert.NotEqual(jdk17.Key, jdk25.Key);
        Assert.True(jdk25.Contains("java/lang/foreign/Arena"));
        Assert.False(jdk17.Contains("java/lang/foreign/Arena"));
    }

    [Fact]
    public void NotAJdkIsAClearError()
    {
        var e = Assert.Throws<PlatformClassesException>(() => PlatformClasses.Load(_temp.Path, _temp.Path));
        Assert.Contains("release", e.Message);
    }
}
