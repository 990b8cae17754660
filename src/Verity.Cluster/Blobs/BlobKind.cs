namespace Verity.Cluster.Blobs;

/// <summary>What a blob key holds (see <see cref="BlobKeys.KindOf"/>): size limits and access rules go by it.</summary>
public enum BlobKind
{
    /// <summary>Not a key of the layout.</summary>
    Unknown = 0,
    Image,
    Input,
    Run,
    Proof,
    Receipt,
}
