using System.Numerics;
using System.Text.RegularExpressions;
using Verity.Broker.Config;

namespace Verity.Broker.Tests.Config;

public sealed class BrokerConfigLoaderTests
{
    private static BrokerConfig Parse(string text)
    {
        var (config, warnings) = BrokerConfigLoader.Parse(text);
        Assert.Empty(warnings);
        return config;
    }

    private static IReadOnlyList<string> Problems(string text) =>
        Assert.Throws<BrokerConfigException>(() => BrokerConfigLoader.Parse(text)).Problems;

    [Fact]
    public void AnEmptyFileGivesTheDefaults()
    {
        Assert.Empty(BrokerConfigDiff.Changes(BrokerConfig.Default, Parse("")));
        Assert.Empty(BrokerConfigDiff.Changes(BrokerConfig.Default, Parse("[market]\n[prover]\n[batcher]\n")));
    }

    [Fact]
    public void ReadsEveryKey()
    {
        const string text = """
            [market]
            mcycle_price = "0.00002 ETH"
            max_collateral = "7 VSTK"
            peak_prove_khz = 512.5
            max_mcycle_limit = 9000
            min_mcycle_limit = 3
            max_journal_bytes = 2048
            min_deadline = 400
            max_order_expiry_secs = 7200
            lookback_blocks = 50
            events_poll_ms = 250
            events_poll_blocks = 40
            priority_requestor_addresses = ["0xF39Fd6e51aad88F6F4ce6aB8827279cffFb92266"]
            allow_client_addresses = ["0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"]
            deny_requestor_addresses = ["0x90F79bf6EB2c4f870365E785982E1f101E93b906"]
            max_file_size = 1000
            max_fetch_retries = 5
            fetch_timeout_secs = 90
            cache_dir = "/tmp/cache"
            lockin_gas_estimate = 1
            fulfill_gas_estimate = 2
            commit_fulfillment_gas_estimate = 3
            fulfill_journal_gas_per_byte = 4
            skip_gas_profitability_check = true
            expected_probability_win_secondary_fulfillment = 75
            secondary_fulfillment = false
            balance_warn_threshold = "1 ETH"
            balance_error_threshold = "0.5"
            collateral_balance_warn_threshold = 100
            collateral_balance_error_threshold = "10 VSTK"
            max_concurrent_proofs = 0
            max_concurrent_preflights = 4
            order_pricing_priority = "observation_time"
            order_commitment_priority = "cycle_price"
            cancel_proving_expired_orders = true
            quote_url = "https://quotes.example/v1/quote"
            quote_timeout_ms = 1500

            [prover]
            status_poll_ms = 100
            req_retry_count = 4
            req_retry_sleep_ms = 200
            proof_retry_count = 2
            proof_retry_sleep_ms = 300
            max_critical_task_retries = 5
            reaper_interval_secs = 20
            reaper_grace_period_secs = 30
            segment_po2 = 20
            parameters = "fast"
            skipped_retention_hours = 48

            [batcher]
            batch_max_time = 10
            min_batch_size = 2
            max_batch_size = 32
            batch_max_journal_bytes = 5000
            block_deadline_buffer_secs = 120
            txn_timeout = 60
            batch_poll_time_ms = 500
            max_submission_attempts = 4
            submit_retry_delay_ms = 100
            """;
        var c = Parse(text);
        // Every key moved off its default: one change per key.
        Assert.Equal(BrokerConfigKeys.All.Count, BrokerConfigDiff.Changes(BrokerConfig.Default, c).Count);

        var m = c.Market;
        Assert.Equal(BigInteger.Parse("20000000000000"), m.McyclePrice);
        Assert.Equal(BigInteger.Parse("7000000000000000000"), m.MaxCollateral);
        Assert.Equal(512.5, m.PeakProveKhz);
        Assert.Equal(9000, m.MaxMcycleLimit);
        Assert.Equal(400, m.MinDeadlineSeconds);
        Assert.Equal(["0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"], m.PriorityRequestorAddresses);
        Assert.Equal(["0x70997970c51812dc3a010c7d01b50e0d17dc79c8", "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc"], m.AllowClientAddresses);
        Assert.Equal("/tmp/cache", m.CacheDir);
        Assert.Equal(BigInteger.Parse("500000000000000000"), m.BalanceErrorThreshold);
        Assert.Equal(BigInteger.Parse("100000000000000000000"), m.CollateralBalanceWarnThreshold);
        Assert.Equal(0, m.MaxConcurrentProofs);
        Assert.Equal(PricingPriority.ObservationTime, m.OrderPricingPriority);
        Assert.Equal(CommitmentPriority.CyclePrice, m.OrderCommitmentPriority);
        Assert.Equal(new Uri("https://quotes.example/v1/quote"), m.QuoteUrl);
        Assert.Equal(20, c.Prover.SegmentPo2);
        Assert.Equal("fast", c.Prover.Parameters);
        Assert.Equal(120, c.Batcher.BlockDeadlineBufferSeconds);
        Assert.Equal(60, c.Batcher.TxnTimeoutSeconds);
    }

