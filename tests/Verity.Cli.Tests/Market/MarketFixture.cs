using System.Numerics;
using System.Text;
using System.Text.Json;
using Verity.Chain.Anvil;
using Verity.Chain.Contracts;
using Verity.Chain.Rpc;
using Verity.Market.Devnet;
using Verity.Market.OrderStream.Server;
using Verity.Market.OrderStream.Storage;
using Verity.Market.OrderStream.Validation;
using Verity.Node.Configuration;
using Verity.Node.Hosting;

namespace Verity.Cli.Tests.Market;

/// <summary>
/// One market for a test class: an anvil of its own with the market deployed and the roles funded (DevnetSetup), its
/// deployment file in a temporary directory, both provers' stake deposited, and a real node with one embedded agent
/// that proves for real (tiny guest, small segments, the insecure test parameters: proofs take a moment).
/// </summary>
public sealed class MarketFixture : IAsyncLifetime
{
    public const string ApiKey = "market-e2e-key-0123456789abcdef";
    public static readonly BigInteger StakeDeposit = BigInteger.Pow(10, 18) * 100;

    private readonly string _dir = Directory.CreateTempSubdirectory("verity-market-e2e-").FullName;
    private AnvilProcess? _anvil;
    private RunningNode? _node;
    private IOrderStore? _store;
    private OrderStreamServer? _orderStream;

    public DevnetDeployment Deployment { get; private set; } = null!;
    public string DeploymentFile => Path.Combine(_dir, DevnetDeployment.FileName);
    public string Dir => _dir;
    public string RpcUrl => _anvil!.RpcUrl;
    public string NodeUrl => _node!.BaseAddress.ToString();
    /// <summary>An order stream (SQLite) that checks orders against this market.</summary>
    public string OrderStreamUrl => _orderStream!.BaseAddress.ToString();
    /// <summary>A guest that writes "hi" to its journal and exits with 0.</summary>
    public string Guest { get; private set; } = "";
    public MarketContract Market { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (AnvilProcess.Locate() is null) throw new InvalidOperationException("anvil not found: run scripts/install-chain-tools.sh (or set VERITY_ANVIL)");
        _anvil = await AnvilProcess.StartAsync();
        Deployment = await DevnetSetup.DeployAsync(_anvil.RpcUrl, CancellationToken.None);
        Deployment.Save(DeploymentFile);
        Market = new MarketContract(ChainRpc.CreateWeb3(_anvil.RpcUrl), Deployment.Addresses.Market);
        Guest = TinyGuest.Write(_dir);
        _store = await OrderStores.OpenAsync(Path.Combine(_dir, "orderstream"), postgres: null);
        _orderStream = await OrderStreamServer.StartAsync(new OrderStreamOptions { Listen = "http://127.0.0.1:0" }, _store,
            new OrderValidator(new RequestDigest(Deployment.ChainId, Deployment.Addresses.Market), new ChainMarketState(Market.Web3, Market), new OrderLimits()));
        _node = await NodeHost.StartAsync(new NodeOptions
        {
            DataDir = Path.Combine(_dir, "node"), Db = "sqlite", Blobs = "fs", Agents = 1, Listen = "http://127.0.0.1:0", ApiKeys = [ApiKey],
        }, DefaultComponents.Create(), _ => { });
        foreach (var role in new[] { "prover", "prover2" })
        {
            var (code, output, err) = Cli("account", "deposit-stake", StakeDeposit.ToString(), "--account", role);
            if (code != 0) throw new InvalidOperationException($"deposit-stake for {role} failed: {output}{err}");
        }
    }

    public async Task DisposeAsync()
    {
        if (_node != null) { await _node.StopAsync(); await _node.DisposeAsync(); }
        if (_orderStream != null) await _orderStream.DisposeAsync();
        if (_store != null) await _store.DisposeAsync();
        if (_anvil != null) await _anvil.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    public string Address(string role) => Deployment.Accounts[role].Address;

    /// <summary>`verity …` in this process against this market (its deployment file).</summary>
    public (int Code, string Out, string Err) Cli(params string[] args) =>
        InProcessCli.Run([.. args, "--deployment", DeploymentFile]);

    /// <summary>Like <see cref="Cli"/> with --json: the exit code must be 0; returns the JSON object printed.</summary>
    public JsonElement Json(params string[] args)
    {
        var (code, output, err) = Cli([.. args, "--json"]);
        Assert.True(code == 0, $"verity {string.Join(' ', args)} exited {code}: {output}{err}");
        using var doc = JsonDocument.Parse(output.Trim());
        return doc.RootElement.Clone();
    }

    /// <summary>Submits an on-chain request for the tiny guest as the requestor; returns its id.</summary>
    /// <param name="offer">flag/value pairs that replace the defaults (e.g. "--timeout", "50").</param>
    public string Submit(params string[] offer)
    {
        var flags = new Dictionary<string, string>
        {
            ["--max-price"] = "0.01ether", ["--min-price"] = "0.001ether", ["--ramp-up"] = "10", ["--lock-timeout"] = "100",
            ["--timeout"] = "300", ["--collateral"] = "2ether",
        };
        for (int i = 0; i + 1 < offer.Length; i += 2) flags[offer[i]] = offer[i + 1];
        return Json(["request", "submit", Guest, "--account", "requestor", .. flags.SelectMany(kv => new[] { kv.Key, kv.Value })])
            .GetProperty("request_id").GetString()!;
    }

    /// <summary>Proves through the node and fulfils as <paramref name="role"/>; returns the printed JSON.</summary>
    public JsonElement Fulfill(string role, params string[] ids) =>
        Json(["proving", "fulfill", .. ids, "--account", role, "--node", NodeUrl, "--api-key", ApiKey, "--po2", "8", "--params", "insecure-test"]);

    public Task<BigInteger> BalanceAsync(string role) => Market.BalanceOfAsync(Address(role));
    public Task<BigInteger> StakeAsync(string role) => Market.StakeBalanceOfAsync(Address(role));

    /// <summary>Moves the chain's clock: evm_increaseTime, then a block at the new time.</summary>
    public async Task AdvanceAsync(long seconds)
    {
        using var http = new HttpClient();
        foreach (var (method, args) in new[] { ("evm_increaseTime", $"[{seconds}]"), ("evm_mine", "[]") })
        {
            var body = $$"""{"jsonrpc":"2.0","id":1,"method":"{{method}}","params":{{args}}}""";
            var response = await http.PostAsync(RpcUrl, new StringContent(body, Encoding.UTF8, "application/json"));
            var text = await response.Content.ReadAsStringAsync();
            Assert.DoesNotContain("\"error\"", text);
        }
    }
}

/// <summary>The smallest guest: writes "hi" to the journal and exits with 0 (a hand-assembled RV32IM ELF).</summary>
internal static class TinyGuest
{
    /// <summary>Writes "hi" to the journal and exits 0 (only exit code 0 fulfils a request).</summary>
    public static string Write(string dir) => TinyElf.Write(Path.Combine(dir, "hi.elf"), exitCode: 0);
}
