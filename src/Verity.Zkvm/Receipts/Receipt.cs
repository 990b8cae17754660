using Verity.Crypto;
using Verity.Stark.Air.Proofs;
using Verity.Vm;

namespace Verity.Zkvm.Receipts;

/// <summary>
/// What a run proves: the program (image id), the input (BLAKE3 digest), the journal and the exit code.
/// </summary>
public sealed record Claim(Digest ImageId, Digest InputDigest, byte[] Journal, uint ExitCode)
{
    public static Digest DigestInput(ReadOnlySpan<byte> input) => Blake3.Hash(input);
}

/// <summary>Where a segment starts and ends: pc and clock (executor cycle + 1). The verifier checks they chain.</summary>
public readonly record struct SegmentHeader(uint StartPc, long StartClk, uint EndPc, long EndClk)
{
    public long Cycles => EndClk - StartClk;
}

/// <summary>
/// A composite receipt (docs/ZKVM.md, "Receipts"): the claim, the program image and the input it was proven on,
/// and one STARK proof per segment plus the run's memory proof, all tied together by the global challenge.
/// Verity receipts are not zero-knowledge: the input travels in the receipt (its digest is in the claim) and STARK
/// openings reveal trace rows.
/// </summary>
public sealed class Receipt
{
    public const ushort FormatVersion = 1;

    public required Claim Claim { get; init; }
    public required ProgramImage Image { get; init; }
    public required byte[] Input { get; init; }
    /// <summary>Input bytes the guest read (a prefix of <see cref="Input"/>).</summary>
    public required uint InputConsumed { get; init; }
    /// <summary>Segments hold at most 2^SegmentPo2 cycles.</summary>
    public required int SegmentPo2 { get; init; }
    public required SegmentHeader[] Segments { get; init; }
    public required StarkProof[] SegmentProofs { get; init; }
    public required StarkProof MemoryProof { get; init; }

    public long Cycles => Segments.Length == 0 ? 0 : Segments[^1].EndClk - Segments[0].StartClk;
}