    [Theory]
    [InlineData("\"0.00001 ETH\"", "10000000000000")]
    [InlineData("\"0.00001 eth\"", "10000000000000")]
    [InlineData("\"2 gwei\"", "2000000000")]
    [InlineData("\"123 wei\"", "123")]
    [InlineData("\"0.5\"", "500000000000000000")]
    [InlineData("1", "1000000000000000000")]
    [InlineData("0.00001", "10000000000000")]
    [InlineData("1_000", "1000000000000000000000")]
    public void ReadsPricesExactly(string value, string wei) =>
        Assert.Equal(BigInteger.Parse(wei), Parse($"[market]\nmcycle_price = {value}\n").Market.McyclePrice);

    [Theory]
    [InlineData("\"5 VSTK\"", "5000000000000000000")]
    [InlineData("\"2.5 vstk\"", "2500000000000000000")]
    [InlineData("5", "5000000000000000000")]
    [InlineData("\"0.1\"", "100000000000000000")]
    [InlineData("\"7 wei\"", "7")]
    public void ReadsCollateralInStakeTokens(string value, string units) =>
        Assert.Equal(BigInteger.Parse(units), Parse($"[market]\nmax_collateral = {value}\n").Market.MaxCollateral);

    [Fact]
    public void TakesTheOldPriceKeyAsAnAlias()
    {
        Assert.Equal(BigInteger.Parse("3000000000"), Parse("[market]\nmin_mcycle_price = \"3 gwei\"\n").Market.McyclePrice);
        var problems = Problems("[market]\nmcycle_price = \"1 gwei\"\nmin_mcycle_price = \"3 gwei\"\n");
        Assert.Equal(["broker.toml:3: [market] min_mcycle_price: set again (line 2 set mcycle_price)"], problems);
    }

