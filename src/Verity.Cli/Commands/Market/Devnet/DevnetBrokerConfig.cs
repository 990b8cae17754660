using System.Numerics;
using Verity.Broker.Config;

namespace Verity.Cli.Commands.Market.Devnet;

/// <summary>
/// The devnet brokers' configuration: the defaults, tuned to the bot's short offers (lock timeouts of one to two
/// minutes) on a small machine.
/// </summary>
internal static class DevnetBrokerConfig
{
    public static BrokerConfig For(BigInteger mcyclePrice) => BrokerConfig.Default with
    {
        Market = BrokerConfig.Default.Market with
        {
            McyclePrice = mcyclePrice,
            // The bot's requests are young: read the chain from its start, and see new events within a second.
            LookbackBlocks = 1000,
            EventsPollMilliseconds = 1000,
            MaxConcurrentProofs = 1,
        },
        Batcher = BrokerConfig.Default.Batcher with
        {
            // The default buffer (45 s × 3 attempts + 30 s) is longer than the bot's lock timeouts; anvil mines at once.
            BlockDeadlineBufferSeconds = 20,
            BatchMaxTimeSeconds = 2,
            TxnTimeoutSeconds = 15,
        },
    };
}
