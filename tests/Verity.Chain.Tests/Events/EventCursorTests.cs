using System.Numerics;
using System.Text.Json;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.Web3;
using Verity.Chain.Events;
using Verity.Chain.Rpc;
using Verity.Chain.Tests.Anvil;
using Verity.Chain.Tests.Support;
using Verity.Chain.Transactions;

namespace Verity.Chain.Tests.Events;

/// <summary>
/// The cursor against anvil. Each test deploys its own Pinger (the cursor follows one address, so earlier tests'
/// logs do not show) and mines blocks by sending pings; reorgs come from evm_snapshot / evm_revert.
/// </summary>
public sealed class EventCursorTests(AnvilFixture anvil) : IClassFixture<AnvilFixture>, IDisposable
{
    private readonly Web3 _web3 = ChainRpc.CreateWeb3(anvil.RpcUrl);
    private readonly string _dir = Directory.CreateTempSubdirectory("verity-cursor-").FullName;
    private AnvilRpc Anvil => new(_web3);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>What a consumer saw: each batch's (n, block) pairs and the blocks it was rewound to.</summary>
    private sealed class Consumer
    {
        public List<List<(BigInteger N, ulong Block)>> Batches { get; } = [];
        public List<ulong> Rewinds { get; } = [];
        public IEnumerable<BigInteger> Ns => Batches.SelectMany(b => b).Select(p => p.N);

        public Task OnLogs(IReadOnlyList<FilterLog> logs, CancellationToken ct)
        {
            Batches.Add(logs.Select(l => (Pinger.PingN(l), (ulong)l.BlockNumber.Value)).ToList());
            return Task.CompletedTask;
        }

        public Task OnRewind(ulong block, CancellationToken ct)
        {
            Rewinds.Add(block);
            return Task.CompletedTask;
        }

        public Task<int> PollAsync(EventCursor cursor) => cursor.PollAsync(OnLogs, OnRewind);
    }

    private async Task<(TransactionSender Sender, string Pinger)> DeployAsync()
    {
        var sender = new TransactionSender(_web3, await Anvil.FundedKeyAsync(), 31337,
            new TransactionOptions { PollInterval = TimeSpan.FromMilliseconds(20) }, Pinger.DescribeRevert, nonceManagers: new NonceManagers());
        var receipt = await sender.SendAsync(Pinger.Deployment());
        return (sender, receipt.ContractAddress);
    }

    /// <summary>Pings n (one block each, automine) and returns the block.</summary>
    private static async Task<ulong> PingAsync(TransactionSender sender, string pinger, BigInteger n) =>
        (ulong)(await sender.SendAsync(new TransactionRequest(pinger, Pinger.Ping(n), 0, $"ping {n}"))).BlockNumber.Value;

    private EventCursor Cursor(string pinger, ICursorStore? store = null, ulong lookback = 10_000, ulong confirmations = 0,
        ulong maxRange = 500, int window = 128, IReadOnlyList<string>? topics = null, Microsoft.Extensions.Logging.ILogger? logger = null) =>
        new(_web3, new EventCursorOptions
        {
            Address = pinger, LookbackBlocks = lookback, Confirmations = confirmations, MaxBlockRange = maxRange,
            ReorgWindow = window, Topics = topics,
        }, store ?? new FileCursorStore(Path.Combine(_dir, Guid.NewGuid() + ".json")), logger);

    [Fact]
    public async Task OnFirstStartItLooksBackFromTheHead()
    {
        var (sender, pinger) = await DeployAsync();
        for (var i = 0; i < 10; i++) await PingAsync(sender, pinger, i);

        var consumer = new Consumer();
        Assert.Equal(4, await consumer.PollAsync(Cursor(pinger, lookback: 3)));   // blocks head−3 … head

        Assert.Equal([6, 7, 8, 9], consumer.Ns);
    }

    [Fact]
    public async Task ANewInstanceWithTheSameFileContinuesWithoutDuplicatesOrMisses()
    {
        var (sender, pinger) = await DeployAsync();
        var file = Path.Combine(_dir, "market.json");
        for (var i = 0; i < 5; i++) await PingAsync(sender, pinger, i);
        var first = new Consumer();
        Assert.Equal(5, await first.PollAsync(Cursor(pinger, new FileCursorStore(file))));

        var last = 0UL;
        for (var i = 5; i < 8; i++) last = await PingAsync(sender, pinger, i);
        var restarted = new Consumer();
        var cursor = Cursor(pinger, new FileCursorStore(file));
        Assert.Equal(3, await restarted.PollAsync(cursor));
        Assert.Equal(0, await restarted.PollAsync(cursor));

        Assert.Equal([0, 1, 2, 3, 4], first.Ns);
        Assert.Equal([5, 6, 7], restarted.Ns);
        var saved = JsonDocument.Parse(await File.ReadAllTextAsync(file)).RootElement;
        Assert.True(saved.GetProperty("block").GetProperty("number").GetUInt64() >= last);
        Assert.False(File.Exists(file + ".tmp"));
    }

