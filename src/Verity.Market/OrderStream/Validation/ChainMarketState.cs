using System.Numerics;
using Nethereum.JsonRpc.Client;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.Web3;
using Verity.Chain.Contracts;
using Verity.Chain.Rpc;

namespace Verity.Market.OrderStream.Validation;

/// <summary>
/// <see cref="IMarketState"/> read from the chain: the latest block's timestamp, and the market contract's
/// <c>balanceOf</c> and <c>requestStatus</c> through eth_call. Any RPC failure becomes a
/// <see cref="MarketStateUnavailableException"/> (503: the order may pass once the chain answers).
/// </summary>
public sealed class ChainMarketState(IWeb3 web3, MarketContract market) : IMarketState
{
    public Task<ulong> ChainTimeAsync(CancellationToken ct = default) => ReadAsync("the latest block", async () =>
    {
        var block = await web3.Eth.Blocks.GetBlockWithTransactionsHashesByNumber
            .SendRequestAsync(BlockParameter.CreateLatest()).WaitAsync(ct).ConfigureAwait(false);
        return (ulong)block.Timestamp.Value;
    });

    public Task<BigInteger> BalanceOfAsync(string address, CancellationToken ct = default) =>
        ReadAsync($"the market balance of {address}", () => market.BalanceOfAsync(address, ct).WaitAsync(ct));

    public Task<RequestStatus> RequestStatusAsync(BigInteger requestId, CancellationToken ct = default) =>
        ReadAsync($"the status of request {RequestId.Format(requestId)}", () => market.RequestStatusAsync(requestId, ct).WaitAsync(ct));

    private async Task<T> ReadAsync<T>(string what, Func<Task<T>> read)
    {
        try
        {
            return await read().ConfigureAwait(false);
        }
        catch (Exception e) when (e is ChainRpcException or RpcClientUnknownException or RpcClientTimeoutException or RpcResponseException
                                  or HttpRequestException or TimeoutException)
        {
            throw new MarketStateUnavailableException($"could not read {what} from market {market.Address}: {e.Message}", e);
        }
    }
}
