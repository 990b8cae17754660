using System.Numerics;
using Microsoft.Extensions.Logging;
using Nethereum.ABI.ABIDeserialisation;
using Nethereum.ABI.FunctionEncoding.Attributes;
using Nethereum.Contracts;
using Nethereum.RPC.Eth.DTOs;
using Verity.Broker.Orders;
using Verity.Chain.Contracts;
using Verity.Chain.Events;
using Verity.Market.OrderStream.Client;
using Verity.Market.OrderStream.Wire;

namespace Verity.Broker.Services;

/// <summary>
/// Discovery (docs/BROKER.md §6.1): the market's RequestSubmitted, RequestLocked, RequestFulfilled and ProverSlashed
/// events through an <see cref="EventCursor"/> whose position lives in the broker's database (first start:
/// head − lookback_blocks), and the order stream's feed. Inserts <c>new</c> orders (idempotently); another prover's
/// lock makes our uncommitted lock order of the request lost (L-001) and creates a secondary order when
/// <c>secondary_fulfillment</c> is on; another prover's fill ends our uncommitted orders (L-002); a slash of our lock
/// fails the order (F-003). A reorg (the cursor rewinds) is handed to <see cref="ReorgRecovery"/>.
/// </summary>
public sealed class DiscoveryService
{
    private static readonly string[] Topics =
    [
        Topic<RequestSubmittedEvent>(), Topic<RequestLockedEvent>(), Topic<RequestFulfilledEvent>(), Topic<ProverSlashedEvent>(),
    ];

    private readonly BrokerContext _ctx;
    private readonly ILogger _logger;
    private readonly ReorgRecovery _reorg;
    private EventCursor? _cursor;

    public DiscoveryService(BrokerContext ctx)
    {
        _ctx = ctx;
        _logger = ctx.Logs.CreateLogger("Verity.Broker.Discovery");
        _reorg = new ReorgRecovery(ctx);
    }

    private static string Topic<T>() where T : IEventDTO => "0x" + ABITypedRegistry.GetEvent<T>().Sha3Signature.Replace("0x", "");

    /// <summary>One poll of the market's events.</summary>
    public async Task PollChainAsync(CancellationToken ct)
    {
        var config = _ctx.Config.Current.Market;
        // The cursor reads lookback and range once, when created (a reload of those applies after a restart).
        _cursor ??= new EventCursor(_ctx.Web3, new EventCursorOptions
        {
            Address = _ctx.Market.Address,
            Topics = Topics,
            LookbackBlocks = (ulong)Math.Max(0, config.LookbackBlocks),
            MaxBlockRange = (ulong)Math.Max(1, config.EventsPollBlocks),
        }, _ctx.Store.Cursor("market"), _logger);
        await _cursor.PollAsync(OnLogsAsync, _reorg.OnRewindAsync, ct).ConfigureAwait(false);
    }

