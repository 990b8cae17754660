using System.Globalization;
using System.Numerics;
using Verity.Broker.Config;
using Verity.Broker.Orders;
using Verity.Broker.Preflight;
using Verity.Chain.Contracts;
using Verity.Market.Requests;

namespace Verity.Broker.Pricing;

/// <summary>
/// <see cref="IOrderEvaluator"/>: the checks of docs/BROKER.md §4 in order — cheap ones first (no network), the
/// on-chain status, preflight, the cycle and journal limits, gas, deadline feasibility, the quote policy — each
/// skip with its <see cref="ReasonCodes"/> code and a detail line naming the numbers. A priced order leaves in
/// <see cref="OrderState.WaitingToLock"/> with its minimum price and target time. Never sends a transaction.
/// <c>max_concurrent_preflights</c> is enforced by the <see cref="PreflightRunner"/>, not here.
/// </summary>
public sealed class OrderEvaluator : IOrderEvaluator
{
    private static readonly HttpClient SharedQuoteClient = new() { Timeout = Timeout.InfiniteTimeSpan };

    private readonly PreflightRunner _preflight;
    private readonly IMarketReader _market;
    private readonly IQuotePolicy _builtIn;
    private readonly IQuotePolicy _quoteUrlPolicy;
    private readonly TimeProvider _time;

    /// <param name="preflight">runs (and caches) the execute-only preflights</param>
    /// <param name="market">reads the request's on-chain status (S-008)</param>
    /// <param name="quoteUrlPolicy">the policy used while <c>quote_url</c> is set (default: <see cref="HttpQuotePolicy"/>);
    /// without it the built-in policy prices</param>
    /// <param name="time">wall clock for event times (chain time comes from <see cref="MarketView"/>)</param>
    public OrderEvaluator(PreflightRunner preflight, IMarketReader market, IQuotePolicy? quoteUrlPolicy = null, TimeProvider? time = null)
    {
        _preflight = preflight ?? throw new ArgumentNullException(nameof(preflight));
        _market = market ?? throw new ArgumentNullException(nameof(market));
        _builtIn = BuiltInQuotePolicy.Instance;
        _quoteUrlPolicy = quoteUrlPolicy ?? new HttpQuotePolicy(SharedQuoteClient);
        _time = time ?? TimeProvider.System;
    }

