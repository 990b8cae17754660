using System.Diagnostics;

namespace Verity.Cli.Tests.Market;

/// <summary>
/// Bad input to the market commands: malformed and unknown ids, a bad key, an unreachable RPC, missing settings — each
/// one line on stderr naming the problem, a non-zero exit, and never a key in the output.
/// </summary>
[Collection(nameof(InProcessCli))]
public sealed class MarketInputErrorTests(MarketFixture market) : IClassFixture<MarketFixture>
{
    private const string Key = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

    [Theory]
    [InlineData("request", "status", "0xzz")]
    [InlineData("proving", "lock", "12ab")]
    [InlineData("proving", "price", "-5")]
    [InlineData("request", "wait", "0x1234567890123456789012345678901234567890123456789")]
    public void A_malformed_request_id_is_refused_before_the_chain_is_asked(string group, string command, string id)
    {
        var (code, output, err) = market.Cli(group, command, id, "--account", "prover");
        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Equal($"error: '{id}' is not a request id (0x and up to 48 hex digits, or a decimal number below 2^192).", Assert.Single(InProcessCli.Lines(err)));
    }

    [Theory]
    [InlineData("request", "status")]
    [InlineData("proving", "lock")]
    [InlineData("proving", "price")]
    public void An_unknown_request_id_is_named(string group, string command)
    {
        string id = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8000000ff";
        var (code, _, err) = market.Cli(group, command, id, "--account", "prover");
        Assert.Equal(1, code);
        Assert.Contains($"request {id} is unknown", Assert.Single(InProcessCli.Lines(err)));
    }

    [Fact]
    public void A_bad_key_file_is_named_and_never_echoed()
    {
        var file = Path.Combine(market.Dir, "bad.key");
        File.WriteAllText(file, Key[..^2] + "zz");
        var (code, output, err) = market.Cli("account", "deposit", "1gwei", "--private-key-file", file);
        Assert.Equal(1, code);
        Assert.Contains("--private-key-file: not a private key", Assert.Single(InProcessCli.Lines(err)));
        Assert.DoesNotContain(Key[2..40], output + err);
    }

    [Fact]
    public void Bad_amounts_and_addresses_name_the_argument()
    {
        var (code, _, err) = market.Cli("account", "deposit", "1.5wei", "--account", "requestor");
        Assert.Equal(1, code);
        Assert.Contains("amount '1.5wei': wei has no fractions", err);
        (code, _, err) = market.Cli("account", "balance", "0x1234");
        Assert.Equal(1, code);
        Assert.Contains("'0x1234' is not an Ethereum address", err);
        (code, _, err) = market.Cli("request", "submit", market.Guest, "--max-price", "1gwei", "--min-price", "2gwei", "--account", "requestor");
        Assert.Equal(1, code);
        Assert.Contains("minPrice must be between 0 and maxPrice", err);
    }

    [Fact]
    public void An_unreachable_rpc_is_named_by_host_and_port()
    {
        int port = DevnetProcessTests.FreePort();
        var (code, _, err) = market.Cli("account", "balance", "--account", "prover", "--rpc-url", $"http://127.0.0.1:{port}");
        Assert.Equal(1, code);
        var line = Assert.Single(InProcessCli.Lines(err));
        Assert.Contains($"127.0.0.1:{port}", line);
    }

    [Fact]
    public void Missing_settings_name_the_flag_and_the_variable()
    {
        // A separate process: no VERITY_* variables and no default devnet file (XDG_DATA_HOME points to an empty directory).
        var (code, output, err) = Isolated("request", "status", "0x01");
        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Equal("error: no Ethereum RPC URL: give --rpc-url or set VERITY_RPC_URL (or start a devnet with `verity devnet up`)", Assert.Single(InProcessCli.Lines(err)));

        (code, _, err) = Isolated("account", "deposit", "1gwei", "--rpc-url", market.RpcUrl, "--market", market.Deployment.Addresses.Market);
        Assert.Equal(1, code);
        Assert.Contains("no private key: give --account requestor|prover|prover2 (devnet), --private-key-file, or set VERITY_PRIVATE_KEY", err);

        (code, _, err) = Isolated("proving", "lock", "0x01", "--account", "prover");
        Assert.Equal(1, code);
        Assert.Contains("--account prover: no devnet deployment file", err);
    }

    private (int Code, string Out, string Err) Isolated(params string[] args)
    {
        var home = Path.Combine(market.Dir, "isolated");
        Directory.CreateDirectory(home);
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = home };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "verity.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var name in new[] { "VERITY_RPC_URL", "VERITY_PRIVATE_KEY", "VERITY_MARKET_ADDRESS", "VERITY_ORDER_STREAM_URL" }) psi.Environment.Remove(name);
        psi.Environment["XDG_DATA_HOME"] = Path.Combine(home, "xdg");
        psi.Environment["NO_COLOR"] = "1";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(2))) { p.Kill(true); throw new TimeoutException("verity did not exit"); }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
