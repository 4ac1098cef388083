namespace Fabric.Registry.Storage.Tests;

/// <summary>The real clock plus an offset the test moves forward, so "an hour later" needs no hour of waiting.
/// Blob stores stamp with the real clock, which this one never runs behind. Safe to advance from another thread.</summary>
public sealed class ManualClock : TimeProvider
{
    private long _offsetTicks;

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);
}
