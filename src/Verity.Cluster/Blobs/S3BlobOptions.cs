namespace Verity.Cluster.Blobs;

/// <summary>
/// Where an <see cref="S3BlobStore"/> keeps its blobs: any S3-compatible server (AWS S3, MinIO, s3rver, ...).
/// </summary>
public sealed record S3BlobOptions
{
    /// <summary>The server's base URL, e.g. <c>http://127.0.0.1:4569</c> or <c>https://s3.eu-west-1.amazonaws.com</c>.</summary>
    public required string ServiceUrl { get; init; }

    /// <summary>The bucket (must already exist).</summary>
    public required string Bucket { get; init; }

    /// <summary>The signing region; most S3-compatible servers accept any.</summary>
    public string Region { get; init; } = "us-east-1";

    /// <summary>Access key id; with <see cref="SecretKey"/> null too, the SDK's default credential chain is used.</summary>
    public string? AccessKey { get; init; }

    public string? SecretKey { get; init; }

    /// <summary>Folder inside the bucket for every key ("verity/" → "verity/jobs/..."), so clusters can share a bucket.</summary>
    public string? KeyPrefix { get; init; }

    /// <summary>Path-style URLs (<c>host/bucket/key</c>): what self-hosted servers expect.</summary>
    public bool ForcePathStyle { get; init; } = true;

    /// <summary>Per-request timeout (connect and transfer).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(100);

    /// <summary>Where streamed uploads are staged (0600 files, deleted when sent) while their digest is computed; null = the system temp folder.</summary>
    public string? SpoolDirectory { get; init; }

    /// <summary>SDK retries after a failed request (throttling, 5xx, network errors).</summary>
    public int MaxRetries { get; init; } = 3;
}
