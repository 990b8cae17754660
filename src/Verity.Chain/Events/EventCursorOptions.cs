namespace Verity.Chain.Events;

/// <summary>What an <see cref="EventCursor"/> follows and how.</summary>
public sealed record EventCursorOptions
{
    /// <summary>The contract whose logs are followed.</summary>
    public required string Address { get; init; }

    /// <summary>Only logs whose first topic (the event signature hash) is one of these; null or empty: all.</summary>
    public IReadOnlyList<string>? Topics { get; init; }

    /// <summary>Blocks a log must be buried under before delivery (0: deliver from the head).</summary>
    public ulong Confirmations { get; init; }

    /// <summary>With no saved position, start at head − this (inclusive).</summary>
    public ulong LookbackBlocks { get; init; } = 1_000;

    /// <summary>The most blocks one eth_getLogs may span (providers cap it, e.g. at 500).</summary>
    public ulong MaxBlockRange { get; init; } = 500;

    /// <summary>Recent positions kept to follow a reorg back; a deeper reorg rewinds past all of them.</summary>
    public int ReorgWindow { get; init; } = 128;

    internal void Validate()
    {
        if (!Nethereum.Util.AddressUtil.Current.IsValidEthereumAddressHexFormat(Address))
            throw new ArgumentException($"'{Address}' is not a contract address", nameof(Address));
        if (MaxBlockRange == 0) throw new ArgumentOutOfRangeException(nameof(MaxBlockRange), "must be at least 1");
        if (ReorgWindow < 1) throw new ArgumentOutOfRangeException(nameof(ReorgWindow), "must be at least 1");
    }
}