    public async Task<Evaluation> EvaluateAsync(Order order, MarketView market, BrokerConfig config, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(order);
        ArgumentNullException.ThrowIfNull(market);
        ArgumentNullException.ThrowIfNull(config);
        var events = new List<OrderEvent>();
        var m = config.Market;
        var request = order.Request;
        var offer = request.Offer;
        ulong now = market.ChainTime;
        bool priority = Contains(m.PriorityRequestorAddresses, order.Requestor);
        order = order with { Priority = priority };

        // 1. Cheap checks: nothing leaves this process.
        if (Malformed(order) is { } malformed) return Skip(ReasonCodes.MalformedRequest, malformed);
        if (Contains(m.DenyRequestorAddresses, order.Requestor))
            return Skip(ReasonCodes.RequestorDenied, $"requestor {order.Requestor} is in deny_requestor_addresses");
        if (m.AllowClientAddresses is { } allowed && !Contains(allowed, order.Requestor))
            return Skip(ReasonCodes.RequestorNotAllowed, $"requestor {order.Requestor} is not in allow_client_addresses ({allowed.Count} addresses)");
        if (!request.Requirements.Selector.AsSpan().SequenceEqual(DevelopmentSeal.Selector))
            return Skip(ReasonCodes.UnsupportedSelector,
                $"selector 0x{Convert.ToHexStringLower(request.Requirements.Selector)} is not the development verifier's 0x{Convert.ToHexStringLower(DevelopmentSeal.Selector)}");
        if (order.Type == FulfillmentType.LockAndFulfill && offer.LockCollateral > m.MaxCollateral)
            return Skip(ReasonCodes.CollateralTooHigh, $"lock collateral {offer.LockCollateral} above max_collateral {m.MaxCollateral} (stake-token units)");
        ulong expiry = order.Expiry;
        string expiryName = order.Type == FulfillmentType.LockAndFulfill ? "lock deadline" : "deadline";
        // A transaction sent now lands in the next block, at least a second later.
        if (now + 1 > expiry) return Skip(ReasonCodes.Expired, $"{expiryName} {expiry} has passed (chain time {now})");
        long left = (long)(expiry - now);
        long minDeadline = m.MinDeadlineSeconds ?? config.Batcher.EffectiveBlockDeadlineBufferSeconds + 30;
        if (left < minDeadline)
            return Skip(ReasonCodes.DeadlineTooShort, $"{left} s left before the {expiryName} {expiry}, under min_deadline {minDeadline} s");
        if (m.MaxOrderExpirySeconds is { } maxExpiry && left > maxExpiry)
            return Skip(ReasonCodes.ExpiryTooFar, $"the {expiryName} is {left} s away, beyond max_order_expiry_secs {maxExpiry} s");
        var status = await _market.RequestStatusAsync(order.RequestId, ct).ConfigureAwait(false);
        bool taken = order.Type == FulfillmentType.LockAndFulfill
            ? status != RequestStatus.Unknown
            : status is RequestStatus.Fulfilled or RequestStatus.Refunded; // a secondary order needs someone else's lock
        if (taken) return Skip(ReasonCodes.AlreadyLockedOrFulfilled, $"the request is {status.ToString().ToLowerInvariant()} on chain");

        // 2. Preflight on the cluster.
        var pre = await _preflight.RunAsync(request, priority, config, ct).ConfigureAwait(false);
        order = order with { ImageId = pre.ImageId.Length > 0 ? "0x" + pre.ImageId : order.ImageId, PreflightJobId = pre.JobId ?? order.PreflightJobId };
        if (!pre.Succeeded) return Skip(pre.Reason!, pre.Detail ?? ReasonCodes.Describe(pre.Reason!));
        long cycles = pre.Cycles!.Value;
        byte[] journal = pre.Journal!;
        order = order with { Cycles = cycles, JournalHex = Convert.ToHexStringLower(journal) };
        Note("preflight", $"{Mcycles(cycles)} M cycles ({cycles}), journal {journal.Length} bytes, job {pre.JobId}{(pre.Cached ? " (cached)" : "")}");

        // 3. Limits on the preflight's outcome.
        if (cycles < m.MinMcycleLimit * 1_000_000L)
            return Skip(ReasonCodes.CyclesBelowMinimum, $"cycles {Mcycles(cycles)} M below min_mcycle_limit {m.MinMcycleLimit} M");
        if (!priority && cycles > m.MaxMcycleLimit * 1_000_000L)
            return Skip(ReasonCodes.CyclesAboveMaximum, $"cycles {Mcycles(cycles)} M above max_mcycle_limit {m.MaxMcycleLimit} M");
        if (journal.Length > m.MaxJournalBytes)
            return Skip(ReasonCodes.JournalTooLarge, $"journal {journal.Length} bytes above max_journal_bytes {m.MaxJournalBytes}");
        if (PredicateCheck.Problem(request.Requirements.Predicate, journal) is { } predicate)
            return Skip(ReasonCodes.PredicateFailed, predicate);

        // 4. Gas.
        long gasUnits = GasUnits(order.Type, journal.Length, m);
        BigInteger gas = market.GasPriceWei * gasUnits;
        if (order.Type == FulfillmentType.LockAndFulfill && !m.SkipGasProfitabilityCheck && gas > offer.MaxPrice)
            return Skip(ReasonCodes.GasOverPrice, $"gas {gas} wei ({gasUnits} gas at {market.GasPriceWei} wei) above max price {offer.MaxPrice} wei");

        // 5. Deadline feasibility with the work already committed.
        double khz = m.PeakProveKhz ?? market.MeasuredKhz ?? 1.0;
        long margin = config.Batcher.EffectiveBlockDeadlineBufferSeconds;
        if (!ProvingEstimate.Feasible(now, cycles, market.Committed, khz, margin, expiry))
        {
            ulong finish = ProvingEstimate.FinishTime(now, cycles, market.Committed, khz);
            return Skip(ReasonCodes.DeadlineInfeasible,
                $"proving {Mcycles(cycles)} M cycles after {Mcycles(market.Committed.Cycles)} M committed at {khz.ToString("0.###", CultureInfo.InvariantCulture)} kHz " +
                $"ends at {finish}, less than block_deadline_buffer_secs {margin} s before the {expiryName} {expiry}");
        }

        // 6. The quote policy's minimum.
        var quoteRequest = new QuoteRequest
        {
            RequestId = order.RequestId,
            Requestor = order.Requestor,
            ImageId = "0x" + pre.ImageId,
            Cycles = cycles,
            JournalBytes = journal.Length,
            LockDeadline = offer.LockDeadline,
            Deadline = offer.Deadline,
            CurrentPrice = offer.PriceAt(now + 1),
            MinPrice = offer.MinPrice,
            MaxPrice = offer.MaxPrice,
            Collateral = offer.LockCollateral,
            GasCost = gas,
            FulfillmentType = order.Type.Name(),
            ChainTime = now,
        };
        var policy = m.QuoteUrl is null ? _builtIn : _quoteUrlPolicy;
        var quote = await policy.QuoteAsync(quoteRequest, config, ct).ConfigureAwait(false);
        if (quote.Failure is { } failure) return Skip(ReasonCodes.QuoteFailed, failure);
        if (quote.NoBid is { } noBid) return Skip(ReasonCodes.QuoteNoBid, $"the quote policy declined: {noBid}");
        BigInteger minimum = quote.MinimumPrice!.Value;
        order = order with { MinimumPrice = minimum };

        // 7. When to act.
        ulong target;
        if (order.Type == FulfillmentType.LockAndFulfill)
        {
            if (offer.MaxPrice < minimum)
                return Skip(ReasonCodes.PriceTooLow, $"max price {offer.MaxPrice} wei below the minimum {minimum} wei ({Mcycles(cycles)} M cycles, gas {gas} wei)");
            target = TargetTime.ForLock(offer, minimum, now)
                ?? throw new InvalidOperationException("the auction reaches max price before the lock deadline"); // MaxPrice ≥ minimum
        }
        else
        {
            // The bounty is paid in stake tokens, priced 1:1 with wei on the devnet (docs/BROKER.md §4 step 6).
            BigInteger bounty = offer.LockCollateral / 2 * m.ExpectedProbabilityWinSecondaryFulfillment / 100;
            if (bounty < minimum)
                return Skip(ReasonCodes.BountyTooLow,
                    $"expected bounty {bounty} (half of collateral {offer.LockCollateral} × {m.ExpectedProbabilityWinSecondaryFulfillment}%) below the minimum {minimum} wei");
            target = Math.Max(now, offer.LockDeadline + 1);
        }
        Note("decision", $"priced: minimum {minimum} wei (gas {gas} wei), target time {target} (chain time {now}), auction price then {offer.PriceAt(Math.Max(target, now + 1))} wei");
        return new Evaluation(order with
        {
            State = OrderState.WaitingToLock, TargetTime = target, Reason = null, ReasonDetail = null, UpdatedAt = _time.GetUtcNow(),
        }, events);

        Evaluation Skip(string code, string detail)
        {
            events.Add(new OrderEvent(_time.GetUtcNow(), "skip", $"{code}: {detail}"));
            return new Evaluation(order with { State = OrderState.Skipped, Reason = code, ReasonDetail = detail, UpdatedAt = _time.GetUtcNow() }, events);
        }

        void Note(string kind, string detail) => events.Add(new OrderEvent(_time.GetUtcNow(), kind, detail));
    }

