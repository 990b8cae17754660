namespace Verity.Cluster.EndToEnd.Tests.Infrastructure;

/// <summary>A fact that needs the loop guest: skipped (saying why) only when it is not built outside CI.</summary>
public sealed class LoopGuestFactAttribute : FactAttribute
{
    public LoopGuestFactAttribute()
    {
        if (TestGuests.LoopSkipReason is { } reason) Skip = reason;
    }
}
