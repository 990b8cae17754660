using Verity.Broker.Orders;

namespace Verity.Cli.Tests.Broker;

/// <summary>
/// The broker's command line without a market: a bad broker.toml or missing chain settings stop `verity node --broker`
/// and `verity broker` before anything starts (exit 2, one line per problem naming the key and line); `verity orders`
/// against a node without a broker says so.
/// </summary>
[Collection(nameof(InProcessCli))]
public sealed class BrokerCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"verity-broker-cli-{Guid.NewGuid():N}");

    public BrokerCommandTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Toml(string text)
    {
        string path = Path.Combine(_dir, "broker.toml");
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>A market no devnet deployment describes: no devnet key applies, so the key must be given.</summary>
    private static string[] Isolated(params string[] args) => [.. args, "--market", "0x0000000000000000000000000000000000000001"];

    [Fact]
    public void A_bad_broker_toml_stops_verity_node_with_every_problem_and_its_line_before_the_node_starts()
    {
        string toml = Toml("[market]\nmax_concurrent_proofs = -1\nmcycle_price = \"lots\"\n\n[batcher]\nmin_batch_size = 0\n");
        string dataDir = Path.Combine(_dir, "node");
        var (code, _, err) = InProcessCli.Run(["node", "--broker", toml, "--data-dir", dataDir, "--listen", "http://127.0.0.1:0"]);
        Assert.Equal(2, code);
        var lines = InProcessCli.Lines(err);
        Assert.Contains(lines, l => l.StartsWith("error: ") && l.Contains("broker.toml:2:") && l.Contains("max_concurrent_proofs"));
        Assert.Contains(lines, l => l.Contains("broker.toml:3:") && l.Contains("mcycle_price"));
        Assert.Contains(lines, l => l.Contains("broker.toml:6:") && l.Contains("min_batch_size"));
        Assert.DoesNotContain("   at ", err);
        Assert.False(Directory.Exists(dataDir), "the node started although its broker could not");
    }

    [Fact]
    public void A_missing_broker_toml_is_a_clear_error()
    {
        var (code, _, err) = InProcessCli.Run(["node", "--broker", Path.Combine(_dir, "nope.toml"), "--data-dir", Path.Combine(_dir, "node")]);
        Assert.Equal(2, code);
        Assert.Contains("nope.toml", err);
    }

    [Fact]
    public void Verity_node_broker_without_a_market_names_the_missing_setting()
    {
        string toml = Toml("[market]\nmax_concurrent_proofs = 1\n");
        var (code, _, err) = InProcessCli.Run(Isolated("node", "--broker", toml, "--data-dir", Path.Combine(_dir, "node"), "--rpc-url", "http://127.0.0.1:1"));
        Assert.Equal(2, code);
        Assert.Contains("no private key", err);
    }

    [Fact]
    public void A_bad_rpc_url_in_a_fallback_list_is_named()
    {
        string toml = Toml("");
        var (code, _, err) = InProcessCli.Run(Isolated("node", "--broker", toml, "--rpc-url", "http://127.0.0.1:1,ftp://x"));
        Assert.Equal(2, code);
        Assert.Contains("ftp://x", err);
    }

    [Fact]
    public void Standalone_broker_reports_a_bad_config_the_same_way()
    {
        string toml = Toml("[prover]\nsegment_po2 = 99\n[nonsense]\nx = 1\n");
        var (code, _, err) = InProcessCli.Run(Isolated("broker", "--config", toml, "--node", "http://127.0.0.1:1", "--api-key", "k"));
        Assert.Equal(2, code);
        Assert.Contains("broker.toml:2:", err);
        Assert.Contains("segment_po2", err);
    }

    [Fact]
    public void Orders_reasons_lists_every_code_with_its_meaning()
    {
        var (code, output, _) = InProcessCli.Run(["orders", "reasons"]);
        Assert.Equal(0, code);
        foreach (var (reason, meaning) in ReasonCodes.All) Assert.Contains($"{reason}  {meaning}", output);
    }

    [Fact]
    public void Orders_against_an_unreachable_node_is_one_error_line()
    {
        var (code, _, err) = InProcessCli.Run(["orders", "list", "--node", "http://127.0.0.1:1", "--api-key", "k"]);
        Assert.Equal(1, code);
        Assert.StartsWith("error: ", err.Trim());
        Assert.DoesNotContain("   at ", err);
    }
}
