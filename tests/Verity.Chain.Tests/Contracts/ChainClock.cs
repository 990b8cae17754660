using System.Numerics;
using Nethereum.JsonRpc.Client;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.Web3;

namespace Verity.Chain.Tests.Contracts;

/// <summary>anvil's clock, moved by the tests: evm_setNextBlockTimestamp pins the next block's time exactly.</summary>
public sealed class ChainClock(IWeb3 web3)
{
    private int _id;

    public async Task<ulong> LatestTimestampAsync()
    {
        var block = await web3.Eth.Blocks.GetBlockWithTransactionsHashesByNumber.SendRequestAsync(BlockParameter.CreateLatest());
        return (ulong)block.Timestamp.Value;
    }

    /// <summary>The next mined block (the next transaction's) gets exactly this timestamp.</summary>
    public Task SetNextAsync(ulong timestamp) =>
        web3.Client.SendRequestAsync(new RpcRequest(Interlocked.Increment(ref _id), "evm_setNextBlockTimestamp", timestamp));

    /// <summary>Mines an empty block at exactly <paramref name="timestamp"/>.</summary>
    public async Task MineAtAsync(ulong timestamp)
    {
        await SetNextAsync(timestamp);
        await web3.Client.SendRequestAsync(new RpcRequest(Interlocked.Increment(ref _id), "evm_mine"));
    }

    public async Task IncreaseAsync(ulong seconds)
    {
        await web3.Client.SendRequestAsync<object>(new RpcRequest(Interlocked.Increment(ref _id), "evm_increaseTime", seconds));
        await web3.Client.SendRequestAsync(new RpcRequest(Interlocked.Increment(ref _id), "evm_mine"));
    }

    public async Task<ulong> BlockTimestampAsync(BigInteger blockNumber)
    {
        var block = await web3.Eth.Blocks.GetBlockWithTransactionsHashesByNumber.SendRequestAsync(
            new BlockParameter(new Nethereum.Hex.HexTypes.HexBigInteger(blockNumber)));
        return (ulong)block.Timestamp.Value;
    }
}
