using Verity.Cli.Tests.Market;

namespace Verity.Cli.Tests.Broker;

/// <summary>
/// `verity bench requests` preflights and proves existing market requests through a real node and recommends
/// peak_prove_khz from the slowest (no timing is asserted: the figures must be consistent with each other).
/// </summary>
[Collection(nameof(InProcessCli))]
public sealed class BenchRequestsTests(MarketFixture market) : IClassFixture<MarketFixture>
{
    [Fact]
    public void Measures_each_request_and_recommends_three_quarters_of_the_slowest()
    {
        string first = market.Submit();
        string second = market.Submit();
        var report = market.Json("bench", "requests", "--request-ids", $"{first},{second}", "--node", market.NodeUrl, "--api-key", MarketFixture.ApiKey,
            "--po2", "8", "--params", "insecure-test");
        var rows = report.GetProperty("requests").EnumerateArray().ToList();
        Assert.Equal([first, second], rows.Select(r => r.GetProperty("request_id").GetString()));
        foreach (var row in rows)
        {
            Assert.True(row.GetProperty("cycles").GetInt64() > 0);
            double khz = row.GetProperty("khz").GetDouble();
            Assert.Equal(row.GetProperty("cycles").GetInt64() / row.GetProperty("prove_seconds").GetDouble() / 1000, khz, 6);
        }
        double worst = rows.Min(r => r.GetProperty("khz").GetDouble());
        Assert.Equal(worst, report.GetProperty("worst_khz").GetDouble(), 6);
        Assert.Equal(Math.Floor(worst * 0.75 * 10) / 10, report.GetProperty("recommended_peak_prove_khz").GetDouble(), 6);
    }

    [Fact]
    public void An_unknown_request_is_one_error_line()
    {
        var (code, _, err) = market.Cli("bench", "requests", "--request-ids", "0x1234", "--node", market.NodeUrl, "--api-key", MarketFixture.ApiKey);
        Assert.Equal(1, code);
        Assert.StartsWith("error: ", err.Trim());
    }
}
