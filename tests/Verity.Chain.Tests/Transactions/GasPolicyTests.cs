using System.Numerics;
using Verity.Chain.Transactions;

namespace Verity.Chain.Tests.Transactions;

public class GasPolicyTests
{
    private static readonly BigInteger Gwei = 1_000_000_000;

    [Fact]
    public void GasLimitIsTheEstimateTimesOnePointTwoRoundedUp()
    {
        Assert.Equal(25_200, GasPolicy.GasLimit(21_000));
        Assert.Equal(12, GasPolicy.GasLimit(10));
        Assert.Equal(14, GasPolicy.GasLimit(11));   // 13.2 rounds up
        Assert.Equal(2, GasPolicy.GasLimit(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => GasPolicy.GasLimit(0));
    }

    [Fact]
    public void ABumpRaisesBothFeesByAtLeastTheBumpPercent()
    {
        var policy = new GasPolicy(new TransactionOptions());
        var bumped = policy.Bump("t", new Fees(8 * Gwei, 1 * Gwei), baseFee: 1 * Gwei, marketTip: 1 * Gwei);
        Assert.Equal(9 * Gwei, bumped.MaxFeePerGas);                  // 8 · 1.125
        Assert.Equal(1_125_000_000, bumped.MaxPriorityFeePerGas);
        Assert.Equal(3, policy.Bump("t", new Fees(2, 1), 0, 0).MaxFeePerGas);   // rounded up, never stuck
    }

    [Fact]
    public void ABumpFollowsTheMarketWhenItRoseMore()
    {
        var policy = new GasPolicy(new TransactionOptions());
        var bumped = policy.Bump("t", new Fees(3 * Gwei, 1 * Gwei), baseFee: 10 * Gwei, marketTip: 2 * Gwei);
        Assert.Equal(22 * Gwei, bumped.MaxFeePerGas);
        Assert.Equal(2 * Gwei, bumped.MaxPriorityFeePerGas);
    }

    [Fact]
    public void ABumpIsTrimmedToTheCapWhileThatStillReplacesAndRefusedBeyond()
    {
        var policy = new GasPolicy(new TransactionOptions { MaxFeePerGas = 10 * Gwei });
        var trimmed = policy.Bump("t", new Fees(8 * Gwei, 1 * Gwei), baseFee: 20 * Gwei, marketTip: 1 * Gwei);
        Assert.Equal(10 * Gwei, trimmed.MaxFeePerGas);

        var e = Assert.Throws<FeeCapExceededException>(() => policy.Bump("lock 0x1", new Fees(9 * Gwei, 1 * Gwei), 1 * Gwei, 1 * Gwei));
        Assert.Contains("lock 0x1", e.Message);
        Assert.Contains("above the configured cap of 10 gwei", e.Message);
    }

    [Fact]
    public void OptionsBelowWhatNodesAcceptAreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new GasPolicy(new TransactionOptions { BumpPercent = 5 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GasPolicy(new TransactionOptions { PollInterval = TimeSpan.Zero }));
    }
}
