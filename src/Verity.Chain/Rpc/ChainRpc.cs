using Microsoft.Extensions.Logging;
using Nethereum.Web3;

namespace Verity.Chain.Rpc;

/// <summary>Creates Nethereum clients for an RPC URL that retry transient failures (<see cref="ChainRpcClient"/>).</summary>
public static class ChainRpc
{
    /// <summary>The JSON-RPC client for <paramref name="url"/>.</summary>
    /// <exception cref="FormatException">not an http(s) URL.</exception>
    public static ChainRpcClient CreateClient(string url, RpcRetryPolicy? policy = null, ILogger? logger = null) =>
        new(RpcEndpoint.Parse(url), policy, logger);

    /// <summary>A <see cref="Web3"/> over <see cref="CreateClient"/>; it signs nothing (keys stay with the sender).</summary>
    public static Web3 CreateWeb3(string url, RpcRetryPolicy? policy = null, ILogger? logger = null) =>
        new(CreateClient(url, policy, logger));

    /// <summary>eth_chainId, as a first check that the endpoint answers.</summary>
    public static async Task<ulong> GetChainIdAsync(IWeb3 web3) =>
        (ulong)(await web3.Eth.ChainId.SendRequestAsync().ConfigureAwait(false)).Value;
}
