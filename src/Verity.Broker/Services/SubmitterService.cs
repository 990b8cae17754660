using System.Numerics;
using Microsoft.Extensions.Logging;
using Nethereum.Hex.HexTypes;
using Nethereum.RPC.Eth.DTOs;
using Verity.Broker.Orders;
using Verity.Chain.Contracts;
using Verity.Chain.Transactions;

namespace Verity.Broker.Services;

/// <summary>
/// Batcher and submitter (docs/BROKER.md §6.5). <c>proved</c> orders are batched (up to <c>max_batch_size</c>, the
/// closest expiry first); a batch goes out when it has <c>min_batch_size</c> orders, its oldest order waited
/// <c>batch_max_time</c>, it holds <c>batch_max_journal_bytes</c>, or an order's expiry is within
/// <c>block_deadline_buffer_secs</c>. One fulfil transaction with development seals (only on a development
/// deployment; the receipts were verified here by the prover service) through <see cref="MarketContract.FulfillAsync"/>
/// (commit-reveal where a fill takes the open path). Fills the market would refuse or pay to someone else are dropped
/// from the batch (lost) and the rest sent again, up to <c>max_submission_attempts</c>. Payment and bounty are read
/// from the RequestFulfilled logs, gas from the receipt and shared across the batch's orders.
/// </summary>
public sealed class SubmitterService
{
    private readonly BrokerContext _ctx;
    private readonly MarketContract _market;
    private readonly ILogger _logger;

    public SubmitterService(BrokerContext ctx, ITransactionSender sender)
    {
        _ctx = ctx;
        _market = ctx.Market.With(sender);
        _logger = ctx.Logs.CreateLogger("Verity.Broker.Submitter");
    }

    public async Task StepAsync(CancellationToken ct)
    {
        // This step is the only sender of batches: one still open or submitting when a step begins was interrupted, by a
        // restart or by a step that failed midway (an RPC error while sending). Not only at start: its orders would
        // stay submitting for good.
        foreach (var batch in await _ctx.Store.ListBatchesAsync([BatchState.Open, BatchState.Submitting], ct).ConfigureAwait(false))
            await RecoverAsync(batch, ct).ConfigureAwait(false);
        var config = _ctx.Config.Current.Batcher;
        var proved = await _ctx.Store.ListOrdersAsync([OrderState.Proved], 100_000, ct).ConfigureAwait(false);
        if (proved.Count == 0) return;
        var now = await _ctx.ChainTimeAsync(ct).ConfigureAwait(false);
        var take = proved.OrderBy(o => o.Expiry).Take(Math.Clamp(config.MaxBatchSize, 1, 64)).ToList();
        long buffer = config.EffectiveBlockDeadlineBufferSeconds;
        bool due = take.Count >= Math.Max(1, config.MinBatchSize)
            || take.Any(o => o.ProvedAt is { } at && DateTimeOffset.UtcNow - at >= TimeSpan.FromSeconds(config.BatchMaxTimeSeconds))
            || take.Sum(o => (o.JournalHex?.Length ?? 0) / 2) >= config.BatchMaxJournalBytes
            || take.Any(o => (long)o.Expiry - (long)now <= buffer);
        if (!due) return;
        var created = await _ctx.Store.CreateBatchAsync([.. take.Select(o => o.Id)], DateTimeOffset.UtcNow, ct).ConfigureAwait(false);
        await SubmitAsync(created, ct).ConfigureAwait(false);
    }

