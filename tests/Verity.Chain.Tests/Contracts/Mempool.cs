using System.Numerics;
using Nethereum.Hex.HexConvertors.Extensions;
using Nethereum.Hex.HexTypes;
using Nethereum.JsonRpc.Client;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.Web3;
using Account = Nethereum.Web3.Accounts.Account;

namespace Verity.Chain.Tests.Contracts;

/// <summary>
/// A public mempool on anvil: automine off, transactions queued with chosen tips (anvil orders its pool by fee; one
/// sender's by nonce), then mined together in one block. What a front-runner watching the pool can do.
/// </summary>
public sealed class Mempool(MarketFixture chain)
{
    public static readonly BigInteger Gwei = BigInteger.Pow(10, 9);
    private int _rpcId = 1000;

    /// <summary>Turns automine off, lets <paramref name="send"/> queue transactions, mines them in one block.</summary>
    public async Task<T> InOneBlockAsync<T>(Func<Task<T>> send)
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

    /// <summary>
    /// Signs and broadcasts a market call without waiting for it: it stays pending while automine is off.
    /// <paramref name="nonce"/> is needed for a second pending transaction of the same account.
    /// </summary>
    public async Task<string> SendPendingAsync(int devAccount, byte[] data, BigInteger tip, BigInteger? nonce = null)
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
            Nonce = nonce is { } n ? new HexBigInteger(n) : null,
        }).WaitAsync(TimeSpan.FromSeconds(60));
    }

    /// <summary>The account's next nonce by the mined state (pending transactions not counted).</summary>
    public async Task<BigInteger> MinedNonceAsync(int devAccount) =>
        (await chain.Web3.Eth.Transactions.GetTransactionCount.SendRequestAsync(
            new Account(MarketFixture.DevKeys[devAccount]).Address, BlockParameter.CreateLatest())).Value;

    public async Task<bool> SucceededAsync(string hash) =>
        (await chain.Web3.Eth.Transactions.GetTransactionReceipt.SendRequestAsync(hash))?.Status.Value == 1;

    public async Task<string> StatusAsync(string hash)
    {
        var receipt = await chain.Web3.Eth.Transactions.GetTransactionReceipt.SendRequestAsync(hash);
        var tx = await chain.Web3.Eth.Transactions.GetTransactionByHash.SendRequestAsync(hash);
        var outcome = receipt is null ? "not mined" : receipt.Status.Value == 1 ? "succeeded" : "reverted";
        return $"{outcome} at index {receipt?.TransactionIndex?.Value}, tip {tx.MaxPriorityFeePerGas?.Value}";
    }

    /// <summary>Transactions waiting in anvil's pool.</summary>
    public async Task<int> PendingCountAsync()
    {
        var status = await chain.Web3.Client.SendRequestAsync<Dictionary<string, HexBigInteger>>(
            new RpcRequest(Interlocked.Increment(ref _rpcId), "txpool_status")).WaitAsync(TimeSpan.FromSeconds(60));
        return (int)status["pending"].Value;
    }

    /// <summary>Mines <paramref name="blocks"/> empty blocks.</summary>
    public Task MineAsync(int blocks) => RpcAsync("anvil_mine", new HexBigInteger(blocks).HexValue);

    public async Task<BigInteger> BlockNumberAsync() => (await chain.Web3.Eth.Blocks.GetBlockNumber.SendRequestAsync()).Value;

    public Task RpcAsync(string method, params object[] args) =>
        chain.Web3.Client.SendRequestAsync(new RpcRequest(Interlocked.Increment(ref _rpcId), method, args))
            .WaitAsync(TimeSpan.FromSeconds(60));
}
