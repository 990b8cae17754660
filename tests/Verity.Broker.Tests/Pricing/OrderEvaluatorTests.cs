using System.Numerics;
using System.Security.Cryptography;
using Verity.Broker.Config;
using Verity.Broker.Orders;
using Verity.Broker.Preflight;
using Verity.Broker.Pricing;
using Verity.Broker.Tests.Support;
using Verity.Chain.Contracts;
using Verity.Cli.Tests;
using Verity.Market.Proving;

namespace Verity.Broker.Tests.Pricing;

// Inside the namespace: the Verity.Guests namespace (the example guests) would otherwise hide the test guests.

/// <summary>
/// Every skip code of docs/BROKER.md §4 reached by a real case, with preflights on a real embedded node. The on-chain
/// status comes from a reader that answers a given status (the contract reader is one call of MarketContract).
/// </summary>
public sealed class OrderEvaluatorTests(NodeFixture node) : IClassFixture<NodeFixture>, IDisposable
{
    private const ulong Now = 1_000_000;
    private static readonly BigInteger Gwei = BigInteger.Pow(10, 9);
    private static readonly MarketView View = new(Now, Gwei, CommittedWork.None, MeasuredKhz: null);

    private readonly string _cache = Directory.CreateTempSubdirectory("verity-evaluator-cache-").FullName;
    private readonly HttpClient _http = new();

    private sealed class Status(RequestStatus status) : IMarketReader
    {
        public Task<RequestStatus> RequestStatusAsync(BigInteger requestId, CancellationToken ct) => Task.FromResult(status);
    }

    private sealed class Declining : IQuotePolicy
    {
        public Task<QuoteResult> QuoteAsync(QuoteRequest request, BrokerConfig config, CancellationToken ct) =>
            Task.FromResult(QuoteResult.Decline($"not for {request.Cycles} cycles"));
    }

    private PreflightRunner Runner() => new(node.Cluster(), new ResourceCache(new ResourceFetcher(_http), _cache));

    private OrderEvaluator Evaluator(PreflightRunner runner, RequestStatus status = RequestStatus.Unknown, IQuotePolicy? quotes = null) =>
        new(runner, new Status(status), quotes);

    private static BrokerConfig Config(Func<MarketConfig, MarketConfig>? market = null) =>
        BrokerConfig.Default with { Market = (market ?? (m => m))(new MarketConfig()) };

    private static ProofRequest Sha256(byte[]? input = null) => TestGuests.Request(TestGuests.Path("sha256"), input ?? "evaluate me"u8.ToArray(), Now);

    private async Task<Order> Evaluate(ProofRequest request, BrokerConfig? config = null, RequestStatus status = RequestStatus.Unknown,
        FulfillmentType type = FulfillmentType.LockAndFulfill, MarketView? view = null, IQuotePolicy? quotes = null, PreflightRunner? runner = null)
    {
        using var own = runner is null ? Runner() : null;
        var evaluation = await Evaluator(runner ?? own!, status, quotes).EvaluateAsync(TestGuests.Order(request, type), view ?? View, config ?? Config(), CancellationToken.None);
        var order = evaluation.Order;
        if (order.State == OrderState.Skipped)
        {
            Assert.NotNull(order.Reason);
            Assert.Contains(evaluation.Events, e => e.Kind == "skip" && e.Detail.StartsWith(order.Reason!, StringComparison.Ordinal));
        }
        return order;
    }

    private static void Skipped(Order order, string code, string detail)
    {
        Assert.True(order.State == OrderState.Skipped && order.Reason == code, $"expected {code}, got {order.State.Name()} {order.Reason}: {order.ReasonDetail}");
        Assert.Contains(detail, order.ReasonDetail);
    }

    [Fact]
    public async Task A_good_order_is_priced_and_waits_to_lock()
    {
        var order = await Evaluate(Sha256());
        Assert.True(order.State == OrderState.WaitingToLock, order.ReasonDetail);
        Assert.Equal(SHA256.HashData("evaluate me"u8), Convert.FromHexString(order.JournalHex!));
        long gasUnits = 160_000 + 120_000 + 32 * 26;
        BigInteger expected = (order.Cycles!.Value * BigInteger.Parse("10000000000000") + 999_999) / 1_000_000 + gasUnits * Gwei;
        Assert.Equal(expected, order.MinimumPrice);
        // Below the offer's min price: lock now.
        Assert.Equal(Now, order.TargetTime);
        Assert.Equal("0x" + Convert.ToHexStringLower(order.Request.Requirements.ImageId), order.ImageId);
        Assert.NotNull(order.PreflightJobId);
    }

