using System.Numerics;

namespace Verity.Chain.Transactions;

/// <summary>How <see cref="TransactionSender"/> prices, waits for and replaces transactions.</summary>
public sealed record TransactionOptions
{
    /// <summary>How long a broadcast may go without a receipt before it is replaced with higher fees.</summary>
    public TimeSpan TransactionTimeout { get; init; } = TimeSpan.FromSeconds(45);

    /// <summary>How often the receipt is polled.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Replacements (same nonce, higher fees) before giving up with an error.</summary>
    public int MaxReplacements { get; init; } = 3;

    /// <summary>Fee increase per replacement, in percent; nodes want at least 10 (geth) or 12.5 (some pools).</summary>
    public decimal BumpPercent { get; init; } = 12.5m;

    /// <summary>The most this node pays per gas (wei); a transaction that would need more is refused. Null: no cap.</summary>
    public BigInteger? MaxFeePerGas { get; init; }

    /// <summary>The tip per gas (wei); null asks the node (eth_maxPriorityFeePerGas).</summary>
    public BigInteger? PriorityFee { get; init; }

    internal void Validate()
    {
        if (TransactionTimeout < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(TransactionTimeout), "must not be negative");
        if (PollInterval <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(PollInterval), "must be positive");
        if (MaxReplacements < 0) throw new ArgumentOutOfRangeException(nameof(MaxReplacements), "must not be negative");
        if (BumpPercent < 10m) throw new ArgumentOutOfRangeException(nameof(BumpPercent), BumpPercent, "nodes refuse replacements bumped by less than 10 %");
        if (MaxFeePerGas is { Sign: <= 0 }) throw new ArgumentOutOfRangeException(nameof(MaxFeePerGas), "must be positive");
        if (PriorityFee is { Sign: < 0 }) throw new ArgumentOutOfRangeException(nameof(PriorityFee), "must not be negative");
    }
}
