using System.Numerics;
using Verity.Chain.Contracts;
using Verity.Chain.Transactions;

namespace Verity.Chain.Tests.Contracts;

/// <summary>Every balance a market call can move: market ETH and stake balances, token balances, totalSupply, the market's ETH.</summary>
public sealed record BalanceSnapshot(IReadOnlyDictionary<string, BigInteger> Values)
{
    public BigInteger this[string key] => Values[key];

    public static async Task<BalanceSnapshot> TakeAsync(MarketFixture chain, params string[] extraAccounts)
    {
        var market = chain.Market();
        var token = chain.Token();
        var values = new SortedDictionary<string, BigInteger>(StringComparer.Ordinal);
        var accounts = new[] { chain.Deployer.Address, chain.Requestor.Address, chain.Prover.Address, chain.Prover2.Address,
            chain.Stranger.Address }.Concat(extraAccounts);
        foreach (var a in accounts)
        {
            values[$"eth {a}"] = await market.BalanceOfAsync(a);
            values[$"stake {a}"] = await market.StakeBalanceOfAsync(a);
            values[$"token {a}"] = await token.BalanceOfAsync(a);
        }
        values["token market"] = await token.BalanceOfAsync(market.Address);
        values["totalSupply"] = await token.TotalSupplyAsync();
        values["wallet market"] = (await chain.Web3.Eth.GetBalance.SendRequestAsync(market.Address)).Value;
        return new BalanceSnapshot(values);
    }

    /// <summary>The keys whose values differ, with before → after.</summary>
    public static string Diff(BalanceSnapshot before, BalanceSnapshot after) => string.Join("; ",
        before.Values.Where(kv => after.Values[kv.Key] != kv.Value).Select(kv => $"{kv.Key}: {kv.Value} -> {after.Values[kv.Key]}"));
}

public static class Reverts
{
    /// <summary>The action reverts with the named error and no balance anywhere changed.</summary>
    public static async Task<ContractError> AssertUnchangedAsync(MarketFixture chain, string errorName, Func<Task> action)
    {
        var before = await BalanceSnapshot.TakeAsync(chain);
        var e = await Assert.ThrowsAsync<TransactionRevertedException>(action);
        var error = MarketErrors.Decode(e.RevertData);
        Assert.True(error?.Name == errorName, $"expected {errorName}, got {e.Reason}");
        var after = await BalanceSnapshot.TakeAsync(chain);
        Assert.True(BalanceSnapshot.Diff(before, after).Length == 0, $"{errorName} changed balances: {BalanceSnapshot.Diff(before, after)}");
        return error!;
    }
}