    [Fact]
    public async Task The_target_time_is_when_the_auction_reaches_the_minimum()
    {
        // 0.005 ETH per megacycle of ~ thousands of cycles plus gas: between the min and max price of the ramp.
        var request = Sha256();
        using var runner = Runner();
        var cycles = (await runner.RunAsync(request, false, Config(), CancellationToken.None)).Cycles!.Value;
        var mcyclePrice = BigInteger.Pow(10, 15) * 5 * 1_000_000 / cycles;
        var order = await Evaluate(request, Config(m => m with { McyclePrice = mcyclePrice }), runner: runner);

        Assert.Equal(OrderState.WaitingToLock, order.State);
        var offer = request.Offer;
        ulong t = order.TargetTime!.Value;
        Assert.True(t > Now && t < offer.BiddingStart + offer.RampUpPeriod, $"target {t}");
        Assert.True(offer.PriceAt(t) >= order.MinimumPrice);
        Assert.True(offer.PriceAt(t - 1) < order.MinimumPrice);
    }

    [Fact]
    public async Task Cheap_checks_skip_without_a_preflight()
    {
        using var runner = Runner();
        var bad = Sha256(); bad.Offer.LockCollateral = 0;
        Skipped(await Evaluate(bad, runner: runner), ReasonCodes.MalformedRequest, "lockCollateral must be positive");
        var badUrl = Sha256(); badUrl.ImageUrl = "ftp://example/x.elf";
        Skipped(await Evaluate(badUrl, runner: runner), ReasonCodes.MalformedRequest, "not an absolute http, https or file URL");

        Skipped(await Evaluate(Sha256(), Config(m => m with { DenyRequestorAddresses = [TestGuests.Requestor.ToUpperInvariant().Replace("0X", "0x")] }), runner: runner),
            ReasonCodes.RequestorDenied, TestGuests.Requestor);
        Skipped(await Evaluate(Sha256(), Config(m => m with { AllowClientAddresses = ["0x0000000000000000000000000000000000000001"] }), runner: runner),
            ReasonCodes.RequestorNotAllowed, "not in allow_client_addresses");
        var selector = Sha256(); selector.Requirements.Selector = [1, 2, 3, 4];
        Skipped(await Evaluate(selector, runner: runner), ReasonCodes.UnsupportedSelector, "0x01020304");
        Skipped(await Evaluate(Sha256(), Config(m => m with { MaxCollateral = 10 }), runner: runner), ReasonCodes.CollateralTooHigh,
            "lock collateral 1000000000000000000 above max_collateral 10");
        Skipped(await Evaluate(Sha256(), view: View with { ChainTime = Now + 1000 }, runner: runner), ReasonCodes.Expired, "lock deadline 1001000 has passed");
        Skipped(await Evaluate(Sha256(), view: View with { ChainTime = Now + 900 }, runner: runner), ReasonCodes.DeadlineTooShort, "100 s left before the lock deadline");
        Skipped(await Evaluate(Sha256(), Config(m => m with { MaxOrderExpirySeconds = 500 }), runner: runner), ReasonCodes.ExpiryTooFar,
            "1000 s away, beyond max_order_expiry_secs 500 s");
        Skipped(await Evaluate(Sha256(), status: RequestStatus.Locked, runner: runner), ReasonCodes.AlreadyLockedOrFulfilled, "locked on chain");
        Skipped(await Evaluate(Sha256(), status: RequestStatus.Fulfilled, type: FulfillmentType.FulfillAfterLockExpire, runner: runner),
            ReasonCodes.AlreadyLockedOrFulfilled, "fulfilled on chain");
        Assert.Equal(0, runner.JobsCreated);
    }

    [Fact]
    public async Task Preflight_outcomes_are_skips()
    {
        using var runner = Runner();
        var missing = Sha256(); missing.ImageUrl = TestGuests.FileUrl(Path.Combine(_cache, "absent.elf"));
        Skipped(await Evaluate(missing, runner: runner), ReasonCodes.FetchFailed, "no such file");
        var other = Sha256(); other.ImageUrl = TestGuests.FileUrl(TestGuests.Path("loop"));
        Skipped(await Evaluate(other, runner: runner), ReasonCodes.ImageIdMismatch, "not the request's");
        var loop = TestGuests.Request(TestGuests.Path("loop"), TestGuests.LoopInput(100_000), Now);
        Skipped(await Evaluate(loop, Config(m => m with { MaxMcycleLimit = 1 }), runner: runner), ReasonCodes.PreflightLimitExceeded, "1000000 cycles");
        var exit = TestGuests.Request(TinyElf.Write(Path.Combine(_cache, "exit7.elf"), exitCode: 7), [], Now);
        Skipped(await Evaluate(exit, runner: runner), ReasonCodes.GuestFailed, "exited with code 7");
    }

    [Fact]
    public async Task An_unreachable_cluster_is_S024()
    {
        using var client = new Verity.Cluster.Client.NodeClient(new Uri("http://127.0.0.1:1/"), NodeFixture.ApiKey);
        using var cluster = new Verity.Broker.Cluster.NodeCluster(client,
            new BrokerConfigSource(BrokerConfig.Default with { Prover = new ProverConfig { ReqRetryCount = 0 } }));
        using var runner = new PreflightRunner(cluster, new ResourceCache(new ResourceFetcher(_http), _cache));
        Skipped(await Evaluate(Sha256(), runner: runner), ReasonCodes.PreflightFailed, "the cluster failed");
    }

