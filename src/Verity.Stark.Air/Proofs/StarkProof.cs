using Verity.Algebra;
using Verity.Crypto;

namespace Verity.Stark.Air.Proofs;

/// <summary>Values opened from one commitment group (one Merkle tree) at a set of leaf indices.</summary>
public sealed class GroupOpening(Goldilocks[] values, MerkleMultiProof proof)
{
    /// <summary>Row-major: one row of the group's width per opened leaf, in ascending leaf order.</summary>
    public Goldilocks[] Values { get; } = values;
    public MerkleMultiProof Proof { get; } = proof;
}

/// <summary>Opened FRI cosets of one committed layer: arity extension values per opened leaf.</summary>
public sealed class FriLayerOpening(Goldilocks3[] values, MerkleMultiProof proof)
{
    public Goldilocks3[] Values { get; } = values;
    public MerkleMultiProof Proof { get; } = proof;
}

/// <summary>Per-table prover messages and openings.</summary>
public sealed class TableProof
{
    public required int LogHeight { get; init; }
    public required Digest MainRoot { get; init; }

    /// <summary>Present only when the table has LogUp interactions.</summary>
    public Digest? AuxRoot { get; init; }

    /// <summary>The table's LogUp sum over its local buses (zero when it has no local interactions).</summary>
    public Goldilocks3 ClaimedSum { get; init; }

    /// <summary>True exactly when the table has external interactions; then <see cref="ExternalSum"/> is part of the proof.</summary>
    public bool HasExternalSum { get; init; }

    /// <summary>
    /// The table's LogUp sum over its external buses under the caller's γₑ, βₑ (zero when it has
    /// none). Not balanced inside the proof: the caller adds it to the other proofs' sums.
    /// </summary>
    public Goldilocks3 ExternalSum { get; init; }

    public required Digest CompositionRoot { get; init; }

    /// <summary>Each committed base column (preprocessed, main, aux, then composition chunks) at z.</summary>
    public required Goldilocks3[] OodAtZ { get; init; }

    /// <summary>Each trace base column (preprocessed, main, aux) at g·z.</summary>
    public required Goldilocks3[] OodAtGz { get; init; }

    public GroupOpening? PreprocessedOpening { get; init; }
    public required GroupOpening MainOpening { get; init; }
    public GroupOpening? AuxOpening { get; init; }
    public required GroupOpening CompositionOpening { get; init; }
}

/// <summary>
/// A multi-table STARK proof. Its binary form (<see cref="ProofCodec"/>) is versioned and uses
/// canonical encodings only; the verifier checks every shape against what the AIR and its own
/// parameters imply before using any value.
/// </summary>
public sealed class StarkProof
{
    /// <summary>
    /// Version 3: same encoding as version 2, but the protocol draws the degree-correction coefficient μ and FRI
    /// runs on (1 + μ·x)·F (docs/STARK.md); the version is absorbed into the transcript.
    /// </summary>
    public const ushort FormatVersion = 3;

    public required Digest ParametersFingerprint { get; init; }
    public required Digest AirIdentity { get; init; }
    public required TableProof[] Tables { get; init; }
    public required Digest[] FriLayerRoots { get; init; }
    public required Goldilocks3[] FriRemainder { get; init; }
    public required ulong GrindingNonce { get; init; }
    public required FriLayerOpening[] FriOpenings { get; init; }
}
