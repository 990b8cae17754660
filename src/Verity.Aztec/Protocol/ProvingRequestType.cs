namespace Verity.Aztec.Protocol;

/// <summary>
/// Aztec's proving job types as numbered on the wire by @aztec/prover-client 4.1.2
/// (<c>stdlib/src/proofs/proving_request_type.ts</c>). The number is what agents' allow-lists and jobs carry.
/// </summary>
public enum ProvingRequestType
{
    PUBLIC_VM = 0,
    PUBLIC_CHONK_VERIFIER = 1,
    PRIVATE_TX_BASE_ROLLUP = 2,
    PUBLIC_TX_BASE_ROLLUP = 3,
    TX_MERGE_ROLLUP = 4,
    BLOCK_ROOT_FIRST_ROLLUP = 5,
    BLOCK_ROOT_SINGLE_TX_FIRST_ROLLUP = 6,
    BLOCK_ROOT_EMPTY_TX_FIRST_ROLLUP = 7,
    BLOCK_ROOT_ROLLUP = 8,
    BLOCK_ROOT_SINGLE_TX_ROLLUP = 9,
    BLOCK_MERGE_ROLLUP = 10,
    CHECKPOINT_ROOT_ROLLUP = 11,
    CHECKPOINT_ROOT_SINGLE_BLOCK_ROLLUP = 12,
    CHECKPOINT_PADDING_ROLLUP = 13,
    CHECKPOINT_MERGE_ROLLUP = 14,
    ROOT_ROLLUP = 15,
    PARITY_BASE = 16,
    PARITY_ROOT = 17,
}

/// <summary>The order agents are given work in, and names for display.</summary>
public static class ProvingRequestTypes
{
    /// <summary>Every type, by wire number.</summary>
    public static readonly IReadOnlyList<ProvingRequestType> All = Enum.GetValues<ProvingRequestType>();

    /// <summary>
    /// The fixed dispatch order of Aztec's broker (<c>PROOF_TYPES_IN_PRIORITY_ORDER</c> in 4.1.2's
    /// <c>proving_broker.ts</c>): types near the root of the epoch's proof tree first, so trees in flight finish
    /// before new leaves start. Type beats epoch: an agent gets the lowest epoch of the first non-empty type.
    /// </summary>
    public static readonly IReadOnlyList<ProvingRequestType> PriorityOrder =
    [
        ProvingRequestType.ROOT_ROLLUP,
        ProvingRequestType.BLOCK_ROOT_FIRST_ROLLUP,
        ProvingRequestType.BLOCK_ROOT_SINGLE_TX_FIRST_ROLLUP,
        ProvingRequestType.BLOCK_ROOT_EMPTY_TX_FIRST_ROLLUP,
        ProvingRequestType.BLOCK_ROOT_ROLLUP,
        ProvingRequestType.BLOCK_ROOT_SINGLE_TX_ROLLUP,
        ProvingRequestType.BLOCK_MERGE_ROLLUP,
        ProvingRequestType.CHECKPOINT_ROOT_ROLLUP,
        ProvingRequestType.CHECKPOINT_ROOT_SINGLE_BLOCK_ROLLUP,
        ProvingRequestType.CHECKPOINT_MERGE_ROLLUP,
        ProvingRequestType.CHECKPOINT_PADDING_ROLLUP,
        ProvingRequestType.TX_MERGE_ROLLUP,
        ProvingRequestType.PUBLIC_TX_BASE_ROLLUP,
        ProvingRequestType.PRIVATE_TX_BASE_ROLLUP,
        ProvingRequestType.PUBLIC_VM,
        ProvingRequestType.PUBLIC_CHONK_VERIFIER,
        ProvingRequestType.PARITY_ROOT,
        ProvingRequestType.PARITY_BASE,
    ];

    private static readonly int[] Ranks = BuildRanks();

    /// <summary>True for a wire number this dialect knows (0..17).</summary>
    public static bool IsDefined(long value) => value >= 0 && value < All.Count;

    /// <summary>The type's place in <see cref="PriorityOrder"/> (0 = dispatched first).</summary>
    public static int Rank(this ProvingRequestType type) => Ranks[(int)type];

    private static int[] BuildRanks()
    {
        var ranks = new int[All.Count];
        for (int i = 0; i < PriorityOrder.Count; i++) ranks[(int)PriorityOrder[i]] = i;
        return ranks;
    }
}
