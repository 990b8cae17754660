using System.Reflection;
using Verity.Zkvm.Proving;

namespace Verity.Broker.Config;

/// <summary>How a key's TOML value is read.</summary>
internal enum ConfigValueKind
{
    /// <summary>Wei: "0.00001 ETH", "2 gwei", "123 wei"; a bare number is ETH.</summary>
    EthAmount,
    /// <summary>Stake-token base units (18 decimals): "5 VSTK", "… wei"; a bare number is whole tokens.</summary>
    TokenAmount,
    Integer,
    /// <summary>A positive integer or float (kHz).</summary>
    PositiveNumber,
    Boolean,
    /// <summary>A non-empty string.</summary>
    Text,
    /// <summary>An array of 0x + 40 hex addresses, normalised to lower case.</summary>
    Addresses,
    /// <summary>An absolute http(s) URL.</summary>
    HttpUrl,
    /// <summary>The snake_case name of one of the property's enum members.</summary>
    Enum,
}

/// <summary>One broker.toml key: its section, name, the <see cref="BrokerConfig"/> property it sets and how it is checked.</summary>
internal sealed record ConfigKey(string Section, string Name, string Property, ConfigValueKind Kind)
{
    public long Min { get; init; }
    public long Max { get; init; } = long.MaxValue;
    public IReadOnlyList<string> Aliases { get; init; } = [];
    /// <summary>False for the keys a running broker reads only when it starts.</summary>
    public bool HotReload { get; init; } = true;

    public Type SectionType => Section switch
    {
        "market" => typeof(MarketConfig),
        "prover" => typeof(ProverConfig),
        _ => typeof(BatcherConfig),
    };

    public PropertyInfo PropertyInfo => SectionType.GetProperty(Property)
        ?? throw new InvalidOperationException($"{SectionType.Name} has no property {Property}");
}

/// <summary>Every key of broker.toml (docs/BROKER.md §5 lists them with their meaning).</summary>
internal static class BrokerConfigKeys
{
    private const string M = "market", P = "prover", B = "batcher";

