using System.CommandLine;
using Verity.Market.Settings;

namespace Verity.Cli.Commands.Broker;

/// <summary>
/// Where a broker's chain, market and key come from (docs/BROKER.md §1): flags, else <c>VERITY_</c> environment, else
/// the devnet deployment file (signing as its prover). <c>--rpc-url</c> takes several URLs, comma-separated or repeated:
/// tried in order, the next one when a call fails.
/// </summary>
internal sealed class BrokerChainOptions
{
    public Option<string[]> RpcUrl { get; } = new("--rpc-url")
    {
        Description = $"Ethereum JSON-RPC URL(s), comma-separated or repeated, tried in order (default: ${MarketSettings.RpcUrlVariable}, the devnet)",
        AllowMultipleArgumentsPerToken = false,
    };
    public Option<string?> Market { get; } = new("--market") { Description = $"the market contract's address (default: ${MarketSettings.MarketAddressVariable}, the devnet)" };
    public Option<string?> OrderStream { get; } = new("--order-stream") { Description = $"the order stream's URL (default: ${MarketSettings.OrderStreamUrlVariable}, the devnet's when it runs one)" };
    public Option<string?> Account { get; } = new("--account") { Description = "sign as this devnet account: prover (the default on a devnet) or prover2" };
    public Option<FileInfo?> PrivateKeyFile { get; } = new("--private-key-file") { Description = $"a file holding the prover's private key in hex (default: ${MarketSettings.PrivateKeyVariable})" };
    public Option<FileInfo?> Deployment { get; } = new("--deployment") { Description = "a devnet deployment file (default: the one `verity devnet up` wrote, when it exists)" };
    public Option<bool> ListenOnly { get; } = new("--listen-only") { Description = "evaluate and log decisions; send no transaction" };

    public IEnumerable<Option> All => [RpcUrl, Market, OrderStream, Account, PrivateKeyFile, Deployment, ListenOnly];

    public void AddTo(Command command)
    {
        foreach (var o in All) command.Options.Add(o);
    }

    public MarketSettings Resolve(ParseResult r)
    {
        var urls = RpcUrls(r.GetValue(RpcUrl) ?? []);
        // Joined: MarketSettings checks each URL and keeps them in order (RpcUrls).
        return MarketSettings.Resolve(new MarketSettingsSources
        {
            RpcUrl = urls.Count > 0 ? string.Join(',', urls) : null,
            MarketAddress = r.GetValue(Market),
            OrderStreamUrl = r.GetValue(OrderStream),
            Account = r.GetValue(Account),
            DefaultRole = "prover",
            PrivateKeyFile = r.GetValue(PrivateKeyFile)?.FullName,
            DeploymentFile = r.GetValue(Deployment)?.FullName,
        });
    }

    /// <summary>The URLs of repeated and comma-separated values, in order, each checked.</summary>
    /// <exception cref="CliException">one is not an absolute http(s) URL.</exception>
    public static List<string> RpcUrls(IEnumerable<string> values)
    {
        var urls = new List<string>();
        foreach (var value in values)
            foreach (var url in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                    throw new CliException($"--rpc-url '{url}' is not an http(s) URL.");
                urls.Add(url);
            }
        return urls;
    }
}
