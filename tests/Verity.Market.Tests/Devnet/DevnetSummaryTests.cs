using System.Numerics;
using Nethereum.JsonRpc.Client;
using Nethereum.Web3;
using Verity.Chain.Accounts;
using Verity.Chain.Contracts;
using Verity.Chain.Rpc;
using Verity.Chain.Tests.Anvil;
using Verity.Chain.Transactions;
using Verity.Guests;
using Verity.Market.Devnet;
using Verity.Market.Requests;

namespace Verity.Market.Tests.Devnet;

/// <summary>
/// The devnet summary's arithmetic over a scripted market on a real anvil: requests submitted, locked, fulfilled and
/// slashed by hand with <see cref="MarketContract"/> (dev account #1 requests; #2 and #3 prove), the chain's clock
/// moved with evm_increaseTime, then <see cref="DevnetSummary"/> computed from the market's logs.
/// </summary>
public sealed class DevnetSummaryTests(AnvilFixture anvil) : IClassFixture<AnvilFixture>
{
    private static readonly BigInteger Token = BigInteger.Pow(10, 18);
    private readonly NonceManagers _nonces = new();

    private TransactionSender Sender(IWeb3 web3, BigInteger chainId, int account) =>
        new(web3, ChainKey.Parse(AnvilFixture.DevKeys[account], $"dev account #{account}"), chainId, describeRevert: MarketErrors.Describe,
            nonceManagers: _nonces);

