using Verity.Broker.Cluster;
using Verity.Broker.Config;
using Verity.Broker.Store;

namespace Verity.Broker;

/// <summary>How <see cref="BrokerHost.StartAsync"/> runs a broker (docs/BROKER.md §1).</summary>
public sealed record BrokerOptions
{
    /// <summary>Ethereum RPC URLs, tried in order (the next one when one fails).</summary>
    public required IReadOnlyList<string> RpcUrls { get; init; }
    /// <summary>The prover's key (hex); never logged or put in a message.</summary>
    public required string PrivateKey { get; init; }
    public required string MarketAddress { get; init; }
    public string? OrderStreamUrl { get; init; }
    public required BrokerConfigSource Config { get; init; }
    /// <summary>The broker's tables; migrated by StartAsync. The caller owns it (disposes it after the broker).</summary>
    public required IBrokerStore Store { get; init; }
    public required IProvingCluster Cluster { get; init; }
    /// <summary>Discover, preflight and price; log and store each decision; send no transaction.</summary>
    public bool ListenOnly { get; init; }
    /// <summary>A devnet (chain 31337, development verifier): development seals allowed. Required unless listen-only.</summary>
    public bool Development { get; init; }
    /// <summary>Where fetched images and inputs are cached; null = none.</summary>
    public string? CacheDir { get; init; }
    /// <summary>
    /// The meter factory of the instance the broker reports to (its node's, or the standalone broker's), so its
    /// metrics join that instance's /metrics only; null: an unscoped meter (nothing exports it unless asked).
    /// </summary>
    public System.Diagnostics.Metrics.IMeterFactory? Meters { get; init; }
    /// <summary>How each RPC endpoint's transient failures are retried and how long one request may take; null = the default.</summary>
    public Verity.Chain.Rpc.RpcRetryPolicy? RpcPolicy { get; init; }
}
