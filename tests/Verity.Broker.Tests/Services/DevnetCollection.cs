namespace Verity.Broker.Tests.Services;

/// <summary>
/// The classes that deploy a devnet and run brokers on it run one at a time, alone: every anvil has chain id 31337
/// and the same dev keys, and the process-wide nonce managers are keyed by (chain id, address), so two devnets in one
/// process at once would hand each other's nonces out.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DevnetCollection
{
    public const string Name = "devnet pipeline";
}