    [Fact]
    public async Task The_summary_counts_what_the_market_logs_say()
    {
        var web3 = ChainRpc.CreateWeb3(anvil.RpcUrl);
        var chainId = (BigInteger)await ChainRpc.GetChainIdAsync(web3);
        var deployed = await MarketDeployment.DeployAsync(Sender(web3, chainId, 0), developmentVerifier: true);
        var domain = new RequestDigest(chainId, deployed.Market);
        var requestorKey = ChainKey.Parse(AnvilFixture.DevKeys[1], "requestor");
        var requestor = new MarketContract(web3, deployed.Market, Sender(web3, chainId, 1));
        var p1 = new MarketContract(web3, deployed.Market, Sender(web3, chainId, 2));
        var p2 = new MarketContract(web3, deployed.Market, Sender(web3, chainId, 3));
        foreach (var (prover, account) in new[] { (p1, 2), (p2, 3) })
        {
            await new StakeTokenContract(web3, deployed.StakeToken, Sender(web3, chainId, account)).FaucetAsync(100 * Token);
            await prover.DepositStakeAsync(100 * Token);
        }
        await requestor.DepositAsync(Token);

        async Task<ulong> Now() => (ulong)(await web3.Eth.Blocks.GetBlockWithTransactionsHashesByNumber
            .SendRequestAsync(Nethereum.RPC.Eth.DTOs.BlockParameter.CreateLatest())).Timestamp.Value;
        async Task Advance(ulong seconds)
        {
            await web3.Client.SendRequestAsync(new RpcRequest(1, "evm_increaseTime", seconds));
            await web3.Client.SendRequestAsync(new RpcRequest(2, "evm_mine"));
        }

        var submitted = new List<SubmittedRequest>();
        var built = new List<(ProofRequest Request, byte[] Signature, byte[] Journal)>();
        async Task Submit(uint lockTimeout, uint timeout)
        {
            var now = await Now();
            var b = RequestBuilder.Build(new RequestPlan
            {
                Elf = ExampleGuests.Sha256, ImageUrl = "http://127.0.0.1:9/guests/sha256.elf", Input = [(byte)built.Count],
                MinPrice = 1000, MaxPrice = 100_000, RampUpSeconds = 0, LockTimeoutSeconds = lockTimeout, TimeoutSeconds = timeout,
                LockCollateral = 2 * Token, Selector = DevelopmentSeal.Selector, BiddingDelaySeconds = 0,
            }, requestorKey.Address, now);
            var signature = requestorKey.SignDigest(domain.Hash(b.Request));
            await requestor.SubmitRequestAsync(b.Request, signature);
            built.Add((b.Request, signature, b.Journal));
            submitted.Add(new SubmittedRequest(b.Request.Id, "sha256", false, false, b.Cycles, b.Request.Offer.LockDeadline, b.Request.Offer.Deadline, now));
        }
        Fulfillment Fill(int i) => new()
        {
            Request = built[i].Request, ClientSignature = built[i].Signature, Journal = built[i].Journal,
            Seal = DevelopmentSeal.Create(built[i].Request.Requirements.ImageId, built[i].Journal),
        };

        // A: locked by P1 and fulfilled in time by P1.     B: locked by P2, lock expires, slashed, fulfilled by P1 (bounty).
        // C: never locked, expires.                        D: locked by P1, expires unfulfilled, slashed.
        // E: locked by P2, still within its lock window when the summary is taken.
        for (int i = 0; i < 4; i++) await Submit(lockTimeout: 100, timeout: 400);
        await p1.LockRequestAsync(built[0].Request, built[0].Signature);
        await p2.LockRequestAsync(built[1].Request, built[1].Signature);
        await p1.LockRequestAsync(built[3].Request, built[3].Signature);
        await p1.FulfillAsync([Fill(0)]);
        var paidA = (await p1.FulfilledLogsAsync(built[0].Request.Id))[0].Event.Payment;

        await Advance(150);   // past the lock deadlines of A..D
        var beforeSlash = DevnetSummary.Compute(submitted, await MarketEventLog.ReadAsync(web3, deployed.Market, 0, default), await Now(), []);
        Assert.Equal([RequestOutcomeState.Fulfilled, RequestOutcomeState.LockExpired, RequestOutcomeState.Open, RequestOutcomeState.LockExpired],
            beforeSlash.Requests.Select(r => r.State));
        Assert.False(beforeSlash.AllEnded);

        await requestor.SlashAsync(built[1].Request.Id);
        await requestor.SlashAsync(built[3].Request.Id);
        await p1.FulfillAsync([Fill(1)]);
        await Advance(300);   // past every deadline
        await Submit(lockTimeout: 100, timeout: 400);
        await p2.LockRequestAsync(built[4].Request, built[4].Signature);

        var summary = DevnetSummary.Compute(submitted, await MarketEventLog.ReadAsync(web3, deployed.Market, 0, default), await Now(),
            [p1.Sender!.Address, p2.Sender!.Address]);

        Assert.Equal([RequestOutcomeState.Fulfilled, RequestOutcomeState.Fulfilled, RequestOutcomeState.Expired, RequestOutcomeState.Expired,
            RequestOutcomeState.Locked], summary.Requests.Select(r => r.State));
        Assert.Equal((5, 4, 2, 2, 2, 1), (summary.Submitted, summary.Locked, summary.Fulfilled, summary.Slashed, summary.ExpiredUnfulfilled, summary.Lost));
        Assert.False(summary.AllEnded);   // E is still locked
        var (s1, s2) = (summary.Provers[0], summary.Provers[1]);
        Assert.Equal((p1.Sender.Address, 2, 2), (s1.Address, s1.Locks, s1.Fulfilled));
        Assert.Equal((p2.Sender.Address, 2, 0, BigInteger.Zero), (s2.Address, s2.Locks, s2.Fulfilled, s2.EarnedWei));
        // P1 earned A's lock price; B, fulfilled after its slashed lock expired, paid the bounty (half of 2 tokens) instead.
        Assert.Equal(paidA, s1.EarnedWei);
        Assert.True(paidA > 0);
        Assert.Equal(Token, s1.BountyTokens);

        // Latency from block timestamps: A was locked and fulfilled before the clock moved 150 s; B was fulfilled after it.
        var (a, b, c) = (summary.Requests[0], summary.Requests[1], summary.Requests[2]);
        Assert.InRange(a.SubmitToLockedSeconds!.Value, 0, 149);
        Assert.InRange(a.SubmitToFulfilledSeconds!.Value, a.SubmitToLockedSeconds.Value, 149);
        Assert.True(b.SubmitToFulfilledSeconds >= 150, $"B fulfilled {b.SubmitToFulfilledSeconds} s after submission");
        Assert.Null(c.SubmitToLockedSeconds);
        Assert.Null(c.SubmitToFulfilledSeconds);
        Assert.Equal(2, summary.FeasibleSlashed);   // B and D: the test's requests are all feasible ones
        Assert.Equal(2, summary.Latency.SubmitToFulfilled.Count);
        Assert.Equal(b.SubmitToFulfilledSeconds, summary.Latency.SubmitToFulfilled.Max);

        // The brokers' records: matched by request id and the prover paid (P2's record of A is not A's fulfiller's).
        var timed = summary.WithBrokerTimings([
            new BrokerOrderTiming(a.Id, p2.Sender.Address, 9, 9),
            new BrokerOrderTiming(a.Id, p1.Sender.Address.ToUpperInvariant().Replace("0X", "0x"), 0.5, 0.25),
        ]);
        Assert.Equal((0.5, 0.25), (timed.Requests[0].PreflightSeconds, timed.Requests[0].ProvingSeconds));
        Assert.Equal(a.SubmitToFulfilledSeconds - 0.25, timed.Requests[0].OverheadSeconds);
        Assert.Null(timed.Requests[1].ProvingSeconds);
        Assert.Equal(1, timed.Latency.Proving.Count);

        var json = System.Text.Json.JsonSerializer.Serialize(timed.ToJson());
        foreach (var key in new[] { "\"submitted\":5", "\"locked\":4", "\"fulfilled\":2", "\"slashed\":2", "\"expired_unfulfilled\":2", "\"lost\":1",
                     "\"earned_wei\":", "\"feasible_slashed\":2", "\"proving_s\":{\"count\":1,\"median\":0.25,\"max\":0.25}" })
            Assert.Contains(key, json);
    }
}
