namespace Fabric.Registry.Storage.Tests;

/// <summary>The real clock plus an offset the test moves forward, so "an hour later" needs no hour of waiting.
/// Blob stores stamp with the real clock, which this one never runs behind.</summary>
public sealed class ManualClock : TimeProvider
{
    private TimeSpan _offset;

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + _offset;

    public void Advance(TimeSpan by) => _offset += by;
}
