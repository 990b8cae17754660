using System.Numerics;
using System.Text;
using Microsoft.Extensions.Logging;
using Nethereum.Signer;
using Verity.Broker.Cluster;
using Verity.Broker.Config;
using Verity.Broker.Orders;
using Verity.Broker.Store;
using Verity.Chain.Anvil;
using Verity.Chain.Contracts;
using Verity.Chain.Rpc;
using Verity.Chain.Transactions;
using Verity.Cluster.Client;
using Verity.Market.Devnet;
using Verity.Market.Requests;
using Verity.Node.Configuration;
using Verity.Node.Hosting;

namespace Verity.Broker.Tests.Services;

/// <summary>
/// One devnet per test class: an anvil with the market deployed and the roles funded and staked (DevnetSetup), and a
/// real node with one embedded agent that proves for real (the tiny guest, 2^8 segments, the insecure test
/// parameters: a proof takes a moment). Brokers are started against it with their own SQLite stores.
/// </summary>
public class PipelineFixture : IAsyncLifetime
{
    public const string ApiKey = "broker-pipeline-key-0123456789abcdef";
    public static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(120);

    private readonly string _dir = Directory.CreateTempSubdirectory("verity-broker-pipeline-").FullName;
    private AnvilProcess? _anvil;
    private RunningNode? _node;
    private RunningNode? _idleNode;
    private readonly SemaphoreSlim _idleNodeLock = new(1, 1);

