using System.Numerics;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.Web3;
using Verity.Chain.Contracts;

namespace Verity.Market.Devnet;

/// <summary>
/// The market's request events since a block, as the devnet's summary reads them (not the brokers' records), with the
/// block timestamp (chain time, unix seconds) of each request's first lock and first fulfilment.
/// </summary>
/// <param name="LockedAt">request id → timestamp of the block of its first RequestLocked (null: times not read).</param>
/// <param name="FulfilledAt">request id → timestamp of the block of its first RequestFulfilled.</param>
public sealed record MarketEventLog(
    IReadOnlyList<RequestLockedEvent> Locked,
    IReadOnlyList<RequestFulfilledEvent> Fulfilled,
    IReadOnlyList<ProverSlashedEvent> Slashed,
    IReadOnlyDictionary<BigInteger, ulong>? LockedAt = null,
    IReadOnlyDictionary<BigInteger, ulong>? FulfilledAt = null)
{
    public static MarketEventLog Empty { get; } = new([], [], []);

    /// <summary>Every RequestLocked, RequestFulfilled and ProverSlashed log of <paramref name="market"/> from <paramref name="fromBlock"/>.</summary>
    /// <param name="blockTimes">block number → timestamp, filled and reused across calls (a block's time never changes); null: a fresh one.</param>
    public static async Task<MarketEventLog> ReadAsync(IWeb3 web3, string market, ulong fromBlock, CancellationToken ct,
        IDictionary<ulong, ulong>? blockTimes = null)
    {
        blockTimes ??= new Dictionary<ulong, ulong>();
        var from = new BlockParameter(new Nethereum.Hex.HexTypes.HexBigInteger(fromBlock));
        async Task<IReadOnlyList<(T Event, ulong Block)>> All<T>() where T : Nethereum.ABI.FunctionEncoding.Attributes.IEventDTO, new()
        {
            var ev = web3.Eth.GetEvent<T>(market);
            var logs = await ev.GetAllChangesAsync(ev.CreateFilterInput(from, BlockParameter.CreateLatest())).WaitAsync(ct).ConfigureAwait(false);
            return [.. logs.Select(l => (l.Event, (ulong)l.Log.BlockNumber.Value))];
        }
        var locked = await All<RequestLockedEvent>().ConfigureAwait(false);
        var fulfilled = await All<RequestFulfilledEvent>().ConfigureAwait(false);
        var slashed = await All<ProverSlashedEvent>().ConfigureAwait(false);

        async Task<ulong> TimeOf(ulong block)
        {
            if (blockTimes.TryGetValue(block, out var t)) return t;
            var b = await web3.Eth.Blocks.GetBlockWithTransactionsHashesByNumber
                .SendRequestAsync(new Nethereum.Hex.HexTypes.HexBigInteger(block)).WaitAsync(ct).ConfigureAwait(false);
            return blockTimes[block] = (ulong)b.Timestamp.Value;
        }
        async Task<IReadOnlyDictionary<BigInteger, ulong>> FirstTimes(IEnumerable<(BigInteger Id, ulong Block)> events)
        {
            var times = new Dictionary<BigInteger, ulong>();
            foreach (var (id, block) in events)
                if (!times.ContainsKey(id)) times[id] = await TimeOf(block).ConfigureAwait(false);
            return times;
        }
        return new MarketEventLog([.. locked.Select(e => e.Event)], [.. fulfilled.Select(e => e.Event)], [.. slashed.Select(e => e.Event)],
            await FirstTimes(locked.Select(e => (e.Event.RequestId, e.Block))).ConfigureAwait(false),
            await FirstTimes(fulfilled.Select(e => (e.Event.RequestId, e.Block))).ConfigureAwait(false));
    }
}
