using System.Text;
using Verity.Cluster.Blobs;
using Verity.Cluster.Jobs;
using Verity.Cluster.Protocol;
using Verity.Cluster.Runners;

namespace Verity.Node.Tests.TestDoubles;

/// <summary>
/// TEST DOUBLE, not shipped: a task runner that does no proving. Execute reports <see cref="Segments"/> segments,
/// prove writes a small proof blob, finalize writes the receipt <see cref="ReceiptFor"/>. With <see cref="ProveGate"/>
/// set, prove tasks wait for it (or for cancellation), so tests can stop a node mid-task.
/// </summary>
internal sealed class ScriptedTaskRunner : ITaskRunner
{
    public int Segments { get; init; } = 1;

    public TaskCompletionSource? ProveGate { get; init; }

    /// <summary>Completed when the first prove task starts.</summary>
    public TaskCompletionSource ProveStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static byte[] ReceiptFor(string jobId) => Encoding.UTF8.GetBytes($"receipt of {jobId}");

    public async Task<string> RunAsync(ClaimedTask task, IBlobStore blobs, IProgress<double> progress, CancellationToken ct)
    {
        switch (task.Type)
        {
            case TaskType.Execute:
                var input = await blobs.GetAsync(BlobKeys.Input(task.Spec.InputId), ct) ?? throw new TaskFailedException("input missing", retry: false);
                // Cycles that fill the segments (the broker checks that they fit the segment size).
                return ClusterJson.Serialize(new ExecuteTaskOutput
                {
                    Cycles = (long)Segments << task.Spec.SegmentPo2, Segments = Segments, JournalHex = "cafe", InputConsumed = input.Length,
                });
            case TaskType.Prove:
                ProveStarted.TrySetResult();
                if (ProveGate != null) await ProveGate.Task.WaitAsync(ct);
                progress.Report(1);
                await blobs.PutAsync(BlobKeys.Proof(task.JobId, task.Index), new byte[] { 1, 2, 3 }, ct);
                return ClusterJson.Serialize(new ProveTaskOutput { ProofBytes = 3 });
            case TaskType.Finalize:
                byte[] receipt = ReceiptFor(task.JobId);
                await blobs.PutAsync(BlobKeys.Receipt(task.JobId), receipt, ct);
                return ClusterJson.Serialize(new FinalizeTaskOutput { ReceiptBytes = receipt.Length });
            default:
                throw new TaskFailedException($"unexpected task type {task.Type}", retry: false);
        }
    }
}
