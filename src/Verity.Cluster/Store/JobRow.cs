using Verity.Cluster.Jobs;
using Verity.Cluster.Protocol;

namespace Verity.Cluster.Store;

/// <summary>A row of the jobs table as both stores read it (Dapper fills it through the aliases in <see cref="Columns"/>).</summary>
internal sealed class JobRow
{
    /// <summary>The select list that fills a <see cref="JobRow"/> (same column names in both schemas); prefix-free, so
    /// use it on queries over the jobs table alone.</summary>
    public const string Columns =
        "seq AS Seq, job_id AS JobId, spec_json AS SpecJson, state AS State, error AS Error, created_ms AS CreatedMs, " +
        "finished_ms AS FinishedMs, execution_json AS ExecutionJson, receipt_bytes AS ReceiptBytes, " +
        "receipt_fetched_ms AS ReceiptFetchedMs, blobs_deleted_ms AS BlobsDeletedMs";

    public long Seq { get; set; }
    public string JobId { get; set; } = "";
    public string SpecJson { get; set; } = "";
    public int State { get; set; }
    public string? Error { get; set; }
    public long CreatedMs { get; set; }
    public long? FinishedMs { get; set; }
    public string? ExecutionJson { get; set; }
    public long? ReceiptBytes { get; set; }
    public long? ReceiptFetchedMs { get; set; }
    public long? BlobsDeletedMs { get; set; }

    public JobRecord ToRecord() => new()
    {
        JobId = JobId,
        Spec = ClusterJson.Deserialize<JobSpec>(SpecJson),
        State = (JobState)State,
        Error = Error,
        CreatedAt = StoreTime.At(CreatedMs),
        FinishedAt = StoreTime.At(FinishedMs),
        Execution = ExecutionJson is null ? null : ClusterJson.Deserialize<ExecutionSummary>(ExecutionJson),
        ReceiptBytes = ReceiptBytes,
        ReceiptFetchedAt = StoreTime.At(ReceiptFetchedMs),
        BlobsDeletedAt = StoreTime.At(BlobsDeletedMs),
    };
}