    private async Task OnLogsAsync(IReadOnlyList<FilterLog> logs, CancellationToken ct)
    {
        foreach (var log in logs)
        {
            if (log.IsLogForEvent<RequestSubmittedEvent>())
            {
                var e = log.DecodeEvent<RequestSubmittedEvent>().Event;
                await AddAsync(e.Request, e.ClientSignature, "chain", FulfillmentType.LockAndFulfill, ct).ConfigureAwait(false);
            }
            else if (log.IsLogForEvent<RequestLockedEvent>())
            {
                await OnLockedAsync(log.DecodeEvent<RequestLockedEvent>().Event, ct).ConfigureAwait(false);
            }
            else if (log.IsLogForEvent<RequestFulfilledEvent>())
            {
                await OnFulfilledAsync(log.DecodeEvent<RequestFulfilledEvent>().Event, ct).ConfigureAwait(false);
            }
            else if (log.IsLogForEvent<ProverSlashedEvent>())
            {
                await OnSlashedAsync(log.DecodeEvent<ProverSlashedEvent>().Event, ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Follows the order stream's feed until cancelled (reconnecting by itself), from the last order seen; its position
    /// is kept in the database as a cursor named "order-stream" whose block number is the feed's seq.
    /// </summary>
    public async Task FollowOrderStreamAsync(Uri orderStream, CancellationToken ct)
    {
        var position = _ctx.Store.Cursor("order-stream");
        long after = (long)((await position.LoadAsync(ct).ConfigureAwait(false))?.Block.Number ?? 0);
        using var client = new OrderStreamClient(orderStream);
        await client.SubscribeAsync(after, async (record, token) =>
        {
            await OnOrderAsync(record, token).ConfigureAwait(false);
            var block = new BlockRef((ulong)record.Seq, "seq");
            await position.SaveAsync(new CursorPosition(block, [block]), token).ConfigureAwait(false);
        }, ct, state => _logger.LogInformation("order stream {Url}: {State}", orderStream, state)).ConfigureAwait(false);
    }

    internal Task OnOrderAsync(OrderRecord record, CancellationToken ct) =>
        AddAsync(record.Order.Request, record.Order.Signature, "order-stream", FulfillmentType.LockAndFulfill, ct);

    /// <summary>
    /// Builds and inserts an order; false when it existed already, the request is not for this market, or its requestor
    /// did not sign it.
    /// </summary>
    internal async Task<bool> AddAsync(ProofRequest request, byte[] signature, string source, FulfillmentType type, CancellationToken ct)
    {
        byte[] digest;
        try { digest = _ctx.Digest.Hash(request); }
        catch (ArgumentException e)
        {
            _logger.LogWarning("request {Id} from {Source} cannot be hashed, ignored: {Error}", RequestId.Format(request.Id), source, e.Message);
            return false;
        }
        // The market checks the signature only when the lock is sent: a request signed by anyone but its requestor (a
        // hostile order stream can name any requestor, a priority one too) would still cost a preflight. Checked here.
        var requestor = RequestId.Requestor(request.Id);
        var signer = _ctx.Digest.RecoverSigner(request, signature);
        if (!string.Equals(signer, requestor, StringComparison.OrdinalIgnoreCase))
        {
            _logger.LogWarning("request {Id} from {Source} ignored: {Why}", RequestId.Format(request.Id), source,
                signer is null ? "its signature is malformed" : $"signed by {signer}, not by its requestor {requestor}");
            return false;
        }
        var order = new Order
        {
            Id = Order.MakeId(request.Id, digest, type),
            RequestId = request.Id,
            Requestor = RequestId.Requestor(request.Id).ToLowerInvariant(),
            Request = request,
            Signature = signature,
            RequestDigest = digest,
            Source = source,
            Type = type,
            State = OrderState.New,
            ObservedAt = DateTimeOffset.UtcNow,
            Priority = _ctx.IsPriorityRequestor(_ctx.Config.Current, RequestId.Requestor(request.Id)),
        };
        if (!await _ctx.Store.InsertOrderAsync(order, ct).ConfigureAwait(false)) return false;
        await _ctx.NoteAsync(order, "chain", $"discovered from {source} ({type.Name()})", ct).ConfigureAwait(false);
        _logger.LogInformation("new order {Order} from {Source}", order.Id, source);
        _ctx.WakeEvaluator.Set();
        return true;
    }

    private async Task OnLockedAsync(RequestLockedEvent e, CancellationToken ct)
    {
        if (_ctx.IsUs(e.Prover)) return; // our own lock: the locker records it from the chain
        foreach (var order in await _ctx.Store.OrdersOfRequestAsync(e.RequestId, ct).ConfigureAwait(false))
        {
            if (order.Type != FulfillmentType.LockAndFulfill || order.State.IsEnded() || order.State.IsCommitted()) continue;
            await _ctx.EndAsync(order, OrderState.Lost, ReasonCodes.LockedByOther, $"locked by {e.Prover} at {e.Price} wei", ct).ConfigureAwait(false);
        }
        if (_ctx.Config.Current.Market.SecondaryFulfillment)
            await AddAsync(e.Request, e.ClientSignature, "chain", FulfillmentType.FulfillAfterLockExpire, ct).ConfigureAwait(false);
        _ctx.WakeCommitter.Set();
    }

    private async Task OnFulfilledAsync(RequestFulfilledEvent e, CancellationToken ct)
    {
        foreach (var order in await _ctx.Store.OrdersOfRequestAsync(e.RequestId, ct).ConfigureAwait(false))
        {
            if (order.State.IsEnded()) continue;
            // Our own batch records its fill from the receipt; a lock of ours filled by another still pays us (in time).
            bool ours = order.State == OrderState.Submitting || (order.Type == FulfillmentType.LockAndFulfill && order.State.IsCommitted());
            if (ours) continue;
            await _ctx.EndAsync(order, OrderState.Lost, ReasonCodes.FulfilledByOther, $"fulfilled by another prover (paid to {e.Prover})", ct)
                .ConfigureAwait(false);
        }
    }

    private async Task OnSlashedAsync(ProverSlashedEvent e, CancellationToken ct)
    {
        if (!_ctx.IsUs(e.Prover)) return;
        foreach (var order in await _ctx.Store.OrdersOfRequestAsync(e.RequestId, ct).ConfigureAwait(false))
        {
            if (order.Type != FulfillmentType.LockAndFulfill || order.LockBlock is null || order.Slashed) continue;
            var slashed = order with { State = OrderState.Failed, Reason = ReasonCodes.Slashed, Slashed = true,
                ReasonDetail = $"our lock was slashed: {e.Burned} burned, {e.Bounty} bounty" };
            if (await _ctx.MoveAsync(slashed, order.State, "chain", $"failed ({ReasonCodes.Slashed}): {slashed.ReasonDetail}", ct).ConfigureAwait(false))
            {
                _ctx.Metrics.Slashed();
                _logger.LogError("our lock of {Order} was slashed ({Burned} burned)", order.Id, e.Burned);
            }
        }
    }
}
