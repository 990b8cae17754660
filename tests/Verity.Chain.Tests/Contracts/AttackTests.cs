using System.Numerics;
using Nethereum.Contracts;
using Nethereum.Hex.HexConvertors.Extensions;
using Nethereum.Hex.HexTypes;
using Nethereum.JsonRpc.Client;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.Web3;
using Verity.Chain.Contracts;
using Account = Nethereum.Web3.Accounts.Account;

namespace Verity.Chain.Tests.Contracts;

/// <summary>
/// Review R1: attacks that work against the market as built. Each test states the property an honest prover needs;
/// it FAILS while the attack succeeds. The attacker watches the public mempool (anvil with automine off), copies or
/// pre-empts a pending transaction with a higher priority fee, and the block orders the attacker first.
/// </summary>
public class AttackTests(MarketFixture chain) : IClassFixture<MarketFixture>
{
    private readonly MarketScenario _s = new(chain);
    private static readonly BigInteger Eth = BigInteger.Pow(10, 18);
    private static readonly BigInteger Gwei = BigInteger.Pow(10, 9);
    private int _rpcId = 1000;

    /// <summary>
    /// The honest prover sends an unlocked fill; a stranger copies its calldata (journal and seal are public in the
    /// mempool) and sends it first. Nothing in the fill names who proved it, so the copier is paid priceAt(now) and the
    /// prover's transaction reverts with RequestIsFulfilled. The same copy takes the bounty of a secondary fill.
    /// </summary>
    [Fact]
    public async Task A_pending_unlocked_fill_cannot_be_copied_by_another_sender_to_take_its_payment()
    {
        await _s.FundAsync(Eth, 100 * Requests.Token);
        var (r, sig, journal) = await _s.NewRequestAsync();
        var fill = new FulfillFunction { Fills = [Requests.Fill(r, journal, sig)] }.GetCallData();
        var before = await BalanceSnapshot.TakeAsync(chain);

        var (honest, copy) = await InOneBlockAsync(async () =>
        {
            var honestHash = await SendPendingAsync(2, fill, tip: 1 * Gwei);
            var seen = await chain.Web3.Eth.Transactions.GetTransactionByHash.SendRequestAsync(honestHash);
            var copyHash = await SendPendingAsync(4, seen.Input.HexToByteArray(), tip: 5 * Gwei);
            return (honestHash, copyHash);
        });

        var after = await BalanceSnapshot.TakeAsync(chain);
        var proverGot = after[$"eth {chain.Prover.Address}"] - before[$"eth {chain.Prover.Address}"];
        var strangerGot = after[$"eth {chain.Stranger.Address}"] - before[$"eth {chain.Stranger.Address}"];
        Assert.True(proverGot > 0 && strangerGot == 0,
            $"the copier was paid {strangerGot} wei for the prover's proof (copy status {await StatusAsync(copy)}, "
            + $"prover's fill status {await StatusAsync(honest)}, prover got {proverGot})");
    }

    /// <summary>
    /// The honest prover sends an unlocked fill; another prover sees it (request and client signature are in its
    /// calldata and in the order stream) and locks the request first. The honest fill then goes down the locked path,
    /// which pays the LOCKER "whoever sends the fill": the front-runner receives the price and its collateral back in
    /// the same block, risking nothing, and the prover who did the work gets nothing.
    /// </summary>
    [Fact]
    public async Task A_lock_sent_ahead_of_a_pending_unlocked_fill_does_not_take_its_payment()
    {
        await _s.FundAsync(Eth, 100 * Requests.Token);
        var (r, sig, journal) = await _s.NewRequestAsync();
        var fill = new FulfillFunction { Fills = [Requests.Fill(r, journal, sig)] }.GetCallData();
        var lockIt = new LockRequestFunction { Request = r, ClientSignature = sig }.GetCallData();
        var before = await BalanceSnapshot.TakeAsync(chain);

        var (honest, lockHash) = await InOneBlockAsync(async () =>
            (await SendPendingAsync(2, fill, tip: 1 * Gwei), await SendPendingAsync(3, lockIt, tip: 5 * Gwei)));

        var after = await BalanceSnapshot.TakeAsync(chain);
        var proverGot = after[$"eth {chain.Prover.Address}"] - before[$"eth {chain.Prover.Address}"];
        var lockerGot = after[$"eth {chain.Prover2.Address}"] - before[$"eth {chain.Prover2.Address}"];
        var lockerStake = after[$"stake {chain.Prover2.Address}"] - before[$"stake {chain.Prover2.Address}"];
        Assert.True(proverGot > 0 && lockerGot == 0,
            $"the front-running locker was paid {lockerGot} wei (stake change {lockerStake}) by the prover's own fill "
            + $"(lock status {await StatusAsync(lockHash)}, fill status {await StatusAsync(honest)}, prover got {proverGot})");
    }