    [Theory]
    [InlineData("market", "max_concurrent_proofs = -1", "must be ≥ 0, not -1")]
    [InlineData("market", "max_concurrent_preflights = 0", "must be ≥ 1, not 0")]
    [InlineData("market", "max_concurrent_proofs = \"2\"", "must be an integer, not a string")]
    [InlineData("market", "expected_probability_win_secondary_fulfillment = 101", "must be between 0 and 100, not 101")]
    [InlineData("market", "max_journal_bytes = 3000000000", "must be ≤ 2147483647, not 3000000000")]
    [InlineData("market", "peak_prove_khz = 0", "must be a positive number, not 0")]
    [InlineData("market", "peak_prove_khz = -2.5", "must be a positive number, not -2.5")]
    [InlineData("market", "secondary_fulfillment = \"yes\"", "must be true or false, not a string")]
    [InlineData("market", "mcycle_price = \"1.5 dollars\"", "'1.5 dollars' is not an amount")]
    [InlineData("market", "mcycle_price = \"-1 gwei\"", "'-1 gwei' is not an amount")]
    [InlineData("market", "mcycle_price = \"0.5 wei\"", "wei has no fractions")]
    [InlineData("market", "max_collateral = \"5 ETH\"", "'5 ETH' is not an amount of stake tokens")]
    [InlineData("market", "priority_requestor_addresses = [\"0x1234\"]", "item 1 (\"0x1234\") is not an address (0x and 40 hex digits)")]
    [InlineData("market", "deny_requestor_addresses = \"0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266\"", "must be an array of addresses, not a string")]
    [InlineData("market", "quote_url = \"quotes.example/quote\"", "'quotes.example/quote' is not an absolute http(s) URL")]
    [InlineData("market", "quote_url = \"ftp://quotes.example/quote\"", "is not an absolute http(s) URL")]
    [InlineData("market", "order_pricing_priority = \"fastest\"", "must be one of \"random\", \"observation_time\", \"shortest_expiry\", not \"fastest\"")]
    [InlineData("market", "cache_dir = \"\"", "must not be empty")]
    [InlineData("prover", "segment_po2 = 30", "must be between 4 and 24, not 30")]
    [InlineData("batcher", "max_batch_size = 65", "must be between 1 and 64, not 65")]
    [InlineData("batcher", "txn_timeout = 0", "must be ≥ 1, not 0")]
    public void NamesTheLineSectionAndKeyOfABadValue(string section, string line, string problem)
    {
        var problems = Problems($"# broker\n[{section}]\n{line}\n");
        var key = line[..line.IndexOf(' ', StringComparison.Ordinal)];
        var only = Assert.Single(problems);
        Assert.StartsWith($"broker.toml:3: [{section}] {key}: ", only);
        Assert.Contains(problem, only);
    }

    [Fact]
    public void ListsEveryProblemAtOnce()
    {
        var e = Assert.Throws<BrokerConfigException>(() => BrokerConfigLoader.Parse("""
            [market]
            max_concurrent_proofs = -1
            mcycle_price = "cheap"
            [batcher]
            min_batch_size = 10
            max_batch_size = 5
            txn_timeout = 0
            """, "my.toml"));
        Assert.Equal(4, e.Problems.Count);
        Assert.StartsWith("my.toml:2: [market] max_concurrent_proofs: must be ≥ 0", e.Problems[0]);
        Assert.StartsWith("my.toml:3: [market] mcycle_price: 'cheap' is not an amount", e.Problems[1]);
        Assert.StartsWith("my.toml:7: [batcher] txn_timeout: must be ≥ 1", e.Problems[2]);
        Assert.Equal("my.toml:5: [batcher] min_batch_size: must be ≤ max_batch_size (5)", e.Problems[3]);
        foreach (var p in e.Problems) Assert.Contains(p, e.Message);
    }

    [Fact]
    public void ChecksKeysThatGoTogether()
    {
        Assert.Equal(["broker.toml:2: [market] min_mcycle_limit: must be ≤ max_mcycle_limit (8000)"],
            Problems("[market]\nmin_mcycle_limit = 9000\n"));
        Assert.Equal(["broker.toml:3: [market] balance_error_threshold: must be ≤ balance_warn_threshold (1000000000000000000): the error threshold is the lower one"],
            Problems("[market]\nbalance_warn_threshold = \"1 ETH\"\nbalance_error_threshold = \"2 ETH\"\n"));
        Assert.Equal(["broker.toml:3: [batcher] min_batch_size: must be ≤ max_batch_size (2)"],
            Problems("[batcher]\nmax_batch_size = 2\nmin_batch_size = 3\n"));
    }

