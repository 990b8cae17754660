using System.Diagnostics;
using System.Numerics;
using Microsoft.Extensions.Logging;
using Nethereum.Signer;
using Verity.Broker.Cluster;
using Verity.Broker.Config;
using Verity.Broker.Orders;
using Verity.Broker.Store;
using Verity.Chain.Contracts;
using Verity.Chain.Rpc;
using Verity.Guests;
using Verity.Market.Devnet;
using Verity.Market.OrderStream.Client;
using Verity.Market.OrderStream.Server;
using Verity.Market.OrderStream.Storage;
using Verity.Market.OrderStream.Validation;
using Verity.Market.OrderStream.Wire;
using Verity.Market.Requests;

namespace Verity.Broker.Benchmarks;

/// <summary>
/// <c>verity bench broker</c>: <see cref="Orders"/> requests for the same guest, with one input for all (the preflight
/// runs once and is cached) or a distinct input each (a preflight each).
/// </summary>
public sealed record BrokerBenchmarkSettings(int Orders = 200, bool DistinctInputs = false)
{
    public string? Problem() => Orders < 1 ? $"--orders must be at least 1, got {Orders}" : null;
}

/// <summary>Percentiles of some seconds (nearest rank); null when there are none.</summary>
public sealed record Percentiles(int Count, double? P50, double? P95, double? Max)
{
    public static Percentiles Of(IEnumerable<double> samples)
    {
        var s = samples.Order().ToList();
        if (s.Count == 0) return new Percentiles(0, null, null, null);
        double At(double q) => s[Math.Clamp((int)Math.Ceiling(q * s.Count) - 1, 0, s.Count - 1)];
        return new Percentiles(s.Count, At(0.50), At(0.95), s[^1]);
    }

    public object ToJson() => new { count = Count, p50 = P50, p95 = P95, max = Max };

    public override string ToString() => Count == 0 ? "none" : $"p50 {P50 * 1000:0.#} ms, p95 {P95 * 1000:0.#} ms, max {Max * 1000:0.#} ms (n={Count})";
}

/// <param name="WallSeconds">the broker's first ObservedAt → its last decision (its own clock).</param>
/// <param name="DecisionLatency">per order: ObservedAt → the decision (waiting_to_lock or skipped).</param>
/// <param name="Preflight">per order: the move to pricing → the preflight's result (a cache hit included).</param>
/// <param name="PreflightsRun">preflights that executed the guest (not answered from the cache).</param>
/// <param name="Skipped">skip reason code → orders.</param>
public sealed record BrokerBenchmarkResult(int Orders, bool DistinctInputs, int Decided, int Priced, IReadOnlyDictionary<string, int> Skipped,
    double WallSeconds, double EvaluatedPerSecond, Percentiles DecisionLatency, Percentiles Preflight, Percentiles PreflightExecuted,
    int PreflightsRun, long CyclesPerRequest)
{
    public object ToJson() => new
    {
        orders = Orders,
        distinct_inputs = DistinctInputs,
        submitted_via = "order stream (off-chain)",
        decided = Decided,
        priced = Priced,
        skipped = Skipped,
        wall_s = WallSeconds,
        evaluated_per_second = EvaluatedPerSecond,
        decision_latency_s = DecisionLatency.ToJson(),
        preflight_s = Preflight.ToJson(),
        preflight_executed_s = PreflightExecuted.ToJson(),
        preflights_run = PreflightsRun,
        cycles_per_request = CyclesPerRequest,
    };

    public IEnumerable<string> Lines()
    {
        yield return $"{Decided}/{Orders} orders decided ({Priced} priced, {Skipped.Values.Sum()} skipped{(Skipped.Count > 0 ? ": " + string.Join(", ", Skipped.Select(kv => $"{kv.Key} {kv.Value}")) : "")}), " +
                     $"{(DistinctInputs ? "a distinct input each" : "one input for all")}, {CyclesPerRequest:N0} cycles per request";
        yield return $"evaluated per second: {EvaluatedPerSecond:0.#} ({WallSeconds:0.###} s from the first order seen to the last decision)";
        yield return $"observed → decided:  {DecisionLatency}";
        yield return $"preflight (all):     {Preflight}";
        yield return $"preflight (executed, {PreflightsRun}): {PreflightExecuted}";
    }
}