    [Fact]
    public async Task LogsAreDeliveredAgainWhenTheConsumerFailed()
    {
        var (sender, pinger) = await DeployAsync();
        await PingAsync(sender, pinger, 1);
        await PingAsync(sender, pinger, 2);
        var cursor = Cursor(pinger);

        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            cursor.PollAsync((_, _) => throw new InvalidOperationException("consumer crashed"), null));
        var consumer = new Consumer();
        Assert.Equal(2, await consumer.PollAsync(cursor));
        Assert.Equal([1, 2], consumer.Ns);
    }

    [Fact]
    public async Task RangesLongerThanMaxBlockRangeAreReadInChunksInOrder()
    {
        var (sender, pinger) = await DeployAsync();
        for (var i = 0; i < 10; i++) await PingAsync(sender, pinger, i);

        var consumer = new Consumer();
        Assert.Equal(10, await consumer.PollAsync(Cursor(pinger, maxRange: 2)));

        Assert.Equal(Enumerable.Range(0, 10).Select(i => new BigInteger(i)), consumer.Ns);
        Assert.True(consumer.Batches.Count >= 5);
        Assert.All(consumer.Batches, b => Assert.True(b.Max(p => p.Block) - b.Min(p => p.Block) < 2));
    }

    [Fact]
    public async Task LogsWaitForTheirConfirmations()
    {
        var (sender, pinger) = await DeployAsync();
        var cursor = Cursor(pinger, confirmations: 2);
        var consumer = new Consumer();
        await consumer.PollAsync(cursor);

        var block = await PingAsync(sender, pinger, 1);
        Assert.Equal(0, await consumer.PollAsync(cursor));
        await Anvil.MineAsync();
        Assert.Equal(0, await consumer.PollAsync(cursor));
        await Anvil.MineAsync();
        Assert.Equal(1, await consumer.PollAsync(cursor));

        Assert.Equal([(new BigInteger(1), block)], consumer.Batches.SelectMany(b => b));
        Assert.Equal(block, cursor.Position!.Block.Number);
    }

    [Fact]
    public async Task OnAReorgItRewindsToTheLastCanonicalBlockAndDeliversTheNewLogs()
    {
        var (sender, pinger) = await DeployAsync();
        var before = await PingAsync(sender, pinger, 100);
        var cursor = Cursor(pinger);
        var consumer = new Consumer();
        await consumer.PollAsync(cursor);

        var snapshot = await Anvil.SnapshotAsync();
        await PingAsync(sender, pinger, 1);
        await PingAsync(sender, pinger, 2);
        Assert.Equal(2, await consumer.PollAsync(cursor));
        await Anvil.RevertAsync(snapshot);
        // The reverted pings' nonces are free again: a fresh sender reads them from the node.
        var sender2 = new TransactionSender(_web3, await Anvil.FundedKeyAsync(), 31337,
            new TransactionOptions { PollInterval = TimeSpan.FromMilliseconds(20) }, nonceManagers: new NonceManagers());
        for (var i = 3; i <= 5; i++) await PingAsync(sender2, pinger, i);

        Assert.Equal(3, await consumer.PollAsync(cursor));

        Assert.Equal([before], consumer.Rewinds);
        Assert.Equal([100, 1, 2, 3, 4, 5], consumer.Ns);
        Assert.Equal([3, 4, 5], consumer.Batches[^1].Select(p => p.N));
    }

    [Fact]
    public async Task AReorgDeeperThanTheWindowRewindsPastTheWholeWindowAndSaysSo()
    {
        var (sender, pinger) = await DeployAsync();
        var before = await PingAsync(sender, pinger, 200);
        var logger = new CapturingLogger();
        var cursor = Cursor(pinger, window: 1, logger: logger);
        var consumer = new Consumer();
        await consumer.PollAsync(cursor);

        var snapshot = await Anvil.SnapshotAsync();
        await PingAsync(sender, pinger, 1);
        Assert.Equal(1, await consumer.PollAsync(cursor));
        await Anvil.RevertAsync(snapshot);
        var sender2 = new TransactionSender(_web3, await Anvil.FundedKeyAsync(), 31337,
            new TransactionOptions { PollInterval = TimeSpan.FromMilliseconds(20) }, nonceManagers: new NonceManagers());
        await PingAsync(sender2, pinger, 2);

        Assert.Equal(1, await consumer.PollAsync(cursor));

        Assert.Equal([before], consumer.Rewinds);
        Assert.Equal([200, 1, 2], consumer.Ns);
        Assert.Contains("reorg deeper than the window", logger.Text);
    }

    [Fact]
    public async Task ATopicFilterKeepsOnlyMatchingEvents()
    {
        var (sender, pinger) = await DeployAsync();
        await PingAsync(sender, pinger, 1);
        var other = "0x" + Convert.ToHexStringLower(Nethereum.Util.Sha3Keccack.Current.CalculateHash("Other()"u8.ToArray()));

        Assert.Equal(0, await new Consumer().PollAsync(Cursor(pinger, topics: [other])));
        Assert.Equal(1, await new Consumer().PollAsync(Cursor(pinger, topics: [other, Pinger.PingTopic])));
    }

    [Fact]
    public async Task RunKeepsPollingUntilCancelled()
    {
        var (sender, pinger) = await DeployAsync();
        await PingAsync(sender, pinger, 1);
        var cursor = Cursor(pinger);
        using var stop = new CancellationTokenSource();
        var seen = new List<BigInteger>();
        var run = cursor.RunAsync(TimeSpan.FromMilliseconds(10), async (logs, _) =>
        {
            seen.AddRange(logs.Select(Pinger.PingN));
            if (seen.Count == 1) await PingAsync(sender, pinger, 2);   // found by a later poll of the same run
            if (seen.Count == 2) await stop.CancelAsync();
        }, null, stop.Token);

        await run.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal([1, 2], seen);
        Assert.True(run.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task ACorruptCursorFileIsAClearError()
    {
        var file = Path.Combine(_dir, "broken.json");
        await File.WriteAllTextAsync(file, "{ not json");
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => new FileCursorStore(file).LoadAsync());
        Assert.Contains(file, e.Message);
        Assert.Null(await new FileCursorStore(Path.Combine(_dir, "missing.json")).LoadAsync());
    }
}
