using System.Numerics;

namespace Verity.Broker.Config;

/// <summary>
/// Everything <c>broker.toml</c> sets (docs/BROKER.md §5 lists each key, its default and which ones hot reload changes
/// take effect on). Immutable: a reload swaps the whole object (<see cref="BrokerConfigSource"/>), and a service reads
/// <c>source.Current</c> once per decision so one decision never mixes two versions.
/// </summary>
public sealed record BrokerConfig
{
    public MarketConfig Market { get; init; } = new();
    public ProverConfig Prover { get; init; } = new();
    public BatcherConfig Batcher { get; init; } = new();

    public static BrokerConfig Default { get; } = new();
}

public enum PricingPriority { Random, ObservationTime, ShortestExpiry }

public enum CommitmentPriority { Random, ShortestExpiry, Price, CyclePrice, TightestDeadline }

/// <summary><c>[market]</c>: what to take and at what price.</summary>
public sealed record MarketConfig
{
    /// <summary><c>mcycle_price</c> (alias <c>min_mcycle_price</c>): least wei per million cycles ("0.00001 ETH", "2 gwei", bare number = ETH).</summary>
    public BigInteger McyclePrice { get; init; } = BigInteger.Parse("10000000000000"); // 0.00001 ETH

    /// <summary><c>max_collateral</c>: most stake-token units a lock may take ("50 VSTK", bare number = whole tokens).</summary>
    public BigInteger MaxCollateral { get; init; } = BigInteger.Parse("50000000000000000000"); // 50 tokens (18 decimals)

    /// <summary><c>peak_prove_khz</c>: the cluster's sustained throughput; null uses the measured throughput.</summary>
    public double? PeakProveKhz { get; init; }
    public long MaxMcycleLimit { get; init; } = 8000;
    public long MinMcycleLimit { get; init; }
    public int MaxJournalBytes { get; init; } = 10_000;
    /// <summary><c>min_deadline</c> (seconds); null = <c>block_deadline_buffer_secs + 30</c>.</summary>
    public long? MinDeadlineSeconds { get; init; }
    public long? MaxOrderExpirySeconds { get; init; }
    public long LookbackBlocks { get; init; } = 300;
    public int EventsPollMilliseconds { get; init; } = 1000;
    public long EventsPollBlocks { get; init; } = 150;
    public IReadOnlyList<string> PriorityRequestorAddresses { get; init; } = [];
    /// <summary>Null: everyone allowed (then only the deny list applies).</summary>
    public IReadOnlyList<string>? AllowClientAddresses { get; init; }
    public IReadOnlyList<string> DenyRequestorAddresses { get; init; } = [];
    public long MaxFileSize { get; init; } = 50_000_000;
    public int MaxFetchRetries { get; init; } = 2;
    /// <summary>Seconds one image or input fetch may take in all, retries included: a URL that drips forever is S-009.</summary>
    public int FetchTimeoutSeconds { get; init; } = 60;
    /// <summary>On-disk cache of fetched images and inputs; null = under the broker's data directory.</summary>
    public string? CacheDir { get; init; }
    public long LockinGasEstimate { get; init; } = 160_000;
    public long FulfillGasEstimate { get; init; } = 120_000;
    public long CommitFulfillmentGasEstimate { get; init; } = 100_000;
    public long FulfillJournalGasPerByte { get; init; } = 26;
    public bool SkipGasProfitabilityCheck { get; init; }
    /// <summary>Percent: scales the expected secondary-fulfilment bounty (a race others may win).</summary>
    public int ExpectedProbabilityWinSecondaryFulfillment { get; init; } = 50;
    /// <summary>Take secondary fulfilments (others' expired locks) when the bounty pays.</summary>
    public bool SecondaryFulfillment { get; init; } = true;
    public BigInteger? BalanceWarnThreshold { get; init; }
    public BigInteger? BalanceErrorThreshold { get; init; }
    public BigInteger? CollateralBalanceWarnThreshold { get; init; }
    public BigInteger? CollateralBalanceErrorThreshold { get; init; }
    /// <summary>Orders from lock to fulfilment at once; 0 stops locking (live, with hot reload).</summary>
    public int MaxConcurrentProofs { get; init; } = 1;
    public int MaxConcurrentPreflights { get; init; } = 2;
    public PricingPriority OrderPricingPriority { get; init; } = PricingPriority.ShortestExpiry;
    public CommitmentPriority OrderCommitmentPriority { get; init; } = CommitmentPriority.ShortestExpiry;
    public bool CancelProvingExpiredOrders { get; init; }
    /// <summary><c>quote_url</c>: an HTTP quote policy instead of the built-in one (docs/BROKER.md §4.2).</summary>
    public Uri? QuoteUrl { get; init; }
    public int QuoteTimeoutMilliseconds { get; init; } = 2000;
}

/// <summary><c>[prover]</c>: how the cluster is driven.</summary>
public sealed record ProverConfig
{
    public int StatusPollMilliseconds { get; init; } = 500;
    public int ReqRetryCount { get; init; } = 3;
    public int ReqRetrySleepMilliseconds { get; init; } = 500;
    /// <summary>Retries of a whole failed proving job, while the deadline allows.</summary>
    public int ProofRetryCount { get; init; } = 1;
    public int ProofRetrySleepMilliseconds { get; init; } = 500;
    public int MaxCriticalTaskRetries { get; init; } = 10;
    public int ReaperIntervalSeconds { get; init; } = 10;
    public int ReaperGracePeriodSeconds { get; init; } = 60;
    /// <summary>Segment size for proving jobs (2^po2 cycles).</summary>
    public int SegmentPo2 { get; init; } = 16;
    /// <summary>STARK parameter set name for proving jobs.</summary>
    public string Parameters { get; init; } = "default";
    /// <summary>Skipped and lost orders are deleted after this many hours.</summary>
    public int SkippedRetentionHours { get; init; } = 24;
}

/// <summary><c>[batcher]</c>: fulfilments per transaction and when to send.</summary>
public sealed record BatcherConfig
{
    public int BatchMaxTimeSeconds { get; init; } = 30;
    public int MinBatchSize { get; init; } = 1;
    /// <summary>The market takes at most 64 fills per transaction.</summary>
    public int MaxBatchSize { get; init; } = 64;
    public int BatchMaxJournalBytes { get; init; } = 10_000;
    /// <summary><c>block_deadline_buffer_secs</c>; null = <c>txn_timeout × max_submission_attempts + 30</c>.</summary>
    public long? BlockDeadlineBufferSeconds { get; init; }
    public int TxnTimeoutSeconds { get; init; } = 45;
    public int BatchPollTimeMilliseconds { get; init; } = 1000;
    public int MaxSubmissionAttempts { get; init; } = 3;
    public int SubmitRetryDelayMilliseconds { get; init; } = 1500;

    public long EffectiveBlockDeadlineBufferSeconds => BlockDeadlineBufferSeconds ?? (long)TxnTimeoutSeconds * MaxSubmissionAttempts + 30;
}
