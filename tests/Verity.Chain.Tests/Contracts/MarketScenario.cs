using System.Numerics;
using Nethereum.RPC.Eth.DTOs;
using Verity.Chain.Contracts;

namespace Verity.Chain.Tests.Contracts;

/// <summary>Shared steps: fund the requestor and provers, make a signed request whose bidding starts now.</summary>
public sealed class MarketScenario(MarketFixture chain)
{
    public MarketFixture Chain => chain;

    public async Task FundAsync(BigInteger requestorWei, BigInteger proverStake)
    {
        if (requestorWei > 0) await chain.Market(chain.Requestor).DepositAsync(requestorWei);
        foreach (var p in new[] { chain.Prover, chain.Prover2 })
        {
            if (proverStake <= 0) continue;
            await chain.Token(p).FaucetAsync(proverStake);
            await chain.Market(p).DepositStakeAsync(proverStake);
        }
    }

    /// <summary>A signed request whose auction starts <paramref name="startOffset"/> s after the latest block.</summary>
    public async Task<(ProofRequest Request, byte[] Signature, byte[] Journal)> NewRequestAsync(long startOffset = 10,
        Action<ProofRequest>? change = null)
    {
        var index = chain.NextIndex();
        var journal = Requests.Journal(index);
        var now = await chain.Clock.LatestTimestampAsync();
        var request = Requests.Create(chain.Requestor.Address, index, journal, (ulong)((long)now + startOffset));
        change?.Invoke(request);
        return (request, chain.Digest.Sign(request, MarketFixture.DevKeys[1]), journal);
    }

    public async Task<ulong> TimestampOf(TransactionReceipt receipt) => await chain.Clock.BlockTimestampAsync(receipt.BlockNumber.Value);
}
