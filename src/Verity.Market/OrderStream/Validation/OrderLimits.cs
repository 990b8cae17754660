namespace Verity.Market.OrderStream.Validation;

/// <summary>Size limits of posted orders.</summary>
public sealed record OrderLimits
{
    /// <summary>Largest inline input (bytes, not hex digits); larger inputs go by URL.</summary>
    public int MaxInlineInputBytes { get; init; } = 256 << 10;

    /// <summary>Largest image URL and input URL, UTF-8 bytes.</summary>
    public int MaxUrlBytes { get; init; } = 2 << 10;

    /// <summary>Largest predicate data (a prefix to match), bytes.</summary>
    public int MaxPredicateBytes { get; init; } = 64 << 10;

    /// <summary>Largest POST body: the inline input and predicate as hex plus room for the rest of the order.</summary>
    public long MaxBodyBytes => 2L * (MaxInlineInputBytes + MaxPredicateBytes) + 2L * MaxUrlBytes + (16 << 10);

    /// <summary>A description of what is wrong with these limits, or null.</summary>
    public string? Problem() =>
        MaxInlineInputBytes < 0 ? "the inline input limit must not be negative"
        : MaxInlineInputBytes > 64 << 20 ? "the inline input limit must be at most 64 MiB"
        : MaxUrlBytes < 16 ? "the URL limit must be at least 16 bytes"
        : MaxPredicateBytes < 32 ? "the predicate limit must be at least 32 bytes"
        : null;
}
