using Nethereum.RPC.Eth.DTOs;
using Nethereum.Web3;
using Verity.Chain.Contracts;

namespace Verity.Market.Devnet;

/// <summary>The market's request events since a block, as the devnet's summary reads them (not the brokers' records).</summary>
public sealed record MarketEventLog(
    IReadOnlyList<RequestLockedEvent> Locked,
    IReadOnlyList<RequestFulfilledEvent> Fulfilled,
    IReadOnlyList<ProverSlashedEvent> Slashed)
{
    public static MarketEventLog Empty { get; } = new([], [], []);

    /// <summary>Every RequestLocked, RequestFulfilled and ProverSlashed log of <paramref name="market"/> from <paramref name="fromBlock"/>.</summary>
    public static async Task<MarketEventLog> ReadAsync(IWeb3 web3, string market, ulong fromBlock, CancellationToken ct)
    {
        var from = new BlockParameter(new Nethereum.Hex.HexTypes.HexBigInteger(fromBlock));
        async Task<IReadOnlyList<T>> All<T>() where T : Nethereum.ABI.FunctionEncoding.Attributes.IEventDTO, new()
        {
            var ev = web3.Eth.GetEvent<T>(market);
            var logs = await ev.GetAllChangesAsync(ev.CreateFilterInput(from, BlockParameter.CreateLatest())).WaitAsync(ct).ConfigureAwait(false);
            return [.. logs.Select(l => l.Event)];
        }
        return new MarketEventLog(await All<RequestLockedEvent>().ConfigureAwait(false), await All<RequestFulfilledEvent>().ConfigureAwait(false),
            await All<ProverSlashedEvent>().ConfigureAwait(false));
    }
}
