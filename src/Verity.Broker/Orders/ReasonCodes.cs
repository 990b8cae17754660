namespace Verity.Broker.Orders;

/// <summary>
/// Stable reason codes for every skip and failure (docs/BROKER.md §4): the same code in logs, metrics
/// (<c>verity_broker_skips_total{reason}</c>), the database and <c>verity orders show</c>, so alerts can key on them.
/// Codes are never reused or renumbered; new ones are appended.
/// </summary>
public static class ReasonCodes
{
    // Skips (S-): decided before any transaction; they cost nothing.
    public const string Expired = "S-001";
    public const string DeadlineTooShort = "S-002";
    public const string ExpiryTooFar = "S-003";
    public const string UnsupportedSelector = "S-004";
    public const string CollateralTooHigh = "S-005";
    public const string RequestorDenied = "S-006";
    public const string RequestorNotAllowed = "S-007";
    public const string AlreadyLockedOrFulfilled = "S-008";
    public const string FetchFailed = "S-009";
    public const string ImageIdMismatch = "S-010";
    public const string PreflightLimitExceeded = "S-011";
    public const string GuestFailed = "S-012";
    public const string CyclesBelowMinimum = "S-013";
    public const string CyclesAboveMaximum = "S-014";
    public const string JournalTooLarge = "S-015";
    public const string PredicateFailed = "S-016";
    public const string PriceTooLow = "S-017";
    public const string GasOverPrice = "S-018";
    public const string DeadlineInfeasible = "S-019";
    public const string QuoteNoBid = "S-020";
    public const string QuoteFailed = "S-021";
    public const string BountyTooLow = "S-022";
    public const string MalformedRequest = "S-023";
    public const string PreflightFailed = "S-024";

    // Lost (L-): another prover was first; at most a reverted transaction's gas was spent.
    public const string LockedByOther = "L-001";
    public const string FulfilledByOther = "L-002";
    public const string LockTimedOutBeforeSend = "L-003";

    // Failures (F-): work was committed and did not end in a fulfilment.
    public const string ProvingFailed = "F-001";
    public const string DeadlinePassed = "F-002";
    public const string Slashed = "F-003";
    public const string SubmissionFailed = "F-004";
    public const string ReceiptInvalid = "F-005";
    public const string InsufficientStake = "F-006";
    public const string RequestorUnfunded = "F-007";
    public const string LockReverted = "F-008";

    private static readonly Dictionary<string, string> Descriptions = new()
    {
        [Expired] = "expired: the lock deadline (or, for a secondary order, the deadline) has passed",
        [DeadlineTooShort] = "less than min_deadline seconds left",
        [ExpiryTooFar] = "expires further out than max_order_expiry_secs",
        [UnsupportedSelector] = "no verifier this broker can produce seals for serves the request's selector",
        [CollateralTooHigh] = "lock collateral over max_collateral",
        [RequestorDenied] = "requestor in deny_requestor_addresses",
        [RequestorNotAllowed] = "requestor not in allow_client_addresses",
        [AlreadyLockedOrFulfilled] = "already locked, fulfilled or refunded on chain",
        [FetchFailed] = "image or input could not be fetched (or is over max_file_size)",
        [ImageIdMismatch] = "the image at the request's URL does not have the request's image id",
        [PreflightLimitExceeded] = "preflight reached its cycle limit (max_mcycle_limit, or what the price pays for)",
        [GuestFailed] = "the guest failed or exited non-zero in preflight",
        [CyclesBelowMinimum] = "cycles below min_mcycle_limit",
        [CyclesAboveMaximum] = "cycles above max_mcycle_limit",
        [JournalTooLarge] = "journal over max_journal_bytes",
        [PredicateFailed] = "the preflight journal does not meet the request's predicate",
        [PriceTooLow] = "max price below mcycle_price × megacycles + gas",
        [GasOverPrice] = "gas for lock and fulfil costs more than the max price",
        [DeadlineInfeasible] = "proving (with the work already committed) cannot end before the lock expires with margin",
        [QuoteNoBid] = "the quote policy answered no bid",
        [QuoteFailed] = "the quote policy could not be reached or answered nonsense",
        [BountyTooLow] = "the secondary fulfilment's bounty does not pay for the cycles",
        [MalformedRequest] = "the request is malformed (bad offer, input or URL)",
        [PreflightFailed] = "preflight failed on the cluster",
        [LockedByOther] = "another prover locked it first",
        [FulfilledByOther] = "another prover fulfilled it first",
        [LockTimedOutBeforeSend] = "the lock deadline passed before this broker could lock",
        [ProvingFailed] = "proving failed and no retry fits before the deadline",
        [DeadlinePassed] = "the lock (or request) deadline passed before the fulfilment was mined",
        [Slashed] = "this broker's lock expired unfulfilled and was slashed",
        [SubmissionFailed] = "the fulfilment transaction failed after max_submission_attempts",
        [ReceiptInvalid] = "the cluster's receipt did not verify here",
        [InsufficientStake] = "stake balance below the collateral when locking",
        [RequestorUnfunded] = "the requestor's balance is below the price when locking",
        [LockReverted] = "the lock transaction reverted for another reason",
    };

    /// <summary>All codes with their meaning, for docs and <c>verity orders reasons</c>.</summary>
    public static IReadOnlyDictionary<string, string> All => Descriptions;

    public static string Describe(string code) => Descriptions.TryGetValue(code, out var d) ? d : "unknown reason";
}
