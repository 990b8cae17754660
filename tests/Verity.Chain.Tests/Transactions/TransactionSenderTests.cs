using System.Collections.Concurrent;
using System.Numerics;
using Microsoft.Extensions.Logging;
using Nethereum.Hex.HexTypes;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.Signer;
using Nethereum.Web3;
using Verity.Chain.Accounts;
using Verity.Chain.Rpc;
using Verity.Chain.Tests.Anvil;
using Verity.Chain.Tests.Support;
using Verity.Chain.Transactions;

namespace Verity.Chain.Tests.Transactions;

/// <summary>
/// The sender against anvil. Every test funds a fresh key (so its nonces start at 0) and gives its sender a fresh
/// nonce registry. Tests that turn automine off turn it back on; mining is done from progress callbacks, never
/// after a sleep.
/// </summary>
public class TransactionSenderTests(AnvilFixture anvil) : IClassFixture<AnvilFixture>
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    private static readonly TransactionOptions Quick = new()
    {
        PollInterval = TimeSpan.FromMilliseconds(20),
        TransactionTimeout = TimeSpan.FromHours(1),   // no replacement unless a test asks for it
    };

    private readonly Web3 _web3 = ChainRpc.CreateWeb3(anvil.RpcUrl);
    private AnvilRpc Anvil => new(_web3);

    private TransactionSender Sender(ChainKey key, TransactionOptions? options = null,
        Func<TransactionProgress, CancellationToken, Task>? onProgress = null, ILogger? logger = null) =>
        new(_web3, key, Verity.Chain.Anvil.AnvilProcess.DevelopmentChainId, options ?? Quick, Pinger.DescribeRevert, logger, new NonceManagers())
        {
            OnProgress = onProgress,
        };

    private async Task<string> DeployPingerAsync()
    {
        var receipt = await Sender(await Anvil.FundedKeyAsync()).SendAsync(Pinger.Deployment());
        return receipt.ContractAddress;
    }

    private async Task<BigInteger> NonceOfAsync(string hash) =>
        (await _web3.Eth.Transactions.GetTransactionByHash.SendRequestAsync(hash)).Nonce.Value;

    private async Task<BigInteger> PendingCountAsync(string address) =>
        (await _web3.Eth.Transactions.GetTransactionCount.SendRequestAsync(address, BlockParameter.CreatePending())).Value;

    [Fact]
    public async Task FiftyConcurrentSendsFromOneKeyUseNoncesZeroToFortyNineWithoutGapsOrReuse()
    {
        var pinger = await DeployPingerAsync();
        var sender = Sender(await Anvil.FundedKeyAsync());

        var receipts = await Task.WhenAll(Enumerable.Range(0, 50)
            .Select(i => sender.SendAsync(new TransactionRequest(pinger, Pinger.Ping(i), 0, $"ping {i}"))))
            .WaitAsync(HangGuard);

        Assert.All(receipts, r => Assert.Equal(1, r.Status.Value));
        var nonces = await Task.WhenAll(receipts.Select(r => NonceOfAsync(r.TransactionHash)));
        Assert.Equal(Enumerable.Range(0, 50).Select(i => new BigInteger(i)), nonces.Order());
        Assert.Equal(50, await PendingCountAsync(sender.Address));
        Assert.Empty(await sender.Nonces.InFlightAsync());
    }

    [Fact]
    public async Task ATransactionNotMinedInTimeIsReplacedWithBumpedFeesAndOnlyTheReplacementIsMined()
    {
        var pinger = await DeployPingerAsync();
        var key = await Anvil.FundedKeyAsync();
        var progress = new ConcurrentQueue<TransactionProgress>();
        var sender = Sender(key, Quick with { TransactionTimeout = TimeSpan.Zero, MaxReplacements = 3 }, async (p, _) =>
        {
            progress.Enqueue(p);
            if (p.Stage == TransactionStage.Replaced) await Anvil.MineAsync();
        });

        await Anvil.SetAutomineAsync(false);
        TransactionReceipt receipt;
        try
        {
            receipt = await sender.SendAsync(new TransactionRequest(pinger, Pinger.Ping(1), 0, "ping 1")).WaitAsync(HangGuard);
        }
        finally
        {
            await Anvil.SetAutomineAsync(true);
        }

        var original = Assert.Single(progress, p => p.Stage == TransactionStage.Broadcast);
        var replacement = Assert.Single(progress, p => p.Stage == TransactionStage.Replaced);
        Assert.Equal(replacement.Hash, receipt.TransactionHash);
        Assert.Equal(original.Nonce, replacement.Nonce);
        Assert.True(replacement.Fees.MaxFeePerGas * 1000 >= original.Fees.MaxFeePerGas * 1125);
        Assert.True(replacement.Fees.MaxPriorityFeePerGas * 1000 >= original.Fees.MaxPriorityFeePerGas * 1125);
        Assert.Null(await _web3.Eth.Transactions.GetTransactionReceipt.SendRequestAsync(original.Hash));
        var block = await _web3.Eth.Blocks.GetBlockWithTransactionsHashesByNumber.SendRequestAsync(receipt.BlockNumber);
        Assert.Equal([replacement.Hash], block.TransactionHashes);
        Assert.Equal(1, await PendingCountAsync(key.Address));
    }

    [Fact]
    public async Task AfterMaxReplacementsTheSenderGivesUpWithAClearError()
    {
        var pinger = await DeployPingerAsync();
        var key = await Anvil.FundedKeyAsync();
        var replaced = 0;
        var sender = Sender(key, Quick with { TransactionTimeout = TimeSpan.Zero, MaxReplacements = 2 }, (p, _) =>
        {
            if (p.Stage == TransactionStage.Replaced) replaced++;
            return Task.CompletedTask;
        });

        await Anvil.SetAutomineAsync(false);
        TransactionFailedException e;
        try
        {
            e = await Assert.ThrowsAsync<TransactionFailedException>(() =>
                sender.SendAsync(new TransactionRequest(pinger, Pinger.Ping(2), 0, "ping 2")).WaitAsync(HangGuard));
        }
        finally
        {
            await Anvil.SetAutomineAsync(true);
        }

        Assert.Equal(2, replaced);
        Assert.Contains("ping 2: not mined", e.Message);
        Assert.Contains("after 2 replacement(s)", e.Message);
        Assert.Equal(3, e.Hashes.Count);
        Assert.Empty(await sender.Nonces.InFlightAsync());
    }

    [Fact]
    public async Task ADroppedTransactionIsBroadcastAgainAndLands()
    {
        var pinger = await DeployPingerAsync();
        var progress = new ConcurrentQueue<TransactionProgress>();
        var sender = Sender(await Anvil.FundedKeyAsync(), onProgress: async (p, _) =>
        {
            progress.Enqueue(p);
            if (p.Stage == TransactionStage.Broadcast) await Anvil.DropTransactionAsync(p.Hash);
            if (p.Stage == TransactionStage.Rebroadcast) await Anvil.MineAsync();
        });

        await Anvil.SetAutomineAsync(false);
        TransactionReceipt receipt;
        try
        {
            receipt = await sender.SendAsync(new TransactionRequest(pinger, Pinger.Ping(3), 0, "ping 3")).WaitAsync(HangGuard);
        }
        finally
        {
            await Anvil.SetAutomineAsync(true);
        }

        Assert.Equal(
            [TransactionStage.Signed, TransactionStage.Broadcast, TransactionStage.Rebroadcast, TransactionStage.Mined],
            progress.Select(p => p.Stage));
        Assert.Equal(progress.First(p => p.Stage == TransactionStage.Broadcast).Hash, receipt.TransactionHash);
        Assert.Equal(1, receipt.Status.Value);
    }

    [Fact]
    public async Task ARevertIsRefusedBeforeSendingWithItsDataAndNoNonceIsUsed()
    {
        var pinger = await DeployPingerAsync();
        var key = await Anvil.FundedKeyAsync();
        var sender = Sender(key);
        var first = await sender.SendAsync(new TransactionRequest(pinger, Pinger.Ping(4), 0, "ping 4"));

        var e = await Assert.ThrowsAsync<TransactionRevertedException>(() =>
            sender.SendAsync(new TransactionRequest(pinger, Pinger.Ping(1000), 0, "ping 1000")));

        Assert.Equal(Pinger.RefusedSelector.Concat(Pinger.Ping(1000)[4..]), e.RevertData);
        Assert.Equal("Refused(1000)", e.Reason);
        Assert.Equal("ping 1000 reverted: Refused(1000)", e.Message);
        Assert.Null(e.TransactionHash);
        Assert.Equal(1, await PendingCountAsync(key.Address));

        var next = await sender.SendAsync(new TransactionRequest(pinger, Pinger.Ping(5), 0, "ping 5"));
        Assert.Equal(await NonceOfAsync(first.TransactionHash) + 1, await NonceOfAsync(next.TransactionHash));
    }

    [Fact]
    public async Task AMinedRevertThrowsWithTheReasonFromReplayingTheCall()
    {
        var pinger = await DeployPingerAsync();
        var signed = 0;
        var broadcasts = 0;
        var bothSigned = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // Both claims are estimated before either is mined (each waits for the other to be signed); both go
        // into one block, where the second one reverts.
        var sender = Sender(await Anvil.FundedKeyAsync(), onProgress: async (p, _) =>
        {
            if (p.Stage == TransactionStage.Signed)
            {
                if (Interlocked.Increment(ref signed) == 2) bothSigned.SetResult();
                await bothSigned.Task.WaitAsync(HangGuard);
            }
            if (p.Stage == TransactionStage.Broadcast && Interlocked.Increment(ref broadcasts) == 2) await Anvil.MineAsync();
        });

        await Anvil.SetAutomineAsync(false);
        Task<TransactionReceipt>[] claims;
        try
        {
            claims = [
                sender.SendAsync(new TransactionRequest(pinger, Pinger.Claim(7), 0, "claim a")),
                sender.SendAsync(new TransactionRequest(pinger, Pinger.Claim(7), 0, "claim b")),
            ];
            await Task.WhenAll(claims).WaitAsync(HangGuard).ContinueWith(_ => { });
        }
        finally
        {
            await Anvil.SetAutomineAsync(true);
        }

        var won = Assert.Single(claims, c => c.IsCompletedSuccessfully);
        var lost = Assert.Single(claims, c => c.IsFaulted);
        var e = Assert.IsType<TransactionRevertedException>(lost.Exception!.InnerException);
        Assert.Equal("AlreadyClaimed(7)", e.Reason);
        Assert.NotNull(e.TransactionHash);
        var receipt = await _web3.Eth.Transactions.GetTransactionReceipt.SendRequestAsync(e.TransactionHash);
        Assert.Equal(0, receipt.Status.Value);
        Assert.Equal((await won).BlockNumber.Value, receipt.BlockNumber.Value);
        Assert.Empty(await sender.Nonces.InFlightAsync());
    }

    [Fact]
    public async Task ANonceTheNodeRefusedIsTakenAgainByTheNextTransaction()
    {
        var pinger = await DeployPingerAsync();
        var key = await Anvil.FundedKeyAsync();
        var sender = Sender(key);

        // A gas limit above the block gas limit: the node refuses the broadcast itself.
        var e = await Assert.ThrowsAsync<TransactionFailedException>(() =>
            sender.SendAsync(new TransactionRequest(pinger, Pinger.Ping(6), 0, "too big", GasLimit: 1_000_000_000)));
        Assert.StartsWith("too big: the node refused the transaction", e.Message);
        Assert.Equal(0, e.Nonce);

        var next = await sender.SendAsync(new TransactionRequest(pinger, Pinger.Ping(7), 0, "ping 7"));
        Assert.Equal(0, await NonceOfAsync(next.TransactionHash));
        Assert.Empty(await sender.Nonces.InFlightAsync());
    }

    [Fact]
    public async Task ARefusedNonceWithALaterOneOutIsFilledWithASelfTransfer()
    {
        var pinger = await DeployPingerAsync();
        var key = await Anvil.FundedKeyAsync();
        var laterBroadcast = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var progress = new ConcurrentQueue<TransactionProgress>();
        Task<TransactionReceipt>? later = null;
        TransactionSender? sender = null;
        sender = Sender(key, onProgress: async (p, _) =>
        {
            progress.Enqueue(p);
            if (p.Label == "later" && p.Stage == TransactionStage.Broadcast) laterBroadcast.SetResult();
            if (p.Label == "too big" && p.Stage == TransactionStage.Signed)
            {
                // Nonce 0 is signed but not yet sent: send nonce 1 first, then let the node refuse nonce 0.
                later = sender!.SendAsync(new TransactionRequest(pinger, Pinger.Ping(8), 0, "later"));
                await laterBroadcast.Task.WaitAsync(HangGuard);
            }
        });

        var e = await Assert.ThrowsAsync<TransactionFailedException>(() =>
            sender.SendAsync(new TransactionRequest(pinger, Pinger.Ping(9), 0, "too big", GasLimit: 1_000_000_000)).WaitAsync(HangGuard));
        var laterReceipt = await later!.WaitAsync(HangGuard);

        Assert.Equal(0, e.Nonce);
        Assert.Equal(1, await NonceOfAsync(laterReceipt.TransactionHash));
        Assert.Equal(1, laterReceipt.Status.Value);
        var filler = Assert.Single(progress, p => p.Stage == TransactionStage.Mined && p.Label.StartsWith("fill nonce gap 0"));
        var fillerTx = await _web3.Eth.Transactions.GetTransactionByHash.SendRequestAsync(filler.Hash);
        Assert.Equal(0, fillerTx.Nonce.Value);
        Assert.Equal(key.Address, fillerTx.To, StringComparer.OrdinalIgnoreCase);
        Assert.Equal(0, fillerTx.Value.Value);
        Assert.Equal(2, await PendingCountAsync(key.Address));
        Assert.Empty(await sender.Nonces.InFlightAsync());
    }

    [Fact]
    public async Task FeesAboveTheCapAreRefusedBeforeANonceIsTaken()
    {
        var pinger = await DeployPingerAsync();
        var key = await Anvil.FundedKeyAsync();
        var sender = Sender(key, Quick with { MaxFeePerGas = 1 });

        var e = await Assert.ThrowsAsync<FeeCapExceededException>(() =>
            sender.SendAsync(new TransactionRequest(pinger, Pinger.Ping(10), 0, "ping 10")));

        Assert.StartsWith("ping 10: refusing to pay maxFeePerGas", e.Message);
        Assert.Contains("above the configured cap of 0.000000001 gwei", e.Message);
        Assert.Equal(0, await PendingCountAsync(key.Address));
    }

    [Fact]
    public async Task FeesFollowTheBaseFeeAndTheGasLimitIsTheEstimateTimesOnePointTwo()
    {
        var pinger = await DeployPingerAsync();
        var progress = new ConcurrentQueue<TransactionProgress>();
        var sender = Sender(await Anvil.FundedKeyAsync(), Quick with { PriorityFee = 3 }, (p, _) =>
        {
            progress.Enqueue(p);
            return Task.CompletedTask;
        });
        var call = new CallInput { From = sender.Address, To = pinger, Data = "0x" + Convert.ToHexStringLower(Pinger.Ping(11)) };
        var estimate = (await _web3.Eth.Transactions.EstimateGas.SendRequestAsync(call)).Value;
        var head = await _web3.Eth.Blocks.GetBlockWithTransactionsHashesByNumber.SendRequestAsync(BlockParameter.CreateLatest());

        var receipt = await sender.SendAsync(new TransactionRequest(pinger, Pinger.Ping(11), 0, "ping 11"));

        var tx = await _web3.Eth.Transactions.GetTransactionByHash.SendRequestAsync(receipt.TransactionHash);
        Assert.Equal(GasPolicy.GasLimit(estimate), tx.Gas.Value);
        Assert.Equal(3, tx.MaxPriorityFeePerGas.Value);
        Assert.Equal(2 * head.BaseFeePerGas.Value + 3, tx.MaxFeePerGas.Value);
        Assert.Equal(2, tx.Type.Value);
    }

    [Fact]
    public async Task TheKeyNeverAppearsInLogsOrErrors()
    {
        var hex = EthECKey.GenerateKey().GetPrivateKey();
        var key = ChainKey.Parse(hex, "a generated test key");
        await Anvil.SetBalanceAsync(key.Address, BigInteger.Pow(10, 20));
        var pinger = await DeployPingerAsync();
        var logger = new CapturingLogger();
        var sender = await TransactionSender.CreateAsync(_web3, key, Quick, Pinger.DescribeRevert, logger, new NonceManagers());
        var errors = new List<Exception>();

        await sender.SendAsync(new TransactionRequest(pinger, Pinger.Ping(12), 0, "ping 12"));
        errors.Add(await Assert.ThrowsAsync<TransactionRevertedException>(() =>
            sender.SendAsync(new TransactionRequest(pinger, Pinger.Ping(5000), 0, "ping 5000"))));
        errors.Add(await Assert.ThrowsAsync<TransactionFailedException>(() =>
            sender.SendAsync(new TransactionRequest(pinger, Pinger.Ping(13), 0, "too big", GasLimit: 1_000_000_000))));
        errors.Add(await Assert.ThrowsAsync<FeeCapExceededException>(() =>
            new TransactionSender(_web3, key, 31337, Quick with { MaxFeePerGas = 1 }, logger: logger, nonceManagers: new NonceManagers())
                .SendAsync(new TransactionRequest(pinger, Pinger.Ping(14), 0, "ping 14"))));

        Assert.NotEmpty(logger.Lines);
        var secret = hex.StartsWith("0x") ? hex[2..] : hex;
        foreach (var text in errors.Select(e => e.ToString()).Append(logger.Text).Append(key.ToString()).Append(sender.ToString()!))
        {
            Assert.DoesNotContain(secret, text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(secret[..16], text, StringComparison.OrdinalIgnoreCase);
        }
    }
}