/// <summary>
/// The broker's evaluation throughput and preflight latency (docs/BROKER.md §4, §6.2): on a fresh devnet market
/// (<see cref="DevnetSetup"/>), N signed requests for the sha256 example guest are posted to an order stream of its own
/// (off-chain, so the chain's transactions are not measured) before ONE broker starts in listen-only mode (it evaluates
/// and sends nothing) over the given cluster; it finds the backlog on the stream and evaluates it. Measured from the
/// broker's store: each order's ObservedAt → its decision (<see cref="OrderTimings.DecidedAt"/>), the preflight of each
/// (<see cref="OrderTimings.PreflightSeconds"/>), and the wall time for all N.
/// </summary>
public static class BrokerBenchmark
{
    /// <param name="rpcUrl">anvil (chain 31337) with <paramref name="deployment"/> on it.</param>
    /// <param name="workDir">an empty directory for the order stream's and the broker's databases.</param>
    /// <param name="timeout">how long to wait for every decision (a hang guard, not a measurement).</param>
    public static async Task<BrokerBenchmarkResult> RunAsync(BrokerBenchmarkSettings settings, string rpcUrl, DevnetDeployment deployment,
        IProvingCluster cluster, string workDir, ILoggerFactory logs, TimeSpan timeout, Action<string>? note = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(deployment);
        if (settings.Problem() is { } problem) throw new ArgumentException(problem, nameof(settings));
        note ??= _ => { };
        string market = deployment.Addresses.Market;
        var web3 = ChainRpc.CreateWeb3(rpcUrl);
        var domain = new RequestDigest(deployment.ChainId, market);

        await using var orderStore = await OrderStores.OpenAsync(Path.Combine(workDir, "order-stream"), postgres: null, ct).ConfigureAwait(false);
        await using var orderStream = await OrderStreamServer.StartAsync(new OrderStreamOptions { Listen = "http://127.0.0.1:0" }, orderStore,
            new OrderValidator(domain, new ChainMarketState(web3, new MarketContract(web3, market)), new OrderLimits()), ct: ct).ConfigureAwait(false);
        await using var guests = await ExampleGuestServer.StartAsync(ct: ct).ConfigureAwait(false);

        // The requests, signed by the devnet's requestor (its 10 ETH deposit covers every max price).
        note($"posting {settings.Orders} requests to the order stream ({(settings.DistinctInputs ? "a distinct input each" : "one input for all")})");
        var requestor = deployment.Accounts["requestor"];
        var key = new EthECKey(requestor.Key);
        ulong now = await ChainClock.NowAsync(web3, ct: ct).ConfigureAwait(false);
        var guest = ExampleGuests.Get("sha256");
        long cycles = 0;
        using (var client = new OrderStreamClient(orderStream.BaseAddress))
        {
            for (int i = 0; i < settings.Orders; i++)
            {
                var built = RequestBuilder.Build(new RequestPlan
                {
                    Elf = guest.Elf, ImageUrl = guests.ImageUrls[guest.Name], Input = Input(settings.DistinctInputs ? i : 0),
                    MinPrice = BigInteger.Pow(10, 14), MaxPrice = BigInteger.Pow(10, 15), LockCollateral = BigInteger.Pow(10, 18),
                    Selector = DevelopmentSeal.Selector,
                    // Far deadlines: every order stays decidable however long the run takes.
                    BiddingDelaySeconds = 0, RampUpSeconds = 60, LockTimeoutSeconds = 3600, TimeoutSeconds = 7200,
                }, requestor.Address, now);
                cycles = built.Cycles;
                await client.SubmitAsync(new SignedOrder(built.Request, domain.Sign(built.Request, key)), ct).ConfigureAwait(false);
            }
        }

        var config = new BrokerConfigSource(BrokerConfig.Default with
        {
            Market = BrokerConfig.Default.Market with { LookbackBlocks = 10, EventsPollMilliseconds = 1000 },
        });
        await using var store = await BrokerStores.OpenAsync("sqlite", Path.Combine(workDir, "broker.db"), ct).ConfigureAwait(false);
        note("starting the listen-only broker");
        var running = await BrokerHost.StartAsync(new BrokerOptions
        {
            RpcUrls = [rpcUrl], PrivateKey = deployment.Accounts["prover"].Key, MarketAddress = market,
            OrderStreamUrl = orderStream.BaseAddress.ToString(), Config = config, Store = store, Cluster = cluster,
            ListenOnly = true, Development = true, CacheDir = Path.Combine(workDir, "broker-cache"),
        }, logs, ct).ConfigureAwait(false);
        IReadOnlyList<Order> orders;
        try
        {
            orders = await WaitForDecisionsAsync(store, settings.Orders, timeout, ct).ConfigureAwait(false);
        }
        finally
        {
            await running.DisposeAsync().ConfigureAwait(false);
        }
        return await MeasureAsync(settings, store, orders, cycles, ct).ConfigureAwait(false);
    }

