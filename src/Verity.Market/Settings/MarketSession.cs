using System.Numerics;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.Web3;
using Verity.Chain.Accounts;
using Verity.Chain.Contracts;
using Verity.Chain.Rpc;
using Verity.Chain.Transactions;
using Verity.Market.Devnet;

namespace Verity.Market.Settings;

/// <summary>
/// A connection to the market the settings name: the RPC client (with retries), the chain id, the market contract, and —
/// when a key is needed — the sender that signs for it. Creating one checks that a contract is at the market address.
/// </summary>
public sealed class MarketSession
{
    private readonly ChainKey? _key;

    private MarketSession(MarketSettings settings, IWeb3 web3, BigInteger chainId, MarketContract market, ChainKey? key)
    {
        Settings = settings;
        Web3 = web3;
        ChainId = chainId;
        Market = market;
        _key = key;
    }

    public MarketSettings Settings { get; }
    public IWeb3 Web3 { get; }
    public BigInteger ChainId { get; }
    /// <summary>The market, with the signer's sender when the session has a key.</summary>
    public MarketContract Market { get; }
    /// <summary>The signer's address (throws when the session has no key).</summary>
    public string Address => Key.Address;
    public ChainKey Key => _key ?? throw new MarketSettingsException("this command needs a private key");
    public DevnetDeployment? Deployment => Settings.Deployment;

    /// <summary>Where to start reading the market's events: its deployment block when known.</summary>
    public BlockParameter FromBlock => Settings.Deployment is { } d
        ? new BlockParameter(new Nethereum.Hex.HexTypes.HexBigInteger(d.DeploymentBlock)) : BlockParameter.CreateEarliest();

    /// <param name="withKey">parse the key and create a sender (for commands that send transactions or sign).</param>
    public static async Task<MarketSession> OpenAsync(MarketSettings settings, bool withKey, CancellationToken ct)
    {
        string rpc = settings.RequireRpcUrl();
        string market = settings.RequireMarketAddress();
        ChainKey? key = withKey ? ParseKey(settings) : null;
        var web3 = ChainRpc.CreateWeb3(rpc);
        var chainId = await ChainRpc.GetChainIdAsync(web3).WaitAsync(ct).ConfigureAwait(false);
        var code = await web3.Eth.GetCode.SendRequestAsync(market).WaitAsync(ct).ConfigureAwait(false);
        if (string.IsNullOrEmpty(code) || code == "0x")
            throw new MarketSettingsException($"no contract at market address {market} on chain {chainId}: check --market / {MarketSettings.MarketAddressVariable} (a restarted devnet needs `verity devnet up` again)");
        ITransactionSender? sender = key is null ? null
            : new TransactionSender(web3, key, chainId, describeRevert: data => MarketErrors.Describe(data));
        return new MarketSession(settings, web3, chainId, new MarketContract(web3, market, sender), key);
    }

    private static ChainKey ParseKey(MarketSettings settings)
    {
        string text = settings.RequirePrivateKey();
        try { return ChainKey.Parse(text, settings.KeySource ?? "the private key"); }
        catch (FormatException e) { throw new MarketSettingsException(e.Message); }
    }

    /// <summary>The market's clock now: the latest block's timestamp, or the wall clock when an idle chain lags it (<see cref="ChainClock"/>).</summary>
    public Task<ulong> ChainTimeAsync(CancellationToken ct) => ChainClock.NowAsync(Web3, ct: ct);

    /// <summary>The signer's signature over the request's EIP-712 digest for this market and chain.</summary>
    public byte[] Sign(ProofRequest request) => Key.SignDigest(new RequestDigest(ChainId, Market.Address).Hash(request));

    public async Task<VerifierRouterContract> RouterAsync(CancellationToken ct) =>
        new(Web3, await Market.RouterAddressAsync(ct).ConfigureAwait(false));
}
