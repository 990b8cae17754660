using System.Numerics;
using Verity.Market.Requests;

namespace Verity.Cli.Tests.Market;

public sealed class EthAmountTests
{
    [Theory]
    [InlineData("1000", "1000")]
    [InlineData("5gwei", "5000000000")]
    [InlineData("0.01ether", "10000000000000000")]
    [InlineData("1.5 ETH", "1500000000000000000")]
    [InlineData("0.000000000000000001ether", "1")]
    [InlineData(".5gwei", "500000000")]
    [InlineData("12wei", "12")]
    [InlineData("2.50gwei", "2500000000")]
    public void Parses_wei_and_units_exactly(string text, string wei) =>
        Assert.Equal(BigInteger.Parse(wei), EthAmount.Parse(text, "--max-price"));

    [Theory]
    [InlineData("", "no number")]
    [InlineData("ether", "no number")]
    [InlineData("1.2.3", "not an amount")]
    [InlineData("-5", "not an amount")]
    [InlineData("1e18", "not an amount")]
    [InlineData("0.0000000000000000001ether", "more than 18 decimals")]
    [InlineData("1.5wei", "wei has no fractions")]
    [InlineData("5 finney", "not an amount")]
    public void Refuses_what_is_not_an_amount_naming_the_flag(string text, string problem)
    {
        var e = Assert.Throws<FormatException>(() => EthAmount.Parse(text, "--max-price"));
        Assert.StartsWith($"--max-price '{text}'", e.Message);
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void Formats_exactly() =>
        Assert.Equal("1.000000000000000001 ETH", EthAmount.Format(BigInteger.Pow(10, 18) + 1));
}