    /// <summary>
    /// After the lock deadline an honest prover sends a secondary fill for the slashed locker's bounty; a stranger
    /// copies it and sends it first: the stranger takes the bounty (stake), the prover's fill reverts.
    /// </summary>
    [Fact]
    public async Task A_pending_secondary_fill_cannot_be_copied_to_take_the_bounty()
    {
        await _s.FundAsync(Eth, 100 * Requests.Token);
        var (r, sig, journal) = await _s.NewRequestAsync();
        await chain.Market(chain.Prover2).LockRequestAsync(r, sig);
        await chain.Clock.MineAtAsync(r.Offer.BiddingStart + r.Offer.LockTimeout + 1);
        var fill = new FulfillFunction { Fills = [Requests.Fill(r, journal)] }.GetCallData();
        var before = await BalanceSnapshot.TakeAsync(chain);

        var (honest, copy) = await InOneBlockAsync(async () =>
        {
            var honestHash = await SendPendingAsync(2, fill, tip: 1 * Gwei);
            var seen = await chain.Web3.Eth.Transactions.GetTransactionByHash.SendRequestAsync(honestHash);
            return (honestHash, await SendPendingAsync(4, seen.Input.HexToByteArray(), tip: 5 * Gwei));
        });

        var after = await BalanceSnapshot.TakeAsync(chain);
        var proverGot = after[$"stake {chain.Prover.Address}"] - before[$"stake {chain.Prover.Address}"];
        var strangerGot = after[$"stake {chain.Stranger.Address}"] - before[$"stake {chain.Stranger.Address}"];
        Assert.True(proverGot > 0 && strangerGot == 0,
            $"the copier took a bounty of {strangerGot} stake units (copy {await StatusAsync(copy)}; "
            + $"prover's fill {await StatusAsync(honest)}; prover got {proverGot})");
    }

    /// <summary>
    /// The requestor sees an unlocked fill pending and withdraws its balance first: the fill reverts with
    /// InsufficientBalance, yet its journal and seal were published in the mempool, so the requestor has the proof and
    /// its money. (By the spec's table an unlocked fill is unescrowed; this shows what that costs the prover.)
    /// </summary>
    [Fact]
    public async Task A_requestor_cannot_withdraw_ahead_of_a_pending_unlocked_fill_and_keep_proof_and_money()
    {
        await _s.FundAsync(0, 100 * Requests.Token);
        var (r, sig, journal) = await _s.NewRequestAsync();
        var price = r.Offer.MinPrice;
        await chain.Market(chain.Requestor).DepositAsync(price);
        var fill = new FulfillFunction { Fills = [Requests.Fill(r, journal, sig)] }.GetCallData();
        var balance = await chain.Market().BalanceOfAsync(chain.Requestor.Address);
        var withdraw = new WithdrawFunction { Amount = balance }.GetCallData();
        var before = await BalanceSnapshot.TakeAsync(chain);

        var (honest, pulled) = await InOneBlockAsync(async () =>
            (await SendPendingAsync(2, fill, tip: 1 * Gwei), await SendPendingAsync(1, withdraw, tip: 5 * Gwei)));

        var after = await BalanceSnapshot.TakeAsync(chain);
        var proverGot = after[$"eth {chain.Prover.Address}"] - before[$"eth {chain.Prover.Address}"];
        var seal = (await chain.Web3.Eth.Transactions.GetTransactionByHash.SendRequestAsync(honest)).Input;
        Assert.True(proverGot > 0,
            $"the requestor withdrew first (status {await StatusAsync(pulled)}); the prover's fill "
            + $"(status {await StatusAsync(honest)}) paid nothing, but its journal and seal were public ({seal.Length / 2 - 1} bytes of calldata)");
    }

    /// <summary>Turns automine off, lets <paramref name="send"/> queue transactions, mines them in one block.</summary>
    private async Task<T> InOneBlockAsync<T>(Func<Task<T>> send)
    {
        await RpcAsync("evm_setAutomine", false);
        try
        {
            var result = await send();
            await RpcAsync("evm_mine");
            return result;
        }
        finally
        {
            await RpcAsync("evm_setAutomine", true);
        }
    }

    /// <summary>Signs and broadcasts a market call without waiting for it: it stays pending while automine is off.</summary>
    private async Task<string> SendPendingAsync(int devAccount, byte[] data, BigInteger tip)
    {
        var account = new Account(MarketFixture.DevKeys[devAccount], chain.ChainIdValue);
        var web3 = new Web3(account, chain.RpcUrl);
        // Fixed gas: estimating against the pending block would see the other transaction's effect. anvil orders its
        // pool by max fee, so the fee cap rises with the tip.
        return await web3.Eth.TransactionManager.SendTransactionAsync(new TransactionInput
        {
            From = account.Address, To = chain.Addresses.Market, Data = data.ToHex(true), Value = new HexBigInteger(0),
            Gas = new HexBigInteger(3_000_000), MaxFeePerGas = new HexBigInteger(20 * tip),
            MaxPriorityFeePerGas = new HexBigInteger(tip), Type = new HexBigInteger(2),
        }).WaitAsync(TimeSpan.FromSeconds(60));
    }

    private async Task<string> StatusAsync(string hash)
    {
        var receipt = await chain.Web3.Eth.Transactions.GetTransactionReceipt.SendRequestAsync(hash);
        var tx = await chain.Web3.Eth.Transactions.GetTransactionByHash.SendRequestAsync(hash);
        var outcome = receipt is null ? "not mined" : receipt.Status.Value == 1 ? "succeeded" : "reverted";
        return $"{outcome} at index {receipt?.TransactionIndex?.Value}, tip {tx.MaxPriorityFeePerGas?.Value}";
    }

    private Task RpcAsync(string method, params object[] args) =>
        chain.Web3.Client.SendRequestAsync(new RpcRequest(Interlocked.Increment(ref _rpcId), method, args))
            .WaitAsync(TimeSpan.FromSeconds(60));
}