    private async Task SubmitAsync(Batch batch, CancellationToken ct)
    {
        var config = _ctx.Config.Current.Batcher;
        batch = batch with { State = BatchState.Submitting };
        await _ctx.Store.UpdateBatchAsync(batch, ct).ConfigureAwait(false);
        var orders = new List<Order>();
        foreach (var id in batch.OrderIds)
            if (await _ctx.Store.GetOrderAsync(id, ct).ConfigureAwait(false) is { State: OrderState.Submitting } o) orders.Add(o);
        string? lastError = null;
        while (orders.Count > 0)
        {
            if (batch.Attempts >= Math.Max(1, config.MaxSubmissionAttempts))
            {
                foreach (var o in orders)
                    await _ctx.EndAsync(o, OrderState.Failed, ReasonCodes.SubmissionFailed,
                        $"fulfilment failed after {batch.Attempts} attempts: {lastError}", ct).ConfigureAwait(false);
                await _ctx.Store.UpdateBatchAsync(batch with { State = BatchState.Failed, Error = lastError }, ct).ConfigureAwait(false);
                return;
            }
            batch = batch with { Attempts = batch.Attempts + 1 };
            await _ctx.Store.UpdateBatchAsync(batch, ct).ConfigureAwait(false);
            orders = await DropUnfulfillableAsync(orders, ct).ConfigureAwait(false);
            if (orders.Count == 0) break;
            var fills = orders.Select(o => new Fulfillment
            {
                Request = o.Request,
                ClientSignature = o.Signature,
                Journal = Convert.FromHexString(o.JournalHex!),
                Seal = DevelopmentSeal.Create(o.Request.Requirements.ImageId, Convert.FromHexString(o.JournalHex!)),
            }).ToList();
            try
            {
                var receipt = await _market.FulfillAsync(fills, ct).ConfigureAwait(false);
                await RecordAsync(batch with { Transaction = receipt.TransactionHash }, orders, receipt, ct).ConfigureAwait(false);
                return;
            }
            catch (FillPreemptedException e)
            {
                orders = await DropAsync(orders, e.RequestId, OrderState.Lost, ReasonCodes.LockedByOther, e.Message, ct).ConfigureAwait(false);
            }
            catch (FillPaysLockerException e)
            {
                // Too early for a secondary fill (the lock runs until its deadline): back to proved, sent later.
                foreach (var o in orders.Where(o => o.RequestId == e.RequestId).ToList())
                {
                    if (o.Type == FulfillmentType.FulfillAfterLockExpire)
                        await _ctx.MoveAsync(o with { State = OrderState.Proved, BatchId = null }, OrderState.Submitting, "submit",
                            $"the lock of {e.Locker} runs until {e.LockDeadline}: fill later", ct).ConfigureAwait(false);
                    else
                        await _ctx.EndAsync(o, OrderState.Lost, ReasonCodes.LockedByOther, e.Message, ct).ConfigureAwait(false);
                    orders.Remove(o);
                }
            }
            catch (FillCommittedByOtherException e)
            {
                orders = await DropAsync(orders, e.RequestId, OrderState.Lost, ReasonCodes.FulfilledByOther, e.Message, ct).ConfigureAwait(false);
            }
            catch (TransactionRevertedException e) when (orders.Count > 1)
            {
                // One fill the market refuses reverts the whole batch: send each alone, so a poisoned request (one
                // that reverts for a reason not recognised above) cannot make the others miss their deadlines.
                _logger.LogWarning("batch {Batch} reverted ({Error}): sending its {Count} fills one by one", batch.Id, e.Message, orders.Count);
                await _ctx.Store.UpdateBatchAsync(batch with { State = BatchState.Failed, Error = $"split after a revert: {e.Message}" }, ct).ConfigureAwait(false);
                var single = new List<Order>();
                foreach (var o in orders)
                    if (await _ctx.MoveAsync(o with { State = OrderState.Proved, BatchId = null }, OrderState.Submitting, "submit",
                            $"batch {batch.Id} reverted ({e.Message}): sent alone", ct).ConfigureAwait(false))
                        single.Add(o);
                foreach (var o in single)
                    await SubmitAsync(await _ctx.Store.CreateBatchAsync([o.Id], DateTimeOffset.UtcNow, ct).ConfigureAwait(false), ct).ConfigureAwait(false);
                return;
            }
            catch (TransactionRevertedException e)
            {
                lastError = e.Message;
                _logger.LogWarning("batch {Batch} attempt {Attempt}: {Error}", batch.Id, batch.Attempts, e.Message);
                await Task.Delay(Math.Max(0, config.SubmitRetryDelayMilliseconds), ct).ConfigureAwait(false);
            }
        }
        await _ctx.Store.UpdateBatchAsync(batch with { State = BatchState.Submitted, Error = "every order was dropped" }, ct).ConfigureAwait(false);
    }

    /// <summary>Drops orders the market would refuse now: fulfilled already (L-002), or past their deadline (F-002).</summary>
    private async Task<List<Order>> DropUnfulfillableAsync(List<Order> orders, CancellationToken ct)
    {
        var now = await _ctx.ChainTimeAsync(ct).ConfigureAwait(false);
        var keep = new List<Order>();
        foreach (var o in orders)
        {
            var state = await _ctx.Market.RequestLockAsync(o.RequestId, ct).ConfigureAwait(false);
            if (state.FlagSet.HasFlag(RequestLockFlags.Fulfilled))
                await _ctx.EndAsync(o, OrderState.Lost, ReasonCodes.FulfilledByOther, "fulfilled by another prover first", ct).ConfigureAwait(false);
            else if (now + 1 > o.Request.Offer.Deadline)
                await _ctx.EndAsync(o, OrderState.Failed, ReasonCodes.DeadlinePassed, $"deadline {o.Request.Offer.Deadline} passed (chain time {now})", ct)
                    .ConfigureAwait(false);
            else keep.Add(o);
        }
        return keep;
    }

