using System.Numerics;
using System.Text.Json;
using Nethereum.Contracts;
using Verity.Chain.Contracts;

namespace Verity.Cli.Tests.Market;

/// <summary>
/// Whole market life cycles through `verity` against anvil and a real node: submit → lock → prove through the node →
/// fulfil → paid; a batch fill; a missed lock slashed and fulfilled by another prover for the bounty; a refund; and the
/// refusals, each with its named reason and no balance changed. The tests share one chain and node: each uses its own
/// requests and checks balance changes, and the chain's clock only moves forward.
/// </summary>
[Collection(nameof(InProcessCli))]
public sealed class MarketLifecycleTests(MarketFixture market) : IClassFixture<MarketFixture>
{
    private static BigInteger Wei(JsonElement e, string name) => BigInteger.Parse(e.GetProperty(name).GetString()!);

    [Fact]
    public async Task A_request_is_locked_proved_through_the_node_fulfilled_and_the_prover_paid()
    {
        var requestorBefore = await market.BalanceAsync("requestor");
        var proverBefore = await market.BalanceAsync("prover");
        var stakeBefore = await market.StakeAsync("prover");

        string id = market.Submit();
        Assert.Equal("open", market.Json("request", "status", id).GetProperty("phase").GetString());
        var quoted = Wei(market.Json("proving", "price", id), "price");
        Assert.InRange(quoted, BigInteger.Pow(10, 15), BigInteger.Pow(10, 16));

        var locked = market.Json("proving", "lock", id, "--account", "prover");
        var price = Wei(locked, "price");
        Assert.Equal(stakeBefore - BigInteger.Pow(10, 18) * 2, await market.StakeAsync("prover"));
        Assert.Equal("locked", market.Json("request", "status", id).GetProperty("phase").GetString());

        var fill = market.Fulfill("prover", id);
        Assert.Equal("verified off chain by the prover; development verifier on chain", fill.GetProperty("verification").GetString());
        var filled = Assert.Single(fill.GetProperty("fulfilled").EnumerateArray());
        Assert.Equal(id, filled.GetProperty("request_id").GetString());
        Assert.Equal("6869", filled.GetProperty("journal_hex").GetString());

        Assert.Equal(proverBefore + price, await market.BalanceAsync("prover"));
        Assert.Equal(requestorBefore - price, await market.BalanceAsync("requestor"));
        Assert.Equal(stakeBefore, await market.StakeAsync("prover"));

        var (code, output, err) = market.Cli("request", "wait", id);
        Assert.True(code == 0, output + err);
        Assert.Contains("6869", output);
        Assert.Contains("\"hi\"", output);
        Assert.Contains("verified off chain by the prover; development verifier on chain", output);
        var listed = market.Json("request", "list", "--account", "requestor").GetProperty("requests").EnumerateArray()
            .Single(r => r.GetProperty("request_id").GetString() == id);
        Assert.Equal("fulfilled", listed.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Two_requests_are_fulfilled_in_one_transaction()
    {
        var proverBefore = await market.BalanceAsync("prover");
        string first = market.Submit(), second = market.Submit();
        var price = Wei(market.Json("proving", "lock", first, "--account", "prover"), "price")
                  + Wei(market.Json("proving", "lock", second, "--account", "prover"), "price");

        var fill = market.Json("proving", "fulfill", first, "--request-ids", second, "--account", "prover", "--node", market.NodeUrl,
            "--api-key", MarketFixture.ApiKey, "--po2", "8", "--params", "insecure-test");
        var transaction = fill.GetProperty("transaction").GetString()!;
        Assert.Equal([first, second], fill.GetProperty("fulfilled").EnumerateArray().Select(f => f.GetProperty("request_id").GetString()!).ToArray());
        var receipt = await market.Market.Web3.Eth.Transactions.GetTransactionReceipt.SendRequestAsync(transaction);
        Assert.Equal(2, receipt.DecodeAllEvents<RequestFulfilledEvent>().Count);
        Assert.Equal(proverBefore + price, await market.BalanceAsync("prover"));
        foreach (var id in new[] { first, second })
            Assert.Equal("fulfilled", market.Json("request", "status", id).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_lock_left_to_expire_is_slashed_and_prover2_fulfils_it_for_the_bounty()
    {
        string id = market.Submit("--lock-timeout", "30", "--timeout", "600");
        var requestorBefore = await market.BalanceAsync("requestor");
        var proverStake = await market.StakeAsync("prover");
        var prover2Stake = await market.StakeAsync("prover2");
        market.Json("proving", "lock", id, "--account", "prover");

        // Too early: the lock has not expired.
        var (early, _, earlyErr) = market.Cli("proving", "slash", id, "--account", "prover2");
        Assert.Equal(1, early);
        Assert.Contains("RequestLockIsNotExpired", earlyErr);

        await market.AdvanceAsync(60);
        Assert.Contains("slashable", market.Json("request", "status", id).GetProperty("phase").GetString());
        var slash = market.Json("proving", "slash", id, "--account", "prover2");
        var bounty = Wei(slash, "bounty");
        Assert.Equal(BigInteger.Pow(10, 18), bounty);   // half of the 2-token collateral; the other half burned
        Assert.Equal(BigInteger.Pow(10, 18), Wei(slash, "burned"));

        var fill = Assert.Single(market.Fulfill("prover2", id).GetProperty("fulfilled").EnumerateArray());
        Assert.Equal(bounty, Wei(fill, "bounty"));
        Assert.Equal(prover2Stake + bounty, await market.StakeAsync("prover2"));
        Assert.Equal(proverStake - BigInteger.Pow(10, 18) * 2, await market.StakeAsync("prover"));
        // The locked price went back to the requestor: the request cost nothing.
        Assert.Equal(requestorBefore, await market.BalanceAsync("requestor"));
    }

    [Fact]
    public async Task Nobody_fulfils_and_the_requestor_is_refunded_after_the_deadline()
    {
        string id = market.Submit("--lock-timeout", "20", "--timeout", "40");
        var requestorBefore = await market.BalanceAsync("requestor");
        var price = Wei(market.Json("proving", "lock", id, "--account", "prover"), "price");
        Assert.Equal(requestorBefore - price, await market.BalanceAsync("requestor"));

        var (early, _, earlyErr) = market.Cli("request", "refund", id, "--account", "requestor");
        Assert.Equal(1, early);
        Assert.Contains("RequestIsNotExpired", earlyErr);

        await market.AdvanceAsync(100);
        var (waited, _, waitErr) = market.Cli("request", "wait", id);
        Assert.Equal(1, waited);
        Assert.Contains("expired unfulfilled", waitErr);

        var refund = market.Json("request", "refund", id, "--account", "requestor");
        Assert.Equal(price, Wei(refund, "price"));
        Assert.Equal(requestorBefore, await market.BalanceAsync("requestor"));
        Assert.Equal("refunded", market.Json("request", "status", id).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_fill_after_the_deadline_a_second_lock_and_an_overdrawn_withdrawal_are_refused_by_name()
    {
        string id = market.Submit("--lock-timeout", "20", "--timeout", "40");
        market.Json("proving", "lock", id, "--account", "prover");
        var balances = await Balances();

        var (second, _, secondErr) = market.Cli("proving", "lock", id, "--account", "prover2");
        Assert.Equal(1, second);
        Assert.Contains("RequestIsLocked", secondErr);

        await market.AdvanceAsync(100);
        var (late, _, lateErr) = market.Cli("proving", "fulfill", id, "--account", "prover", "--node", market.NodeUrl, "--api-key", MarketFixture.ApiKey,
            "--po2", "8", "--params", "insecure-test");
        Assert.Equal(1, late);
        Assert.Contains("RequestIsExpired", lateErr);

        var (withdraw, _, withdrawErr) = market.Cli("account", "withdraw", "1000000ether", "--account", "prover");
        Assert.Equal(1, withdraw);
        Assert.Contains("InsufficientBalance", withdrawErr);
        var (unstake, _, unstakeErr) = market.Cli("account", "withdraw-stake", "1000000ether", "--account", "prover");
        Assert.Equal(1, unstake);
        Assert.Contains("InsufficientStake", unstakeErr);

        Assert.Equal(balances, await Balances());
        foreach (var err in new[] { secondErr, lateErr, withdrawErr, unstakeErr })
            Assert.Single(InProcessCli.Lines(err));
    }

    [Fact]
    public async Task An_unlocked_request_is_fulfilled_only_at_the_provers_stated_risk_and_then_through_a_commitment()
    {
        string id = market.Submit();
        var balances = await Balances();
        string[] fulfil = ["proving", "fulfill", id, "--account", "prover2", "--node", market.NodeUrl, "--api-key", MarketFixture.ApiKey,
            "--po2", "8", "--params", "insecure-test"];

        // Never locked and paying a price: refused before anything is proved or sent.
        var (refused, _, refusedErr) = market.Cli(fulfil);
        Assert.Equal(1, refused);
        Assert.Contains("is not locked", refusedErr);
        Assert.Contains("--unlocked-at-risk", refusedErr);
        Assert.Equal(balances, await Balances());

        // At the prover's risk: committed in one block, revealed in the next, paid the auction price of that block.
        var requestorBefore = await market.BalanceAsync("requestor");
        var proverBefore = await market.BalanceAsync("prover2");
        var fill = market.Json([.. fulfil, "--unlocked-at-risk"]);
        var filled = Assert.Single(fill.GetProperty("fulfilled").EnumerateArray());
        var payment = Wei(filled, "payment");
        Assert.True(payment > 0);
        Assert.Equal(proverBefore + payment, await market.BalanceAsync("prover2"));
        Assert.Equal(requestorBefore - payment, await market.BalanceAsync("requestor"));
        var committed = await market.Market.CommittedLogsAsync(Verity.Chain.Contracts.RequestId.TryParse(id, out var rid) ? rid : throw new FormatException(id));
        Assert.Single(committed);
    }

    [Fact]
    public async Task A_request_locked_by_another_prover_is_refused_before_proving()
    {
        string id = market.Submit();
        market.Json("proving", "lock", id, "--account", "prover");
        var locker = (await market.Market.RequestLockAsync(Verity.Chain.Contracts.RequestId.TryParse(id, out var rid) ? rid : throw new FormatException(id))).Prover;
        var balances = await Balances();
        // An in-time fill of someone else's lock pays the locker for this prover's proof: refused, nothing proved or sent.
        var (code, _, err) = market.Cli("proving", "fulfill", id, "--account", "prover2", "--node", market.NodeUrl, "--api-key", MarketFixture.ApiKey,
            "--po2", "8", "--params", "insecure-test", "--unlocked-at-risk");
        Assert.Equal(1, code);
        Assert.Contains($"is locked by {locker}", err, StringComparison.OrdinalIgnoreCase);
        Assert.Single(InProcessCli.Lines(err));
        Assert.Equal(balances, await Balances());
        Assert.Equal("locked", market.Json("request", "status", id).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Development_seals_are_refused_for_a_deployment_that_is_not_a_development_one()
    {
        string id = market.Submit();
        market.Json("proving", "lock", id, "--account", "prover");
        var file = Path.Combine(market.Dir, "production.json");
        (market.Deployment with { DevelopmentMode = false }).Save(file);
        var before = await Balances();
        var (code, _, err) = InProcessCli.Run("proving", "fulfill", id, "--account", "prover", "--deployment", file,
            "--node", market.NodeUrl, "--api-key", MarketFixture.ApiKey, "--po2", "8", "--params", "insecure-test");
        Assert.Equal(1, code);
        Assert.Contains("no on-chain STARK verifier exists yet", err);
        Assert.Equal(before, await Balances());
        Assert.Equal("locked", market.Json("request", "status", id).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_request_posted_to_the_order_stream_is_found_there_locked_proved_and_paid()
    {
        var proverBefore = await market.BalanceAsync("prover");
        string stream = market.OrderStreamUrl;
        var submitted = market.Json("request", "submit", market.Guest, "--account", "requestor", "--offchain", stream, "--max-price", "0.01ether",
            "--min-price", "0.001ether", "--ramp-up", "10", "--lock-timeout", "100", "--timeout", "300", "--collateral", "2ether");
        Assert.Equal("order-stream", submitted.GetProperty("published").GetString());
        string id = submitted.GetProperty("request_id").GetString()!;

        // Not on chain: without the order stream nobody finds it.
        var (code, _, err) = market.Cli("proving", "lock", id, "--account", "prover");
        Assert.Equal(1, code);
        Assert.Contains($"request {id} is unknown", err);
        var status = market.Json("request", "status", id, "--order-stream", stream);
        Assert.Equal("open", status.GetProperty("phase").GetString());
        Assert.StartsWith("order stream", status.GetProperty("found_in").GetString());

        var locked = market.Json("proving", "lock", id, "--account", "prover", "--order-stream", stream);
        Assert.StartsWith("order stream", locked.GetProperty("found_in").GetString());
        var price = Wei(locked, "price");
        market.Fulfill("prover", id);
        Assert.Equal(proverBefore + price, await market.BalanceAsync("prover"));
        var listed = market.Json("request", "list", "--account", "requestor", "--order-stream", stream).GetProperty("requests").EnumerateArray()
            .Single(r => r.GetProperty("request_id").GetString() == id);
        Assert.Equal("fulfilled", listed.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_receipt_file_or_an_existing_job_fulfils_and_a_receipt_for_another_input_is_rejected()
    {
        var receipt = Path.Combine(market.Dir, $"{Guid.NewGuid():N}.receipt");
        var (proved, provedOut, provedErr) = InProcessCli.Run("prove", market.Guest, "--po2", "8", "--params", "insecure-test", "-o", receipt);
        Assert.True(proved == 0, provedOut + provedErr);

        // The receipt proves the guest on the empty input: a request for the same guest on input 01 must not take it.
        string other = market.Submit("--input-hex", "01");
        market.Json("proving", "lock", other, "--account", "prover");
        var before = await market.BalanceAsync("prover");
        var (code, _, err) = market.Cli("proving", "fulfill", other, "--receipt", receipt, "--params", "insecure-test", "--account", "prover");
        Assert.Equal(1, code);
        Assert.Contains("the receipt is for another input than the request's", err);
        Assert.Equal(before, await market.BalanceAsync("prover"));

        string fromFile = market.Submit();
        var price = Wei(market.Json("proving", "lock", fromFile, "--account", "prover"), "price");
        market.Json("proving", "fulfill", fromFile, "--receipt", receipt, "--params", "insecure-test", "--account", "prover");
        Assert.Equal(before + price, await market.BalanceAsync("prover"));

        // An existing job's receipt (the job proved the request's guest and input on the node).
        var (submitted, jobOut, jobErr) = InProcessCli.Run("job", "submit", market.Guest, "--wait", "--po2", "8", "--params", "insecure-test",
            "--node", market.NodeUrl, "--api-key", MarketFixture.ApiKey, "-o", receipt, "--json");
        Assert.True(submitted == 0, jobOut + jobErr);
        using var job = JsonDocument.Parse(jobOut.Trim());
        string fromJob = market.Submit();
        price = Wei(market.Json("proving", "lock", fromJob, "--account", "prover2"), "price");
        var before2 = await market.BalanceAsync("prover2");
        market.Json("proving", "fulfill", fromJob, "--job", job.RootElement.GetProperty("job_id").GetString()!, "--account", "prover2", "--node", market.NodeUrl,
            "--api-key", MarketFixture.ApiKey);
        Assert.Equal(before2 + price, await market.BalanceAsync("prover2"));
    }

    private async Task<string> Balances()
    {
        var parts = new List<string>();
        foreach (var role in new[] { "requestor", "prover", "prover2" })
            parts.Add($"{role}: {await market.BalanceAsync(role)} / {await market.StakeAsync(role)}");
        return string.Join("; ", parts);
    }
}
