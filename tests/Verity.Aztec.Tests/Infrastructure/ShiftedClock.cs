namespace Verity.Aztec.Tests.Infrastructure;

/// <summary>
/// TEST DOUBLE of the node's clock: the system clock plus an offset the test moves forward, so a job times out when
/// the test says so rather than after some wall-clock time.
/// </summary>
internal sealed class ShiftedClock : TimeProvider
{
    private long _offsetTicks;

    public void Advance(TimeSpan by)
    {
        if (by < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(by), "the clock only moves forward");
        Interlocked.Add(ref _offsetTicks, by.Ticks);
    }

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));
}