    [Fact]
    public void WarnsAboutUnknownKeysAndSectionsWithTheirLine()
    {
        var (config, warnings) = BrokerConfigLoader.Parse("""
            stray = 1
            [market]
            peak_prove_mhz = 5
            max_concurrent_proofs = 3
            [market.pricing_overrides]
            x = 1
            [gpu]
            count = 2
            """);
        Assert.Equal(3, config.Market.MaxConcurrentProofs);
        Assert.Equal(4, warnings.Count);
        Assert.Contains(warnings, w => w.StartsWith("broker.toml:1: stray: unknown key outside a section", StringComparison.Ordinal));
        Assert.Contains("broker.toml:3: [market] peak_prove_mhz: unknown key (ignored)", warnings);
        Assert.Contains(warnings, w => w.StartsWith("broker.toml:5: [market.pricing_overrides]: unknown section", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.StartsWith("broker.toml:7: [gpu]: unknown section", StringComparison.Ordinal));
    }

    [Fact]
    public void ReportsSyntaxErrorsWithTheirLine()
    {
        var problems = Problems("[market]\nmax_concurrent_proofs = 1\nmcycle_price =\n");
        Assert.NotEmpty(problems);
        Assert.All(problems, p => Assert.Matches(@"^broker\.toml:\d+: ", p));
        Assert.StartsWith("broker.toml:3: ", problems[0]);
    }

    [Fact]
    public void AMissingFileIsAClearError()
    {
        var path = Path.Combine(Path.GetTempPath(), $"verity-no-such-{Guid.NewGuid():N}", "broker.toml");
        var e = Assert.Throws<BrokerConfigException>(() => BrokerConfigLoader.Load(path));
        Assert.Equal($"{path}: no such file (docs/broker.example.toml lists every key with its default)", Assert.Single(e.Problems));
    }

    [Fact]
    public void LoadsAFileAndNamesItInProblems()
    {
        var dir = Directory.CreateTempSubdirectory("verity-broker-config-");
        try
        {
            var path = Path.Combine(dir.FullName, "node-broker.toml");
            File.WriteAllText(path, "[market]\nmax_concurrent_proofs = 4\n");
            Assert.Equal(4, BrokerConfigLoader.Load(path).Config.Market.MaxConcurrentProofs);
            File.WriteAllText(path, "[market]\nmax_concurrent_proofs = -4\n");
            Assert.StartsWith("node-broker.toml:2: [market] max_concurrent_proofs:",
                Assert.Single(Assert.Throws<BrokerConfigException>(() => BrokerConfigLoader.Load(path)).Problems));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void TheExampleFileListsEveryKeyWithItsDefault()
    {
        string example = File.ReadAllText(RepoFile("docs/broker.example.toml"));
        // As shipped (everything commented): the defaults, no warnings.
        Assert.Empty(BrokerConfigDiff.Changes(BrokerConfig.Default, Parse(example)));

        var keyLine = new Regex(@"^#([a-z0-9_]+) = ", RegexOptions.Multiline);
        var listed = keyLine.Matches(example).Select(m => m.Groups[1].Value).ToHashSet();
        foreach (var key in BrokerConfigKeys.All) Assert.True(listed.Contains(key.Name), $"docs/broker.example.toml does not list {key.Name}");

        // Uncommenting every default line changes nothing; uncommenting the examples too still parses.
        string Uncomment(bool examples) => string.Join('\n', example.Split('\n').Select(l =>
            keyLine.IsMatch(l) && (examples || !l.Contains("unset by default", StringComparison.Ordinal)) ? l[1..] : l));
        Assert.Empty(BrokerConfigDiff.Changes(BrokerConfig.Default, Parse(Uncomment(examples: false))));
        var withExamples = Parse(Uncomment(examples: true));
        Assert.Equal(500, withExamples.Market.PeakProveKhz);
    }

    [Fact]
    public void TheBrokerDocsListEveryKey()
    {
        string docs = File.ReadAllText(RepoFile("docs/BROKER.md"));
        foreach (var key in BrokerConfigKeys.All)
            Assert.True(docs.Contains($"| `{key.Name}` |", StringComparison.Ordinal), $"docs/BROKER.md §5 does not list {key.Name}");
    }

    private static string RepoFile(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, relative);
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException($"{relative} not found above {AppContext.BaseDirectory}");
    }
}
