namespace Verity.Broker.Tests.Faults;

/// <summary>
/// The fault tests run alone: each class has its own anvil, but every anvil has chain id 31337 and the same dev keys,
/// and senders share one nonce counter per (chain id, key) in the process (NonceManagers.Shared), so deployments and
/// brokers on two anvils at once would take each other's nonces.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FaultsCollection
{
    public const string Name = "broker faults";
}
