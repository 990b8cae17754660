using Microsoft.Extensions.Logging;
using Verity.Broker.Config;
using Verity.Broker.Metrics;
using Verity.Broker.Preflight;
using Verity.Broker.Pricing;
using Verity.Broker.Services;
using Verity.Chain.Accounts;
using Verity.Chain.Anvil;
using Verity.Chain.Contracts;
using Verity.Chain.Rpc;
using Verity.Chain.Transactions;
using Verity.Market.Proving;

namespace Verity.Broker;

/// <summary>
/// Starts a broker (docs/BROKER.md §1, §6): checks the options and the chain (a contract at the market address;
/// development seals only on a devnet), migrates the store, and runs the pipeline services under a
/// <see cref="ServiceSupervisor"/>: discovery (chain events; the order stream when given), evaluator, committer with
/// the locker, prover, submitter and reaper.
/// </summary>
public static class BrokerHost
{
    /// <summary>
    /// One RPC request may take at most a quarter of <c>block_deadline_buffer_secs</c> (2–15 s) before it is retried: a
    /// node that holds a request must not eat the margin a fulfilment needs before its lock deadline (the devnet
    /// soak with a fault proxy lost two locks to 30-second waits on one held request).
    /// </summary>
    public static Verity.Chain.Rpc.RpcRetryPolicy DefaultRpcPolicy(BrokerConfig config) => new()
    {
        RequestTimeout = TimeSpan.FromSeconds(Math.Clamp(config.Batcher.EffectiveBlockDeadlineBufferSeconds / 4.0, 2, 15)),
    };

    public static Task<RunningBroker> StartAsync(BrokerOptions options, ILoggerFactory logs, CancellationToken ct) =>
        StartAsync(options, DefaultEvaluator, logs, ct);

    /// <summary>
    /// The evaluator of docs/BROKER.md §4: preflight on the cluster (fetched images and inputs cached on disk under
    /// the cache directory: the options', else [market] cache_dir, else one under the temporary directory), the
    /// on-chain status, the quote policy.
    /// </summary>
    private static IOrderEvaluator DefaultEvaluator(BrokerOptions options, BrokerContext ctx, List<IDisposable> owned)
    {
        var http = new HttpClient();
        owned.Add(http);
        var runner = new PreflightRunner(options.Cluster, new ResourceCache(new ResourceFetcher(http), CacheDir(options, ctx)));
        owned.Add(runner);
        return new OrderEvaluator(runner, new ContractMarketReader(ctx.Market));
    }

    /// <summary>
    /// The fetch cache's directory, shared by preflight and the prover: the prover proves the very image and input the
    /// preflight ran, whatever their URLs answer later.
    /// </summary>
    private static string CacheDir(BrokerOptions options, BrokerContext ctx) =>
        options.CacheDir ?? options.Config.Current.Market.CacheDir
            ?? Path.Combine(Path.GetTempPath(), "verity-broker-cache", ctx.Address.ToLowerInvariant());

    /// <summary>Starts a broker with the given evaluator (tests).</summary>
    internal static Task<RunningBroker> StartAsync(BrokerOptions options, Func<BrokerOptions, BrokerContext, IOrderEvaluator> evaluator,
        ILoggerFactory logs, CancellationToken ct) =>
        StartAsync(options, (o, c, _) => evaluator(o, c), logs, ct);

    private static async Task<RunningBroker> StartAsync(BrokerOptions options,
        Func<BrokerOptions, BrokerContext, List<IDisposable>, IOrderEvaluator> evaluator,
        ILoggerFactory logs, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logs);
        if (options.RpcUrls is not { Count: > 0 })
            throw new ArgumentException("the broker needs at least one Ethereum RPC URL (--rpc-url or VERITY_RPC_URL)", nameof(options));
        if (!Nethereum.Util.AddressUtil.Current.IsValidEthereumAddressHexFormat(options.MarketAddress))
            throw new ArgumentException($"the market address '{options.MarketAddress}' is not an address (0x and 40 hex digits)", nameof(options));
        Uri? orderStream = null;
        if (options.OrderStreamUrl is { } os && (!Uri.TryCreate(os, UriKind.Absolute, out orderStream) || orderStream.Scheme is not ("http" or "https")))
            throw new ArgumentException($"the order stream URL '{os}' is not an http(s) URL", nameof(options));
        ChainKey key;
        try { key = ChainKey.Parse(options.PrivateKey, "the broker's private key"); }
        catch (FormatException e) { throw new ArgumentException(e.Message, nameof(options)); }

