using System.Numerics;
using Nethereum.JsonRpc.Client;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.Signer;
using Nethereum.Web3;
using Verity.Chain.Contracts;
using Verity.Chain.Transactions;

namespace Verity.Market.Benchmarks;

/// <summary>Gas used per market operation (verification by the development verifier included; it is cheap).</summary>
/// <param name="FulfillSingle">gas of an in-time fill of one locked request (no commitment needed).</param>
/// <param name="FulfillBatch8PerFill">gas of one fulfill of 8 locked requests, divided by 8.</param>
/// <param name="CommitFulfillment">gas of commitFulfillment for one request: an unlocked (open-path) fill needs it in an
/// earlier block, so an unlocked fill costs <paramref name="CommitFulfillment"/> + <paramref name="FulfillUnlocked"/>.</param>
/// <param name="FulfillUnlocked">gas of the fill of one never-locked request after its commitment (the commitment's
/// storage is cleared, which refunds part of it).</param>
public sealed record MarketGasReport(
    long Deposit, long SubmitRequest, long LockRequest, long FulfillSingle,
    long FulfillBatch8PerFill, long FulfillBatch32PerFill, long CommitFulfillment, long FulfillUnlocked, long Slash, long Refund)
{
    /// <summary>What an unlocked fill costs in all: the commit and the fill.</summary>
    public long UnlockedTotal => CommitFulfillment + FulfillUnlocked;
}

/// <summary>
/// Deploys a fresh market on an anvil chain (it uses anvil's well-known development keys #0 and #1 and moves the chain's
/// clock with evm_increaseTime) and measures the gas of each operation from its receipt.
/// </summary>
public static class MarketGasBenchmark
{
    // anvil's development accounts #0 (deployer, requestor) and #1 (prover); public test keys, never real funds.
    private const string RequestorKey = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
    private const string ProverKey = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

    /// <param name="senderFor">makes a transaction sender for a private key on the chain (the real TransactionSender).</param>
    public static async Task<MarketGasReport> RunAsync(string rpcUrl, Func<string, BigInteger, ITransactionSender> senderFor,
        CancellationToken ct = default)
    {
        var web3 = new Web3(rpcUrl);
        var chainId = (await web3.Eth.ChainId.SendRequestAsync().WaitAsync(ct)).Value;
        if (chainId != Verity.Chain.Anvil.AnvilProcess.DevelopmentChainId)
            throw new InvalidOperationException($"the market gas benchmark runs on anvil (chain 31337), not chain {chainId}");
        var requestor = senderFor(RequestorKey, chainId);
        var prover = senderFor(ProverKey, chainId);
        var addresses = await MarketDeployment.DeployAsync(requestor, ct: ct);
        var asRequestor = new MarketContract(web3, addresses.Market, requestor);
        var asProver = asRequestor.With(prover);
        var digest = await asRequestor.RequestDigestAsync(ct);
        var key = new EthECKey(RequestorKey);
        uint index = 0;

        var oneEth = BigInteger.Pow(10, 18);
        var deposit = await asRequestor.DepositAsync(oneEth, ct);
        await new StakeTokenContract(web3, addresses.StakeToken, prover).FaucetAsync(1000 * oneEth, ct);
        await asProver.DepositStakeAsync(1000 * oneEth, ct);

        async Task<(ProofRequest Request, byte[] Signature, byte[] Journal)> NewRequest()
        {
            var i = ++index;
            var journal = System.Text.Encoding.UTF8.GetBytes($"benchmark journal {i}");
            var now = (ulong)(await web3.Eth.Blocks.GetBlockWithTransactionsHashesByNumber
                .SendRequestAsync(BlockParameter.CreateLatest()).WaitAsync(ct)).Timestamp.Value;
            var request = new ProofRequest
            {
                Id = RequestId.Create(requestor.Address, i),
                Requirements = new Requirements
                {
                    ImageId = System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(i)),
                    Predicate = new Predicate { PredicateType = (byte)PredicateType.DigestMatch, Data = ClaimDigest.Journal(journal) },
                    Selector = DevelopmentSeal.Selector,
                },
                ImageUrl = "https://example.org/guest.elf",
                Input = new RequestInput { InputType = (byte)InputType.Inline, Data = new byte[64] },
                Offer = new Offer
                {
                    MinPrice = 1_000_000_000, MaxPrice = 2_000_000_000, BiddingStart = now, RampUpPeriod = 100,
                    LockTimeout = 1000, Timeout = 2000, LockCollateral = oneEth,
                },
            };
            return (request, digest.Sign(request, key), journal);
        }

        async Task<long> FulfillLocked(int count)
        {
            var fills = new List<Fulfillment>();
            for (int i = 0; i < count; i++)
            {
                var (r, sig, journal) = await NewRequest();
                await asProver.LockRequestAsync(r, sig, ct);
                fills.Add(new Fulfillment { Request = r, Journal = journal, Seal = DevelopmentSeal.Create(r.Requirements.ImageId, journal) });
            }
            return Gas(await asProver.FulfillAsync(fills, ct)) / count;
        }

        var (submitted, submittedSig, _) = await NewRequest();
        var submit = await asRequestor.SubmitRequestAsync(submitted, submittedSig, 0, ct);
        var (locked, lockedSig, _) = await NewRequest();
        var lockGas = Gas(await asProver.LockRequestAsync(locked, lockedSig, ct));
        var single = await FulfillLocked(1);
        var batch8 = await FulfillLocked(8);
        var batch32 = await FulfillLocked(32);

        // An unlocked fill: commit (one block), then the fill (a later block).
        var (open, openSig, openJournal) = await NewRequest();
        Fulfillment[] openFills = [new Fulfillment
        {
            Request = open, ClientSignature = openSig, Journal = openJournal,
            Seal = DevelopmentSeal.Create(open.Requirements.ImageId, openJournal),
        }];
        var commit = Gas(await asProver.CommitFulfillmentAsync([open.Id], FulfillmentCommitment.Compute(prover.Address, openFills), ct));
        var unlocked = Gas(await asProver.SendFulfillAsync(openFills, ct));

        // `locked` is never fulfilled: slash it after its lock deadline, refund it after its deadline.
        await IncreaseTimeAsync(web3, 1001, ct);
        var slash = Gas(await asRequestor.SlashAsync(locked.Id, ct));
        await IncreaseTimeAsync(web3, 1000, ct);
        var refund = Gas(await asRequestor.RefundAsync(locked.Id, ct));

        return new MarketGasReport(Gas(deposit), Gas(submit), lockGas, single, batch8, batch32, commit, unlocked, slash, refund);
    }

    private static long Gas(TransactionReceipt receipt) => (long)receipt.GasUsed.Value;

    private static async Task IncreaseTimeAsync(Web3 web3, ulong seconds, CancellationToken ct)
    {
        await web3.Client.SendRequestAsync<object>(new RpcRequest(1, "evm_increaseTime", seconds)).WaitAsync(ct);
        await web3.Client.SendRequestAsync(new RpcRequest(2, "evm_mine")).WaitAsync(ct);
    }
}
