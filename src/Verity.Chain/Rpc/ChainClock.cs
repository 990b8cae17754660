using Nethereum.RPC.Eth.DTOs;
using Nethereum.Web3;

namespace Verity.Chain.Rpc;

/// <summary>
/// The market's clock: block timestamps. "Now" is the earliest timestamp the next block can have — the latest
/// block's, or the wall clock when that is later: an idle devnet (anvil mines on demand) may not have mined for
/// minutes, and its next block takes the wall-clock time, so pricing, deadlines and new requests built from a stale
/// block would be minutes behind. A chain moved ahead (anvil's evm_increaseTime) keeps its own, later time.
/// </summary>
public static class ChainClock
{
    public static async Task<ulong> NowAsync(IWeb3 web3, TimeProvider? wall = null, CancellationToken ct = default)
    {
        var block = await web3.Eth.Blocks.GetBlockWithTransactionsHashesByNumber
            .SendRequestAsync(BlockParameter.CreateLatest()).WaitAsync(ct).ConfigureAwait(false);
        ulong latest = (ulong)block.Timestamp.Value;
        ulong clock = (ulong)(wall ?? TimeProvider.System).GetUtcNow().ToUnixTimeSeconds();
        return Math.Max(latest, clock);
    }
}