        var logger = logs.CreateLogger("Verity.Broker");
        var web3 = FallbackRpcClient.CreateWeb3(options.RpcUrls, options.RpcPolicy ?? DefaultRpcPolicy(options.Config.Current),
            logger: logs.CreateLogger("Verity.Broker.Rpc"));
        var chainId = await ChainRpc.GetChainIdAsync(web3).WaitAsync(ct).ConfigureAwait(false);
        var code = await web3.Eth.GetCode.SendRequestAsync(options.MarketAddress).WaitAsync(ct).ConfigureAwait(false);
        if (string.IsNullOrEmpty(code) || code == "0x")
            throw new InvalidOperationException($"no contract at the market address {options.MarketAddress} on chain {chainId}");
        if (!options.ListenOnly && !(options.Development && chainId == AnvilProcess.DevelopmentChainId))
            throw new InvalidOperationException(
                $"refusing to prove for the market on chain {chainId}: no on-chain STARK verifier exists yet, and development seals are sent " +
                "only to a devnet (chain 31337, a development deployment). Run with --listen-only to watch and price without sending.");
        await options.Store.MigrateAsync(ct).ConfigureAwait(false);

        var ctx = new BrokerContext
        {
            Web3 = web3,
            Market = new MarketContract(web3, options.MarketAddress),
            Address = key.Address,
            ChainId = chainId,
            Digest = new RequestDigest(chainId, options.MarketAddress),
            Store = options.Store,
            Cluster = options.Cluster,
            Config = options.Config,
            Metrics = new BrokerMetrics(options.Meters),
            Logs = logs,
            ListenOnly = options.ListenOnly,
            Development = options.Development,
            CacheDir = options.CacheDir,
        };
        ctx.Metrics.SetStates(await options.Store.CountsAsync(ct).ConfigureAwait(false));
        var http = new HttpClient();
        List<IDisposable> owned = [http];
        var fetcher = new ResourceFetcher(http);
        var discovery = new DiscoveryService(ctx);
        var evaluatorService = new EvaluatorService(ctx, evaluator(options, ctx, owned));
        ITransactionSender Sender(Func<TransactionProgress, CancellationToken, Task>? progress) =>
            new TransactionSender(web3, key, chainId, new TransactionOptions
            {
                TransactionTimeout = TimeSpan.FromSeconds(Math.Max(1, options.Config.Current.Batcher.TxnTimeoutSeconds)),
            }, describeRevert: MarketErrors.Describe, logger: logs.CreateLogger("Verity.Broker.Transactions")) { OnProgress = progress };
        var locker = new LockerService(ctx, p => Sender(p));
        var committer = new CommitterService(ctx, locker);
        var prover = new ProverService(ctx, new ResourceCache(fetcher, CacheDir(options, ctx)));
        var submitter = new SubmitterService(ctx, Sender(null));
        var reaper = new ReaperService(ctx);

        var supervisor = new ServiceSupervisor(logger, () => options.Config.Current.Prover.MaxCriticalTaskRetries);
        Func<CancellationToken, Task> Every(Func<TimeSpan> interval, WakeSignal? wake = null) =>
            token => wake is null ? Task.Delay(interval(), token) : wake.WaitAsync(interval(), token);
        var config = options.Config;
        supervisor.Start("discovery", critical: true, discovery.PollChainAsync,
            Every(() => TimeSpan.FromMilliseconds(Math.Max(50, config.Current.Market.EventsPollMilliseconds))));
        if (orderStream is not null)
            supervisor.Start("order-stream", critical: false, token => discovery.FollowOrderStreamAsync(orderStream, token),
                Every(() => TimeSpan.FromSeconds(1)));
        supervisor.Start("evaluator", critical: false, evaluatorService.StepAsync, Every(() => TimeSpan.FromSeconds(1), ctx.WakeEvaluator));
        supervisor.Start("locker", critical: true, committer.StepAsync,
            Every(() => TimeSpan.FromMilliseconds(Math.Max(50, config.Current.Market.EventsPollMilliseconds)), ctx.WakeCommitter));
        supervisor.Start("prover", critical: true, prover.StepAsync,
            Every(() => TimeSpan.FromMilliseconds(Math.Max(50, config.Current.Prover.StatusPollMilliseconds)), ctx.WakeProver));
        supervisor.Start("submitter", critical: true, submitter.StepAsync,
            Every(() => TimeSpan.FromMilliseconds(Math.Max(50, config.Current.Batcher.BatchPollTimeMilliseconds)), ctx.WakeSubmitter));
        supervisor.Start("reaper", critical: false, reaper.StepAsync,
            Every(() => TimeSpan.FromSeconds(Math.Max(1, config.Current.Prover.ReaperIntervalSeconds))));
        logger.LogInformation("broker started as {Address} on chain {ChainId}, market {Market}{Mode}", key.Address, chainId, options.MarketAddress,
            options.ListenOnly ? " (listen-only: no transaction is sent)" : "");
        return new RunningBroker(ctx, supervisor, evaluatorService, owned);
    }
}