    /// <summary>Input number <paramref name="i"/>: 64 bytes (0 for all in the same-input run).</summary>
    private static byte[] Input(int i)
    {
        var input = new byte[64];
        BitConverter.TryWriteBytes(input, i);
        return input;
    }

    /// <summary>Polls the store until <paramref name="count"/> orders were decided; a hang guard, then a clear error.</summary>
    private static async Task<IReadOnlyList<Order>> WaitForDecisionsAsync(IBrokerStore store, int count, TimeSpan timeout, CancellationToken ct)
    {
        var guard = Stopwatch.StartNew();
        while (true)
        {
            var orders = await store.ListOrdersAsync([], 1_000_000, ct).ConfigureAwait(false);
            int decided = orders.Count(o => o.State is not (OrderState.New or OrderState.Pricing));
            if (orders.Count >= count && decided >= count) return orders;
            if (guard.Elapsed > timeout)
                throw new TimeoutException($"the broker decided {decided} of {count} orders ({orders.Count} seen) within the {timeout.TotalSeconds:0} s hang guard");
            await Task.Delay(TimeSpan.FromMilliseconds(100), ct).ConfigureAwait(false);
        }
    }

    private static async Task<BrokerBenchmarkResult> MeasureAsync(BrokerBenchmarkSettings settings, IBrokerStore store, IReadOnlyList<Order> orders,
        long cycles, CancellationToken ct)
    {
        var latencies = new List<double>();
        var preflights = new List<double>();
        var executed = new List<double>();
        var skipped = new SortedDictionary<string, int>(StringComparer.Ordinal);
        int priced = 0;
        DateTimeOffset first = DateTimeOffset.MaxValue, last = DateTimeOffset.MinValue;
        foreach (var order in orders)
        {
            var history = await store.EventsAsync(order.Id, ct).ConfigureAwait(false);
            var decided = OrderTimings.DecidedAt(order, history)
                ?? throw new InvalidOperationException($"order {order.Id} is {order.State.Name()} with no decision in its history");
            if (order.State == OrderState.Skipped) skipped[order.Reason ?? "?"] = skipped.GetValueOrDefault(order.Reason ?? "?") + 1;
            else priced++;
            latencies.Add((decided - order.ObservedAt).TotalSeconds);
            if (order.ObservedAt < first) first = order.ObservedAt;
            if (decided > last) last = decided;
            if (OrderTimings.PreflightSeconds(history) is { } p)
            {
                preflights.Add(p);
                if (!OrderTimings.PreflightCached(history)) executed.Add(p);
            }
        }
        double wall = Math.Max((last - first).TotalSeconds, 1e-3);
        return new BrokerBenchmarkResult(settings.Orders, settings.DistinctInputs, orders.Count, priced, skipped, wall, orders.Count / wall,
            Percentiles.Of(latencies), Percentiles.Of(preflights), Percentiles.Of(executed), executed.Count, cycles);
    }
}