    private async Task<List<Order>> DropAsync(List<Order> orders, BigInteger requestId, OrderState state, string code, string detail, CancellationToken ct)
    {
        foreach (var o in orders.Where(o => o.RequestId == requestId))
            await _ctx.EndAsync(o, state, code, detail, ct).ConfigureAwait(false);
        return [.. orders.Where(o => o.RequestId != requestId)];
    }

    /// <summary>Each order's payment and bounty from this transaction's RequestFulfilled logs; the gas shared across them.</summary>
    private async Task RecordAsync(Batch batch, List<Order> orders, TransactionReceipt receipt, CancellationToken ct)
    {
        var gas = BrokerContext.GasCost(receipt);
        _ctx.Metrics.GasSpent(gas);
        _ctx.Metrics.BatchSent();
        var from = new BlockParameter(new HexBigInteger(receipt.BlockNumber.Value));
        for (int i = 0; i < orders.Count; i++)
        {
            var o = orders[i];
            // The remainder of the split goes to the first order, so the shares add up to the gas paid.
            var share = gas / orders.Count + (i == 0 ? gas % orders.Count : 0);
            var logs = await _ctx.Market.FulfilledLogsAsync(o.RequestId, from, ct).ConfigureAwait(false);
            var log = logs.FirstOrDefault(l => string.Equals(l.Log.TransactionHash, receipt.TransactionHash, StringComparison.OrdinalIgnoreCase));
            BigInteger payment = 0, bounty = 0;
            if (log is not null && _ctx.IsUs(log.Event.Prover)) { payment = log.Event.Payment; bounty = log.Event.Bounty; }
            var done = o with
            {
                State = OrderState.Fulfilled, FulfillTransaction = receipt.TransactionHash, FulfilledAt = DateTimeOffset.UtcNow,
                EarnedWei = o.EarnedWei + payment, BountyEarned = o.BountyEarned + bounty, GasSpentWei = o.GasSpentWei + share,
            };
            if (await _ctx.MoveAsync(done, OrderState.Submitting, "submit",
                    $"fulfilled in {receipt.TransactionHash}: paid {payment} wei, bounty {bounty}, gas share {share} wei", ct).ConfigureAwait(false))
                _ctx.Metrics.Fulfilled(payment, bounty);
        }
        await _ctx.Store.UpdateBatchAsync(batch with { State = BatchState.Submitted }, ct).ConfigureAwait(false);
        _logger.LogInformation("batch {Batch}: {Count} order(s) fulfilled in {Tx}", batch.Id, orders.Count, receipt.TransactionHash);
    }

    /// <summary>A batch a restart or a failed step left open or submitting: orders the chain shows fulfilled by us are recorded, the rest go back to proved.</summary>
    private async Task RecoverAsync(Batch batch, CancellationToken ct)
    {
        foreach (var id in batch.OrderIds)
        {
            if (await _ctx.Store.GetOrderAsync(id, ct).ConfigureAwait(false) is not { State: OrderState.Submitting } o) continue;
            var state = await _ctx.Market.RequestLockAsync(o.RequestId, ct).ConfigureAwait(false);
            if (state.FlagSet.HasFlag(RequestLockFlags.Fulfilled))
            {
                var logs = await _ctx.Market.FulfilledLogsAsync(o.RequestId, null, ct).ConfigureAwait(false);
                var log = logs.LastOrDefault();
                if (log is not null && _ctx.IsUs(log.Event.Prover))
                {
                    var done = o with { State = OrderState.Fulfilled, FulfillTransaction = log.Log.TransactionHash, FulfilledAt = DateTimeOffset.UtcNow,
                        EarnedWei = o.EarnedWei + log.Event.Payment, BountyEarned = o.BountyEarned + log.Event.Bounty };
                    if (await _ctx.MoveAsync(done, OrderState.Submitting, "chain", $"found fulfilled in {log.Log.TransactionHash} after a restart", ct)
                            .ConfigureAwait(false))
                        _ctx.Metrics.Fulfilled(log.Event.Payment, log.Event.Bounty);
                }
                else await _ctx.EndAsync(o, OrderState.Lost, ReasonCodes.FulfilledByOther, "fulfilled by another prover", ct).ConfigureAwait(false);
            }
            else
                await _ctx.MoveAsync(o with { State = OrderState.Proved, BatchId = null }, OrderState.Submitting, "submit",
                    "its batch was interrupted (a restart or a failed step): batched again", ct).ConfigureAwait(false);
        }
        await _ctx.Store.UpdateBatchAsync(batch with { State = BatchState.Failed, Error = "interrupted (a restart or a failed step)" }, ct).ConfigureAwait(false);
    }
}