    /// <summary>
    /// Gas units of the transactions this order needs (docs/BROKER.md §4 step 4): lock and fulfil for a lock, commit and
    /// fulfil for a secondary fill, plus the journal's calldata.
    /// </summary>
    public static long GasUnits(FulfillmentType type, int journalBytes, MarketConfig m) =>
        (type == FulfillmentType.LockAndFulfill ? m.LockinGasEstimate : m.CommitFulfillmentGasEstimate)
        + m.FulfillGasEstimate + journalBytes * m.FulfillJournalGasPerByte;

    /// <summary>Why the request cannot be taken as it stands (S-023), or null.</summary>
    internal static string? Malformed(Order order)
    {
        var r = order.Request;
        if (r is null) return "the order holds no request";
        if (r.Offer.Problem() is { } offer) return $"bad offer: {offer}";
        if (r.Requirements.ImageId is not { Length: 32 }) return $"the image id is {r.Requirements.ImageId?.Length ?? 0} bytes, not 32";
        if (r.Requirements.Selector is not { Length: 4 }) return $"the selector is {r.Requirements.Selector?.Length ?? 0} bytes, not 4";
        if (r.Requirements.Predicate.PredicateType > (byte)PredicateType.PrefixMatch) return $"unknown predicate type {r.Requirements.Predicate.PredicateType}";
        if (r.Requirements.Predicate.PredicateType == (byte)PredicateType.DigestMatch && r.Requirements.Predicate.Data.Length != 32)
            return $"the DigestMatch predicate holds {r.Requirements.Predicate.Data.Length} bytes, not 32";
        if (r.Input.InputType > (byte)InputType.Url) return $"input type {r.Input.InputType} is neither inline (0) nor URL (1)";
        if (!Uri.TryCreate(r.ImageUrl, UriKind.Absolute, out var image) || image.Scheme is not ("http" or "https" or "file"))
            return $"the image URL '{Truncate(r.ImageUrl)}' is not an absolute http, https or file URL";
        if (r.Input.InputType == (byte)InputType.Url)
        {
            string url;
            try { url = new System.Text.UTF8Encoding(false, true).GetString(r.Input.Data); }
            catch (System.Text.DecoderFallbackException) { return "the input URL is not UTF-8"; }
            if (!Uri.TryCreate(url, UriKind.Absolute, out var input) || input.Scheme is not ("http" or "https" or "file"))
                return $"the input URL '{Truncate(url)}' is not an absolute http, https or file URL";
        }
        return null;
    }

    private static string Truncate(string s) => s.Length > 120 ? s[..120] + "…" : s;

    private static bool Contains(IReadOnlyList<string> addresses, string address) =>
        addresses.Any(a => string.Equals(a.Trim(), address, StringComparison.OrdinalIgnoreCase));

    /// <summary>Cycles in millions with up to three decimals: "12.3".</summary>
    internal static string Mcycles(long cycles) => PreflightRunner.Megacycles(cycles);
}
