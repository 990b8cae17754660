namespace Verity.Node.Configuration;

/// <summary>
/// Limits on what agents upload through the blob proxy (section "Node:BlobLimits"), per blob kind; clients' images
/// and inputs are capped by Broker:MaxImageBytes and Broker:MaxInputBytes. Uploads are streamed to the blob store, so
/// these bound disk use, not memory. A body that sends nothing for <see cref="IdleTimeout"/> is cut off (408).
/// </summary>
public sealed record BlobLimitSettings
{
    /// <summary>An execute task's run blob.</summary>
    public long Run { get; init; } = 2_000_000_000;

    /// <summary>One prove task's proof.</summary>
    public long Proof { get; init; } = 1L << 30;

    /// <summary>A finalize task's receipt.</summary>
    public long Receipt { get; init; } = 1L << 30;

    /// <summary>Longest wait for the next bytes of any upload body (agents' blobs, clients' images and inputs).</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
