namespace Fabric.Runtime.Tests.Support;

/// <summary>The test applications compiled once per test class, and a publisher key.</summary>
public sealed class AppsFixture : IDisposable
{
    private readonly TempDir _dir = new();

    public AppsFixture()
    {
        HelloClasses = JavaApp.Build(_dir.Combine("hello"), TestApps.Hello);
        ShopClasses = JavaApp.Build(_dir.Combine("shop"), TestApps.Shop, TestApps.ShopResources);
        Key = new SigningKey(_dir.Path);
        OtherKey = new SigningKey(_dir.Path, "stranger");
    }

    public string HelloClasses { get; }

    public string ShopClasses { get; }

    public SigningKey Key { get; }

    /// <summary>A key the nodes do not trust.</summary>
    public SigningKey OtherKey { get; }

    public void Dispose()
    {
        Key.Dispose();
        OtherKey.Dispose();
        _dir.Dispose();
    }
}