    public DevnetDeployment Deployment { get; private set; } = null!;
    public MarketContract Market { get; private set; } = null!;
    public string RpcUrl => _anvil!.RpcUrl;
    public Uri NodeUrl => _node!.BaseAddress;
    public string Dir => _dir;
    public string GuestPath { get; private set; } = "";
    public ILoggerFactory Logs { get; } = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning));

    public async Task InitializeAsync()
    {
        if (AnvilProcess.Locate() is null) throw new InvalidOperationException(Verity.Chain.Tests.Anvil.AnvilFixture.Missing);
        _anvil = await AnvilProcess.StartAsync(extraArgs: AnvilArgs);
        Deployment = await DevnetSetup.DeployAsync(_anvil.RpcUrl, CancellationToken.None);
        Market = new MarketContract(ChainRpc.CreateWeb3(_anvil.RpcUrl), Deployment.Addresses.Market);
        GuestPath = Verity.Cli.Tests.TinyElf.Write(Path.Combine(_dir, "hi.elf"), exitCode: 0);
        _node = await NodeHost.StartAsync(new NodeOptions
        {
            DataDir = Path.Combine(_dir, "node"), Db = "sqlite", Blobs = "fs", Agents = 1, Listen = "http://127.0.0.1:0", ApiKeys = [ApiKey],
        }, DefaultComponents.Create(), _ => { });
    }

    /// <summary>More anvil flags for a derived fixture (e.g. <c>--state FILE</c> to keep the chain across a restart).</summary>
    protected virtual IEnumerable<string> AnvilArgs => [];

    /// <summary>Stops anvil with SIGTERM (it dumps its state when started with --state) and starts it again on the same port.</summary>
    public async Task RestartAnvilAsync(Func<Task>? whileDown = null)
    {
        var port = _anvil!.Port;
        await _anvil.StopAsync();
        await _anvil.DisposeAsync();
        if (whileDown != null) await whileDown();
        _anvil = await AnvilProcess.StartAsync(extraArgs: AnvilArgs, port: port);
    }

    /// <summary>One JSON-RPC call to anvil itself (not through any proxy); its result as JSON text. An error answer fails the test.</summary>
    public async Task<string> AnvilRpcAsync(string method, string paramsJson = "[]")
    {
        using var http = new HttpClient();
        var body = $$"""{"jsonrpc":"2.0","id":1,"method":"{{method}}","params":{{paramsJson}}}""";
        var response = await http.PostAsync(RpcUrl, new StringContent(body, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        using var json = System.Text.Json.JsonDocument.Parse(text);
        if (json.RootElement.TryGetProperty("error", out var error)) throw new InvalidOperationException($"{method}: {error}");
        return json.RootElement.GetProperty("result").GetRawText();
    }

    public async Task DisposeAsync()
    {
        if (_idleNode != null) { await _idleNode.StopAsync(); await _idleNode.DisposeAsync(); }
        if (_node != null) { await _node.StopAsync(); await _node.DisposeAsync(); }
        _idleNodeLock.Dispose();
        if (_anvil != null) await _anvil.DisposeAsync();
        Logs.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    public string Address(string role) => Deployment.Accounts[role].Address;

    /// <summary>The configuration the pipeline tests run with: real proofs of the tiny guest, quick polls.</summary>
    public static BrokerConfig TestConfig(int maxConcurrentProofs = 1) => BrokerConfig.Default with
    {
        Market = new MarketConfig { MaxConcurrentProofs = maxConcurrentProofs, EventsPollMilliseconds = 100, LookbackBlocks = 1000, PeakProveKhz = 1 },
        Prover = new ProverConfig { SegmentPo2 = 8, Parameters = "insecure-test", StatusPollMilliseconds = 100, MaxCriticalTaskRetries = 5 },
        Batcher = new BatcherConfig { BatchPollTimeMilliseconds = 100, MinBatchSize = 1 },
    };

    /// <summary>A new SQLite broker store in this class's directory (or the one at <paramref name="path"/> again).</summary>
    public async Task<IBrokerStore> StoreAsync(string path) =>
        await BrokerStores.OpenAsync("sqlite", Path.Combine(_dir, path));

    /// <summary>The cluster of the proving node, or of <paramref name="node"/> (e.g. <see cref="IdleNodeAsync"/>).</summary>
    public IProvingCluster Cluster(BrokerConfigSource config, Uri? node = null) => new NodeCluster(new NodeClient(node ?? NodeUrl, ApiKey), config);

    /// <summary>
    /// A second node of this class with no agents (started on first use): healthy, it accepts jobs and never runs them —
    /// a cluster too slow for any deadline, without simulating anything.
    /// </summary>
    public async Task<Uri> IdleNodeAsync()
    {
        await _idleNodeLock.WaitAsync();
        try
        {
            _idleNode ??= await NodeHost.StartAsync(new NodeOptions
            {
                DataDir = Path.Combine(_dir, "idle-node"), Db = "sqlite", Blobs = "fs", Agents = 0, Listen = "http://127.0.0.1:0", ApiKeys = [ApiKey],
            }, DefaultComponents.Create(), _ => { });
            return _idleNode.BaseAddress;
        }
        finally { _idleNodeLock.Release(); }
    }

    public Task<RunningBroker> StartBrokerAsync(string role, IBrokerStore store, BrokerConfigSource config, AcceptingEvaluator evaluator,
        bool listenOnly = false, string? rpcUrl = null, RpcRetryPolicy? rpcPolicy = null, Uri? node = null) =>
        BrokerHost.StartAsync(new BrokerOptions
        {
            RpcUrls = [rpcUrl ?? RpcUrl],
            RpcPolicy = rpcPolicy,
            PrivateKey = Deployment.Accounts[role].Key,
            MarketAddress = Deployment.Addresses.Market,
            Config = config,
            Store = store,
            Cluster = Cluster(config, node),
            ListenOnly = listenOnly,
            Development = true,
        }, (_, _) => evaluator, Logs, CancellationToken.None);

    /// <summary>A broker through the public entry point: the real evaluator (preflight on the node, built-in quote policy).</summary>
    public Task<RunningBroker> StartRealBrokerAsync(string role, IBrokerStore store, BrokerConfigSource config) =>
        BrokerHost.StartAsync(new BrokerOptions
        {
            RpcUrls = ["http://127.0.0.1:1/", RpcUrl], // a dead primary: the broker runs on the fallback
            PrivateKey = Deployment.Accounts[role].Key,
            MarketAddress = Deployment.Addresses.Market,
            Config = config,
            Store = store,
            Cluster = Cluster(config),
            Development = true,
            CacheDir = Path.Combine(_dir, "cache-" + role),
        }, Logs, CancellationToken.None);

    /// <summary>Builds, signs and submits an on-chain request for the tiny guest as the requestor; the evaluator takes it.</summary>
    public async Task<ProofRequest> SubmitAsync(params AcceptingEvaluator[] takers) => await SubmitAsync(600, 1200, takers);

    public async Task<ProofRequest> SubmitAsync(uint lockTimeout, uint timeout, params AcceptingEvaluator[] takers) =>
        (await SubmitPlanAsync(p => p with { LockTimeoutSeconds = lockTimeout, TimeoutSeconds = timeout }, takers)).Request;

    /// <summary>
    /// Builds (from the chain's time now), signs and submits a request for the tiny guest, its plan (the defaults of
    /// <see cref="PlanAsync"/>) changed by <paramref name="adjust"/>; the takers take it with the cycles the build measured.
    /// </summary>
    public async Task<BuiltRequest> SubmitPlanAsync(Func<RequestPlan, RequestPlan>? adjust, params AcceptingEvaluator[] takers)
    {
        var built = await BuildAsync(adjust);
        var request = built.Request;
        foreach (var taker in takers) taker.Want(request.Id, built.Cycles);
        await MarketAs("requestor").SubmitRequestAsync(request, Sign(request));
        return built;
    }

    /// <summary>A request for the tiny guest built (not submitted) from the chain's time now: its cycles as the executor counts them.</summary>
    public async Task<BuiltRequest> BuildAsync(Func<RequestPlan, RequestPlan>? adjust = null)
    {
        var plan = await PlanAsync();
        return RequestBuilder.Build(adjust is null ? plan : adjust(plan), Address("requestor"), await ChainTimeAsync());
    }

    /// <summary>The pipeline tests' request: the tiny guest, 0.001–0.01 ETH over 10 s, lock 600 s, deadline 1200 s, 2 tokens collateral.</summary>
    private async Task<RequestPlan> PlanAsync() =>
        new()
        {
            Elf = await File.ReadAllBytesAsync(GuestPath),
            ImageUrl = new Uri(GuestPath).AbsoluteUri,
            Input = Encoding.UTF8.GetBytes("input"),
            MinPrice = BigInteger.Pow(10, 15),        // 0.001 ETH
            MaxPrice = BigInteger.Pow(10, 16),        // 0.01 ETH
            RampUpSeconds = 10,
            LockTimeoutSeconds = 600,
            TimeoutSeconds = 1200,
            LockCollateral = BigInteger.Pow(10, 18) * 2,
            Selector = DevelopmentSeal.Selector,
            BiddingDelaySeconds = 0,
        };

    public async Task<ulong> ChainTimeAsync()
    {
        var block = await Market.Web3.Eth.Blocks.GetBlockWithTransactionsHashesByNumber.SendRequestAsync(
            Nethereum.RPC.Eth.DTOs.BlockParameter.CreateLatest());
        return (ulong)block.Timestamp.Value;
    }

    /// <summary>Transactions the address has sent (its nonce).</summary>
    /// <summary>The tiny guest's signature for a request (as the requestor signed it).</summary>
    public byte[] Sign(ProofRequest request) =>
        new RequestDigest(Deployment.ChainId, Deployment.Addresses.Market).Sign(request, new EthECKey(Deployment.Accounts["requestor"].Key));

    /// <summary>The order a broker's discovery makes of an on-chain request, priced, in <paramref name="state"/>.</summary>
    public Order OrderFor(ProofRequest request, OrderState state)
    {
        var digest = new RequestDigest(Deployment.ChainId, Deployment.Addresses.Market).Hash(request);
        return new Order
        {
            Id = Order.MakeId(request.Id, digest, FulfillmentType.LockAndFulfill),
            RequestId = request.Id,
            Requestor = Verity.Chain.Contracts.RequestId.Requestor(request.Id).ToLowerInvariant(),
            Request = request,
            Signature = Sign(request),
            RequestDigest = digest,
            Source = "chain",
            Type = FulfillmentType.LockAndFulfill,
            State = state,
            ObservedAt = DateTimeOffset.UtcNow,
            Cycles = 100,
            MinimumPrice = request.Offer.MinPrice,
            TargetTime = request.Offer.BiddingStart,
        };
    }

    /// <summary>The market as <paramref name="role"/> (sends its transactions).</summary>
    public MarketContract MarketAs(string role) => Market.With(new TransactionSender(ChainRpc.CreateWeb3(RpcUrl),
        Verity.Chain.Accounts.ChainKey.Parse(Deployment.Accounts[role].Key, role), Deployment.ChainId, describeRevert: MarketErrors.Describe));

    public async Task<BigInteger> NonceAsync(string role) =>
        (await Market.Web3.Eth.Transactions.GetTransactionCount.SendRequestAsync(Address(role))).Value;

    /// <summary>Moves the chain's clock: evm_increaseTime, then a block at the new time.</summary>
    public async Task AdvanceAsync(long seconds)
    {
        using var http = new HttpClient();
        foreach (var (method, args) in new[] { ("evm_increaseTime", $"[{seconds}]"), ("evm_mine", "[]") })
        {
            var body = $$"""{"jsonrpc":"2.0","id":1,"method":"{{method}}","params":{{args}}}""";
            var response = await http.PostAsync(RpcUrl, new StringContent(body, Encoding.UTF8, "application/json"));
            Assert.DoesNotContain("\"error\"", await response.Content.ReadAsStringAsync());
        }
    }

    /// <summary>The one order of <paramref name="requestId"/> of the given type, once <paramref name="until"/> holds for it (hang guard).</summary>
    public static async Task<Order> WaitForOrderAsync(IBrokerStore store, BigInteger requestId, Func<Order, bool> until,
        FulfillmentType type = FulfillmentType.LockAndFulfill, RunningBroker? broker = null)
    {
        using var guard = new CancellationTokenSource(HangGuard);
        Order? last = null;
        while (true)
        {
            if (broker?.Faulted.IsFaulted == true) await broker.Faulted;
            last = (await store.OrdersOfRequestAsync(requestId)).FirstOrDefault(o => o.Type == type);
            if (last != null && until(last)) return last;
            try { await Task.Delay(50, guard.Token); }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"hang guard: order of {RequestIds.Hex(requestId)} is {last?.State.Name() ?? "absent"} ({last?.Reason} {last?.ReasonDetail})");
            }
        }
    }
}