    public static readonly IReadOnlyList<ConfigKey> All =
    [
        new(M, "mcycle_price", nameof(MarketConfig.McyclePrice), ConfigValueKind.EthAmount) { Aliases = ["min_mcycle_price"] },
        new(M, "max_collateral", nameof(MarketConfig.MaxCollateral), ConfigValueKind.TokenAmount),
        new(M, "peak_prove_khz", nameof(MarketConfig.PeakProveKhz), ConfigValueKind.PositiveNumber),
        new(M, "max_mcycle_limit", nameof(MarketConfig.MaxMcycleLimit), ConfigValueKind.Integer),
        new(M, "min_mcycle_limit", nameof(MarketConfig.MinMcycleLimit), ConfigValueKind.Integer),
        new(M, "max_journal_bytes", nameof(MarketConfig.MaxJournalBytes), ConfigValueKind.Integer) { Max = int.MaxValue },
        new(M, "min_deadline", nameof(MarketConfig.MinDeadlineSeconds), ConfigValueKind.Integer),
        new(M, "max_order_expiry_secs", nameof(MarketConfig.MaxOrderExpirySeconds), ConfigValueKind.Integer) { Min = 1 },
        new(M, "lookback_blocks", nameof(MarketConfig.LookbackBlocks), ConfigValueKind.Integer) { HotReload = false },
        new(M, "events_poll_ms", nameof(MarketConfig.EventsPollMilliseconds), ConfigValueKind.Integer) { Min = 1, Max = int.MaxValue },
        new(M, "events_poll_blocks", nameof(MarketConfig.EventsPollBlocks), ConfigValueKind.Integer) { Min = 1 },
        new(M, "priority_requestor_addresses", nameof(MarketConfig.PriorityRequestorAddresses), ConfigValueKind.Addresses),
        new(M, "allow_client_addresses", nameof(MarketConfig.AllowClientAddresses), ConfigValueKind.Addresses),
        new(M, "deny_requestor_addresses", nameof(MarketConfig.DenyRequestorAddresses), ConfigValueKind.Addresses),
        new(M, "max_file_size", nameof(MarketConfig.MaxFileSize), ConfigValueKind.Integer) { Min = 1 },
        new(M, "max_fetch_retries", nameof(MarketConfig.MaxFetchRetries), ConfigValueKind.Integer) { Max = int.MaxValue },
        new(M, "cache_dir", nameof(MarketConfig.CacheDir), ConfigValueKind.Text) { HotReload = false },
        new(M, "lockin_gas_estimate", nameof(MarketConfig.LockinGasEstimate), ConfigValueKind.Integer),
        new(M, "fulfill_gas_estimate", nameof(MarketConfig.FulfillGasEstimate), ConfigValueKind.Integer),
        new(M, "commit_fulfillment_gas_estimate", nameof(MarketConfig.CommitFulfillmentGasEstimate), ConfigValueKind.Integer),
        new(M, "fulfill_journal_gas_per_byte", nameof(MarketConfig.FulfillJournalGasPerByte), ConfigValueKind.Integer),
        new(M, "skip_gas_profitability_check", nameof(MarketConfig.SkipGasProfitabilityCheck), ConfigValueKind.Boolean),
        new(M, "expected_probability_win_secondary_fulfillment", nameof(MarketConfig.ExpectedProbabilityWinSecondaryFulfillment),
            ConfigValueKind.Integer) { Max = 100 },
        new(M, "secondary_fulfillment", nameof(MarketConfig.SecondaryFulfillment), ConfigValueKind.Boolean),
        new(M, "balance_warn_threshold", nameof(MarketConfig.BalanceWarnThreshold), ConfigValueKind.EthAmount),
        new(M, "balance_error_threshold", nameof(MarketConfig.BalanceErrorThreshold), ConfigValueKind.EthAmount),
        new(M, "collateral_balance_warn_threshold", nameof(MarketConfig.CollateralBalanceWarnThreshold), ConfigValueKind.TokenAmount),
        new(M, "collateral_balance_error_threshold", nameof(MarketConfig.CollateralBalanceErrorThreshold), ConfigValueKind.TokenAmount),
        new(M, "max_concurrent_proofs", nameof(MarketConfig.MaxConcurrentProofs), ConfigValueKind.Integer) { Max = int.MaxValue },
        new(M, "max_concurrent_preflights", nameof(MarketConfig.MaxConcurrentPreflights), ConfigValueKind.Integer) { Min = 1, Max = int.MaxValue },
        new(M, "order_pricing_priority", nameof(MarketConfig.OrderPricingPriority), ConfigValueKind.Enum),
        new(M, "order_commitment_priority", nameof(MarketConfig.OrderCommitmentPriority), ConfigValueKind.Enum),
        new(M, "cancel_proving_expired_orders", nameof(MarketConfig.CancelProvingExpiredOrders), ConfigValueKind.Boolean),
        new(M, "fetch_timeout_secs", nameof(MarketConfig.FetchTimeoutSeconds), ConfigValueKind.Integer) { Min = 1, Max = int.MaxValue },
        new(M, "quote_url", nameof(MarketConfig.QuoteUrl), ConfigValueKind.HttpUrl),
        new(M, "quote_timeout_ms", nameof(MarketConfig.QuoteTimeoutMilliseconds), ConfigValueKind.Integer) { Min = 1, Max = int.MaxValue },

        new(P, "status_poll_ms", nameof(ProverConfig.StatusPollMilliseconds), ConfigValueKind.Integer) { Min = 1, Max = int.MaxValue },
        new(P, "req_retry_count", nameof(ProverConfig.ReqRetryCount), ConfigValueKind.Integer) { Max = int.MaxValue },
        new(P, "req_retry_sleep_ms", nameof(ProverConfig.ReqRetrySleepMilliseconds), ConfigValueKind.Integer) { Max = int.MaxValue },
        new(P, "proof_retry_count", nameof(ProverConfig.ProofRetryCount), ConfigValueKind.Integer) { Max = int.MaxValue },
        new(P, "proof_retry_sleep_ms", nameof(ProverConfig.ProofRetrySleepMilliseconds), ConfigValueKind.Integer) { Max = int.MaxValue },
        new(P, "max_critical_task_retries", nameof(ProverConfig.MaxCriticalTaskRetries), ConfigValueKind.Integer) { Min = 1, Max = int.MaxValue },
        new(P, "reaper_interval_secs", nameof(ProverConfig.ReaperIntervalSeconds), ConfigValueKind.Integer) { Min = 1, Max = int.MaxValue },
        new(P, "reaper_grace_period_secs", nameof(ProverConfig.ReaperGracePeriodSeconds), ConfigValueKind.Integer) { Max = int.MaxValue },
        new(P, "segment_po2", nameof(ProverConfig.SegmentPo2), ConfigValueKind.Integer)
            { Min = ZkvmProveOptions.MinSegmentPo2, Max = ZkvmProveOptions.MaxSegmentPo2 },
        new(P, "parameters", nameof(ProverConfig.Parameters), ConfigValueKind.Text),
        new(P, "skipped_retention_hours", nameof(ProverConfig.SkippedRetentionHours), ConfigValueKind.Integer) { Max = int.MaxValue },

        new(B, "batch_max_time", nameof(BatcherConfig.BatchMaxTimeSeconds), ConfigValueKind.Integer) { Max = int.MaxValue },
        new(B, "min_batch_size", nameof(BatcherConfig.MinBatchSize), ConfigValueKind.Integer) { Min = 1, Max = 64 },
        new(B, "max_batch_size", nameof(BatcherConfig.MaxBatchSize), ConfigValueKind.Integer) { Min = 1, Max = 64 },
        new(B, "batch_max_journal_bytes", nameof(BatcherConfig.BatchMaxJournalBytes), ConfigValueKind.Integer) { Max = int.MaxValue },
        new(B, "block_deadline_buffer_secs", nameof(BatcherConfig.BlockDeadlineBufferSeconds), ConfigValueKind.Integer),
        new(B, "txn_timeout", nameof(BatcherConfig.TxnTimeoutSeconds), ConfigValueKind.Integer) { Min = 1, Max = int.MaxValue },
        new(B, "batch_poll_time_ms", nameof(BatcherConfig.BatchPollTimeMilliseconds), ConfigValueKind.Integer) { Min = 1, Max = int.MaxValue },
        new(B, "max_submission_attempts", nameof(BatcherConfig.MaxSubmissionAttempts), ConfigValueKind.Integer) { Min = 1, Max = int.MaxValue },
        new(B, "submit_retry_delay_ms", nameof(BatcherConfig.SubmitRetryDelayMilliseconds), ConfigValueKind.Integer) { Max = int.MaxValue },
    ];

    public static readonly IReadOnlyList<string> Sections = [M, P, B];

    /// <summary>The key (by name or alias) in <paramref name="section"/>, or null.</summary>
    public static ConfigKey? Find(string section, string name) =>
        All.FirstOrDefault(k => k.Section == section && (k.Name == name || k.Aliases.Contains(name)));
}