    [Fact]
    public async Task Limits_on_the_preflight_skip()
    {
        using var runner = Runner();
        Skipped(await Evaluate(Sha256(), Config(m => m with { MinMcycleLimit = 1 }), runner: runner), ReasonCodes.CyclesBelowMinimum, "below min_mcycle_limit 1 M");
        Skipped(await Evaluate(Sha256(), Config(m => m with { MaxJournalBytes = 31 }), runner: runner), ReasonCodes.JournalTooLarge,
            "journal 32 bytes above max_journal_bytes 31");
        var digest = Sha256(); digest.Requirements.Predicate = new Predicate { PredicateType = (byte)PredicateType.DigestMatch, Data = new byte[32] };
        Skipped(await Evaluate(digest, runner: runner), ReasonCodes.PredicateFailed, "sha256(journal)");

        // A priority requestor's preflight has no limit; a later order of the same program and input from anyone else
        // is over max_mcycle_limit: S-014 (not S-011, the cached run went to the end).
        var input = TestGuests.LoopInput(100_000);
        var config = Config(m => m with { MaxMcycleLimit = 1, PriorityRequestorAddresses = [TestGuests.Requestor], PeakProveKhz = 1e6 });
        var priority = await Evaluate(TestGuests.Request(TestGuests.Path("loop"), input, Now), config, runner: runner);
        Assert.True(priority.State == OrderState.WaitingToLock && priority.Priority, priority.ReasonDetail);
        Skipped(await Evaluate(TestGuests.Request(TestGuests.Path("loop"), input, Now), config with { Market = config.Market with { PriorityRequestorAddresses = [] } }, runner: runner),
            ReasonCodes.CyclesAboveMaximum, "above max_mcycle_limit 1 M");
    }

    [Fact]
    public async Task Gas_deadline_and_price_skip()
    {
        using var runner = Runner();
        // 10^11 wei a gas unit × ~281 k gas ≈ 0.028 ETH, above the 0.01 ETH max price.
        var dear = View with { GasPriceWei = BigInteger.Pow(10, 11) };
        Skipped(await Evaluate(Sha256(), view: dear, runner: runner), ReasonCodes.GasOverPrice, "above max price 10000000000000000 wei");
        // skip_gas_profitability_check lets it through to the price check, which the gas still fails.
        Skipped(await Evaluate(Sha256(), Config(m => m with { SkipGasProfitabilityCheck = true }), view: dear, runner: runner), ReasonCodes.PriceTooLow, "below the minimum");

        // A cluster that proves one cycle every ten seconds cannot finish thousands before the lock deadline.
        Skipped(await Evaluate(Sha256(), Config(m => m with { PeakProveKhz = 0.0001 }), runner: runner), ReasonCodes.DeadlineInfeasible, "0 kHz");
        // Nor can one already committed to 10^9 cycles at the measured 1000 kHz.
        Skipped(await Evaluate(Sha256(), view: View with { Committed = new CommittedWork(1_000_000_000, 1), MeasuredKhz = 1000 }, runner: runner),
            ReasonCodes.DeadlineInfeasible, "after 1000 M committed at 1000 kHz");

        Skipped(await Evaluate(Sha256(), Config(m => m with { McyclePrice = BigInteger.Pow(10, 22) }), runner: runner), ReasonCodes.PriceTooLow,
            "max price 10000000000000000 wei below the minimum");
    }

    [Fact]
    public async Task Quote_policies_skip_with_S020_and_S021()
    {
        using var runner = Runner();
        Skipped(await Evaluate(Sha256(), Config(m => m with { QuoteUrl = new Uri("http://127.0.0.1:1/quote") }), quotes: new Declining(), runner: runner),
            ReasonCodes.QuoteNoBid, "declined: not for");
        // The default quote_url policy: HTTP to a port nobody listens on.
        Skipped(await Evaluate(Sha256(), Config(m => m with { QuoteUrl = new Uri("http://127.0.0.1:1/quote") }), runner: runner),
            ReasonCodes.QuoteFailed, "127.0.0.1:1");
    }

    [Fact]
    public async Task Secondary_orders_are_priced_on_the_bounty_and_target_the_lock_deadline()
    {
        using var runner = Runner();
        var request = Sha256();
        var order = await Evaluate(request, status: RequestStatus.Locked, type: FulfillmentType.FulfillAfterLockExpire, runner: runner);
        Assert.True(order.State == OrderState.WaitingToLock, order.ReasonDetail);
        Assert.Equal(request.Offer.LockDeadline + 1, order.TargetTime);
        // Collateral over max_collateral does not matter: a secondary fill posts none.
        var poor = Sha256(); poor.Offer.LockCollateral = 1000;
        Skipped(await Evaluate(poor, Config(m => m with { MaxCollateral = 1 }), status: RequestStatus.Locked, type: FulfillmentType.FulfillAfterLockExpire, runner: runner),
            ReasonCodes.BountyTooLow, "expected bounty 250");
    }

    public void Dispose()
    {
        _http.Dispose();
        try { Directory.Delete(_cache, recursive: true); } catch (IOException) { }
    }
}
