using System.CommandLine;
using System.Numerics;
using Verity.Chain.Contracts;
using Verity.Market.Requests;
using Verity.Market.Settings;

namespace Verity.Cli.Commands.Market;

/// <summary>
/// The options every market command shares: where the chain and the market are (<c>--rpc-url</c>, <c>--market</c>,
/// <c>--order-stream</c>), who signs (<c>--account</c>, <c>--private-key-file</c>), the files they may come from
/// (<c>--config</c>, <c>--deployment</c>) and <c>--json</c>. The environment and the files fill what the flags leave out.
/// </summary>
/// <param name="defaultRole">the devnet role that signs when no key is given (requestor, prover), or null.</param>
internal sealed class MarketOptions(string? defaultRole = null)
{
    public Option<string?> RpcUrl { get; } = new("--rpc-url") { Description = $"Ethereum JSON-RPC URL (default: ${MarketSettings.RpcUrlVariable}, the config file, the devnet)" };
    public Option<string?> Market { get; } = new("--market") { Description = $"the market contract's address (default: ${MarketSettings.MarketAddressVariable}, the config file, the devnet)" };
    public Option<string?> OrderStream { get; } = new("--order-stream") { Description = $"the order stream's URL (default: ${MarketSettings.OrderStreamUrlVariable}, the config file)" };
    public Option<string?> Account { get; } = new("--account")
    {
        Description = "sign as this devnet account: requestor, prover or prover2 (keys from the deployment file)"
            + (defaultRole is null ? "" : $"; default on the devnet: {defaultRole}"),
    };
    public Option<FileInfo?> PrivateKeyFile { get; } = new("--private-key-file") { Description = $"a file holding the private key in hex (default: ${MarketSettings.PrivateKeyVariable})" };
    public Option<FileInfo?> Config { get; } = new("--config") { Description = "a JSON file with rpcUrl, marketAddress, orderStreamUrl, privateKey or privateKeyFile" };
    public Option<FileInfo?> Deployment { get; } = new("--deployment") { Description = "a devnet deployment file (default: the one `verity devnet up` wrote, when it exists)" };
    public Option<bool> Json { get; } = new("--json") { Description = "print one JSON object" };

    public void AddTo(Command command)
    {
        foreach (var o in new Option[] { RpcUrl, Market, OrderStream, Account, PrivateKeyFile, Config, Deployment, Json }) command.Options.Add(o);
    }

    public MarketSettings Resolve(ParseResult r) => MarketSettings.Resolve(new MarketSettingsSources
    {
        RpcUrl = r.GetValue(RpcUrl),
        MarketAddress = r.GetValue(Market),
        OrderStreamUrl = r.GetValue(OrderStream),
        Account = r.GetValue(Account),
        DefaultRole = defaultRole,
        PrivateKeyFile = r.GetValue(PrivateKeyFile)?.FullName,
        ConfigFile = r.GetValue(Config)?.FullName,
        DeploymentFile = r.GetValue(Deployment)?.FullName,
    });

    public static Argument<string> RequestIdArgument() => new("id") { Description = "the request id (0x-hex, as `request submit` printed it, or decimal)" };

    /// <summary>Checks an id before anything touches the network, so a typo is a plain error.</summary>
    public static BigInteger ParseRequestId(string text) =>
        RequestId.TryParse(text, out var id) ? id
            : throw new CliException($"'{text}' is not a request id (0x and up to 48 hex digits, or a decimal number below 2^192).");

    public static BigInteger ParseAmount(string text, string what)
    {
        try
        {
            var value = EthAmount.Parse(text, what);
            return value.IsZero ? throw new CliException($"{what} must be more than zero.") : value;
        }
        catch (FormatException e) { throw new CliException(e.Message); }
    }
}
