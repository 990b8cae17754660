using Microsoft.Extensions.Logging;
using Verity.Broker.Orders;
using Verity.Broker.Preflight;
using Verity.Broker.Pricing;
using Verity.Chain.Contracts;
using Verity.Cluster.Jobs;
using Verity.Cluster.Protocol;
using Verity.Market.Proving;
using Verity.Stark.Air.Parameters;

namespace Verity.Broker.Services;

/// <summary>
/// Proving (docs/BROKER.md §6.4): a <c>pending_proving</c> order becomes a cluster job (segment_po2 and parameters
/// from [prover], deadline = the order's expiry in wall time, priority requestors first) whose id is stored
/// (<c>proving</c>: a restart polls it, never creates a second). A finished job's receipt is fetched and verified
/// here (image id, exit code 0, the request's input, predicate) → <c>proved</c> with its journal; a failed job is
/// retried (<c>proof_retry_count</c>) while the deadline is still feasible, else <c>failed (F-001)</c>; a receipt that
/// does not verify → <c>failed (F-005)</c>.
/// </summary>
/// <param name="resources">the fetch cache preflight filled: the job proves the image and input that were preflighted
/// (an URL that answers otherwise after the lock cannot make the lock unfulfillable)</param>
public sealed class ProverService(BrokerContext ctx, ResourceCache resources)
{
    private readonly ILogger _logger = ctx.Logs.CreateLogger("Verity.Broker.Prover");

    public async Task StepAsync(CancellationToken ct)
    {
        foreach (var order in await ctx.Store.ListOrdersAsync([OrderState.PendingProving], 100_000, ct).ConfigureAwait(false))
        {
            try { await StartJobAsync(order, ct).ConfigureAwait(false); }
            catch (ResourceProblem e)
            {
                // Fetched fine in preflight: tried again next step; the reaper fails it once it expires.
                _logger.LogWarning("order {Order}: {Error}; trying again", order.Id, e.Message);
            }
        }
        foreach (var order in await ctx.Store.ListOrdersAsync([OrderState.Proving], 100_000, ct).ConfigureAwait(false))
            await PollAsync(order, ct).ConfigureAwait(false);
    }

    private async Task StartJobAsync(Order order, CancellationToken ct)
    {
        var config = ctx.Config.Current;
        var now = await ctx.ChainTimeAsync(ct).ConfigureAwait(false);
        if (now + 1 > order.Expiry) return; // the reaper fails it
        var elf = await resources.ImageAsync(order.Request, config.Market, ct).ConfigureAwait(false);
        var input = await resources.InputAsync(order.Request, config.Market, ct).ConfigureAwait(false);
        var imageId = await ctx.Cluster.UploadImageAsync(elf, ct).ConfigureAwait(false);
        if (!imageId.Replace("0x", "").Equals(Convert.ToHexStringLower(order.Request.Requirements.ImageId), StringComparison.OrdinalIgnoreCase))
        {
            await ctx.EndAsync(order, OrderState.Failed, ReasonCodes.ProvingFailed,
                $"the image at {order.Request.ImageUrl} now has image id {imageId}, not the request's", ct).ConfigureAwait(false);
            return;
        }
        var inputId = await ctx.Cluster.UploadInputAsync(input, ct).ConfigureAwait(false);
        var job = await ctx.Cluster.CreateJobAsync(new CreateJobRequest
        {
            ImageId = imageId,
            InputId = inputId,
            SegmentPo2 = config.Prover.SegmentPo2,
            Parameters = config.Prover.Parameters,
            Deadline = BrokerContext.WallTimeOf(order.Expiry, now),
            Priority = order.Priority ? 1 : 0,
        }, ct).ConfigureAwait(false);
        var proving = order with
        {
            State = OrderState.Proving, ProvingJobId = job, ProvingAttempts = order.ProvingAttempts + 1,
            ProvingStartedAt = order.ProvingStartedAt ?? DateTimeOffset.UtcNow,
        };
        if (!await ctx.MoveAsync(proving, OrderState.PendingProving, "prove", $"proving job {job} (attempt {proving.ProvingAttempts})", ct).ConfigureAwait(false))
        {
            // Moved meanwhile (lost, reaped): the job is not wanted.
            await ctx.Cluster.CancelAsync(job, ct).ConfigureAwait(false);
            return;
        }
        _logger.LogInformation("order {Order}: proving job {Job}", order.Id, job);
    }

    private async Task PollAsync(Order order, CancellationToken ct)
    {
        var jobId = order.ProvingJobId ?? throw new InvalidOperationException($"order {order.Id} is proving without a job id");
        var status = await ctx.Cluster.GetStatusAsync(jobId, ct).ConfigureAwait(false);
        if (status.State == JobState.Running) return;
        if (status.State == JobState.Succeeded)
        {
            var receipt = await ctx.Cluster.GetReceiptAsync(jobId, ct).ConfigureAwait(false);
            var input = await resources.InputAsync(order.Request, ctx.Config.Current.Market, ct).ConfigureAwait(false);
            byte[] journal;
            try
            {
                journal = ReceiptCheck.Verify(receipt, order.Request, input, StarkParameters.FromName(status.Parameters));
            }
            catch (ReceiptRejectedException e)
            {
                await ctx.EndAsync(order, OrderState.Failed, ReasonCodes.ReceiptInvalid, e.Message, ct).ConfigureAwait(false);
                return;
            }
            var proved = order with { State = OrderState.Proved, JournalHex = Convert.ToHexStringLower(journal), ProvedAt = DateTimeOffset.UtcNow };
            if (await ctx.MoveAsync(proved, OrderState.Proving, "prove",
                    $"proved by job {jobId}: receipt verified here ({status.Cycles} cycles, journal {journal.Length} bytes)", ct).ConfigureAwait(false))
            {
                if (order.ProvingStartedAt is { } started) ctx.Metrics.ProvingSeconds((proved.ProvedAt!.Value - started).TotalSeconds);
                ctx.WakeSubmitter.Set();
            }
            return;
        }
        // Failed or cancelled: again while a retry fits before the expiry.
        var config = ctx.Config.Current;
        var now = await ctx.ChainTimeAsync(ct).ConfigureAwait(false);
        double khz = await ctx.ProvingKhzAsync(config, ct).ConfigureAwait(false);
        bool feasible = ProvingEstimate.Feasible(now, order.Cycles ?? 0, CommittedWork.None, khz,
            config.Batcher.EffectiveBlockDeadlineBufferSeconds, order.Expiry);
        string why = $"job {jobId} {status.State.Name()}: {status.Error ?? "no error given"}";
        if (order.ProvingAttempts <= config.Prover.ProofRetryCount && feasible)
        {
            await ctx.MoveAsync(order with { State = OrderState.PendingProving, ProvingJobId = null }, OrderState.Proving, "prove",
                $"{why}; retrying ({order.ProvingAttempts} of {config.Prover.ProofRetryCount + 1} attempts used)", ct).ConfigureAwait(false);
            return;
        }
        await ctx.EndAsync(order, OrderState.Failed, ReasonCodes.ProvingFailed, why, ct).ConfigureAwait(false);
    }
}
