using Verity.Cluster.Protocol;

namespace Verity.Broker.Cluster;

/// <summary>
/// The proving cluster as the broker uses it: the node's REST API (embedded: this process's node on loopback;
/// standalone: <c>--node URL</c>). Upload, create jobs (execute-only for preflight), poll, fetch receipts, and ask
/// whether the cluster is healthy enough to take on new work.
/// </summary>
public interface IProvingCluster
{
    Task<string> UploadImageAsync(ReadOnlyMemory<byte> elf, CancellationToken ct);
    Task<string> UploadInputAsync(ReadOnlyMemory<byte> input, CancellationToken ct);
    Task<string> CreateJobAsync(CreateJobRequest request, CancellationToken ct);
    Task<JobStatusView> GetStatusAsync(string jobId, CancellationToken ct);
    Task<byte[]> GetReceiptAsync(string jobId, CancellationToken ct);
    Task CancelAsync(string jobId, CancellationToken ct);
    /// <summary>The node's /health: healthy, or the problems (store, disk_full, agents) that stop new locks.</summary>
    Task<ClusterHealth> HealthAsync(CancellationToken ct);
}

public sealed record ClusterHealth(bool Healthy, IReadOnlyList<string> Problems);
