using Verity.Algebra;
using Verity.Crypto;
using Verity.Stark.Air.Model;
using Verity.Stark.Air.Parameters;
using Verity.Stark.Air.Proofs;
using Verity.Stark.Verifier;
using Verity.Zkvm.Air;
using Verity.Zkvm.Memory;
using Verity.Zkvm.Programs;
using Verity.Zkvm.Proving;
using Verity.Zkvm.Receipts;

namespace Verity.Zkvm.Verification;

/// <summary>The outcome of verifying a receipt: the claim (journal, exit code) only when every check passed.</summary>
public sealed record ReceiptVerification(bool IsValid, string? Error, Claim? Claim)
{
    public static ReceiptVerification Rejected(string error) => new(false, error, null);
    public override string ToString() => IsValid ? "valid" : $"rejected: {Error}";
}

/// <summary>
/// Verifies a composite receipt against the image id the caller expects, top to bottom as a sequence of checks:
/// the program and input, the segment chain, the global challenge, every segment proof, the memory proof, and the
/// global bus balance (memory chained through all segments, IO bytes equal to the input and journal, memory table
/// initialised from the image). Parameters are the caller's; nothing about them is read from the receipt.
/// </summary>
public static class ZkvmVerifier
{
    public static ReceiptVerification Verify(ReadOnlySpan<byte> receiptBytes, Digest expectedImageId, StarkParameters accepted, VerifierOptions? options = null)
    {
        // Checked before decoding so the reason is not dressed up as a malformed receipt.
        if (SimulatedReceipt.IsSimulated(receiptBytes)) return ReceiptVerification.Rejected(SimulatedReceipt.RefusalReason);
        Receipt receipt;
        try { receipt = ReceiptCodec.Deserialize(receiptBytes); }
        catch (ReceiptFormatException e) { return ReceiptVerification.Rejected($"malformed receipt: {e.Message}"); }
        return Verify(receipt, expectedImageId, accepted, options);
    }

    public static ReceiptVerification Verify(Receipt receipt, Digest expectedImageId, StarkParameters accepted, VerifierOptions? options = null)
    {
        try
        {
            return new ReceiptVerification(true, null, VerifyOrThrow(receipt, expectedImageId, accepted, options ?? VerifierOptions.Default));
        }
        catch (ReceiptRejectedException e)
        {
            return ReceiptVerification.Rejected(e.Message);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return ReceiptVerification.Rejected($"verification failed unexpectedly ({e.GetType().Name}: {e.Message})");
        }
    }

    private static Claim VerifyOrThrow(Receipt r, Digest expectedImageId, StarkParameters accepted, VerifierOptions options)
    {
        // 1. The program: the claim names the expected image, and the image carried is that image.
        if (r.Claim.ImageId != expectedImageId)
            throw new ReceiptRejectedException($"the receipt is for image {r.Claim.ImageId.ToHex()}, not the expected {expectedImageId.ToHex()}");
        if (r.Image.ImageId != expectedImageId)
            throw new ReceiptRejectedException($"the program image in the receipt hashes to {r.Image.ImageId.ToHex()}, not the claimed image id {expectedImageId.ToHex()}");

        // 2. The input: digest and consumed prefix.
        if (Claim.DigestInput(r.Input) != r.Claim.InputDigest)
            throw new ReceiptRejectedException("the input in the receipt does not match the claim's input digest");
        if (r.InputConsumed > r.Input.Length)
            throw new ReceiptRejectedException($"the receipt says {r.InputConsumed} input bytes were read, but the input has {r.Input.Length}");

        // 3. The segment chain: starts at the entry point, each segment starts where the previous ended.
        int count = r.Segments.Length;
        if (count == 0 || r.SegmentProofs.Length != count)
            throw new ReceiptRejectedException($"{count} segment headers and {r.SegmentProofs.Length} segment proofs");
        if (r.SegmentPo2 is < 4 or > 24)
            throw new ReceiptRejectedException($"segment po2 {r.SegmentPo2} is outside 4..24");
        if (r.Segments[0].StartPc != r.Image.EntryPc || r.Segments[0].StartClk != 1)
            throw new ReceiptRejectedException($"segment 0 starts at pc 0x{r.Segments[0].StartPc:x8}, clock {r.Segments[0].StartClk}; the program starts at pc 0x{r.Image.EntryPc:x8}, clock 1");
        for (int i = 0; i < count; i++)
        {
            var h = r.Segments[i];
            if (h.Cycles < 1 || h.Cycles > 1L << r.SegmentPo2)
                throw new ReceiptRejectedException($"segment {i} claims {h.Cycles} cycles; a segment has 1..2^{r.SegmentPo2}");
            if (i + 1 < count && (r.Segments[i + 1].StartPc != h.EndPc || r.Segments[i + 1].StartClk != h.EndClk))
                throw new ReceiptRejectedException($"segment {i + 1} does not start where segment {i} ended (pc 0x{h.EndPc:x8}, clock {h.EndClk})");
        }

        // 4. The circuits and the shapes of the proofs' precommitted tables.
        var circuit = new SegmentCircuit(new ProgramRom(r.Image));
        var memory = MemoryCircuit.Instance;
        var commitments = new GlobalChallenge.SegmentCommitments[count];
        for (int i = 0; i < count; i++)
        {
            var proof = r.SegmentProofs[i];
            if (proof.Tables.Length != circuit.Air.Tables.Count)
                throw new ReceiptRejectedException($"segment {i}: proof has {proof.Tables.Length} tables, the segment circuit has {circuit.Air.Tables.Count}");
            commitments[i] = new GlobalChallenge.SegmentCommitments(r.Segments[i], [.. proof.Tables.Select(t => t.LogHeight)],
                [.. circuit.PrecommittedTables.Select(k => proof.Tables[k].MainRoot)]);
        }
        if (r.MemoryProof.Tables.Length != memory.Air.Tables.Count)
            throw new ReceiptRejectedException($"memory proof has {r.MemoryProof.Tables.Length} tables, expected {memory.Air.Tables.Count}");

        // 5. The global challenge, from the claim and every phase-1 commitment.
        var challenges = GlobalChallenge.Derive(accepted, r.Claim, r.Input.Length, r.InputConsumed, r.SegmentPo2, commitments,
            [.. r.MemoryProof.Tables.Select(t => t.LogHeight)], r.MemoryProof.Tables[0].MainRoot);
        var starkOptions = new VerifierOptions
        {
            AllowInsecureParameters = options.AllowInsecureParameters,
            MinimumProvableBits = options.MinimumProvableBits,
            ExternalChallenges = challenges,
        };

        // 6. Every segment proof, against the statement the verifier derives for its position.
        var globalSum = Goldilocks3.Zero;
        for (int i = 0; i < count; i++)
        {
            var result = StarkVerifier.Verify(circuit.Air, RunPlan.Statement(r.Claim, r.Segments, i, r.InputConsumed, r.Input.Length, r.SegmentPo2), r.SegmentProofs[i], accepted, starkOptions);
            if (!result.IsValid)
                throw new ReceiptRejectedException($"segment {i}: {result.Error} (every segment proof is bound to the claim, the segment chain and all " +
                    "phase-1 commitments through the global challenge, so a changed journal, exit code, input or header also ends here)");
            globalSum += result.ExternalSum;
        }

        // 7. The memory proof.
        var memoryResult = StarkVerifier.Verify(memory.Air, RunPlan.MemoryStatement(r.Claim), r.MemoryProof, accepted, starkOptions);
        if (!memoryResult.IsValid) throw new ReceiptRejectedException($"memory proof: {memoryResult.Error}");
        globalSum += memoryResult.ExternalSum;

        // 8. Global balance: the verifier sends the image words and receives the input read and the journal written.
        globalSum += GlobalTerms.ImageWords(r.Image, challenges);
        globalSum -= GlobalTerms.Io(r.Input.AsSpan(0, (int)r.InputConsumed), r.Claim.Journal, challenges);
        if (!globalSum.IsZero)
            throw new ReceiptRejectedException("the global buses do not balance: memory does not chain across segments, or the bytes read and written are not the receipt's input and journal, or memory did not start from the image");
        return r.Claim;
    }
}

/// <summary>A receipt check failed; the message says which.</summary>
internal sealed class ReceiptRejectedException(string message) : Exception(message);

/// <summary>The verifier's own terms on the global buses, Σ 1/(γ − fingerprint) over tuples it knows.</summary>
internal static class GlobalTerms
{
    public static Goldilocks3 ImageWords(Verity.Vm.ProgramImage image, ExternalChallenges ch) =>
        SumInverses(RunLayout.ImageWords(image).Select(w => Fingerprint(Buses.ImageWords, ch.Beta, w.Address, w.Value, w.ReadOnly ? 1u : 0u)), ch.Gamma);

    public static Goldilocks3 Io(ReadOnlySpan<byte> input, byte[] journal, ExternalChallenges ch)
    {
        var fps = new Goldilocks3[input.Length + journal.Length];
        for (int k = 0; k < input.Length; k++) fps[k] = Fingerprint(Buses.GlobalIo, ch.Beta, 0, (uint)k, input[k]);
        for (int k = 0; k < journal.Length; k++) fps[input.Length + k] = Fingerprint(Buses.GlobalIo, ch.Beta, 1, (uint)k, journal[k]);
        return SumInverses(fps, ch.Gamma);
    }

    /// <summary>The engine's LogUp fingerprint bus + Σᵢ βⁱ⁺¹·vᵢ (see TableDefinition.Fingerprint).</summary>
    public static Goldilocks3 Fingerprint(int bus, Goldilocks3 beta, params uint[] values)
    {
        Goldilocks3 acc = Goldilocks3.Zero, power = beta;
        foreach (uint v in values)
        {
            acc += power * new Goldilocks(v);
            power *= beta;
        }
        return acc + new Goldilocks((ulong)bus);
    }

    private static Goldilocks3 SumInverses(IEnumerable<Goldilocks3> fingerprints, Goldilocks3 gamma)
    {
        var d = fingerprints.Select(f => gamma - f).ToArray();
        if (d.Any(x => x.IsZero)) throw new ReceiptRejectedException("the global challenge collides with a fingerprint");
        BatchInverse.InvertInPlaceParallel(d);
        var sum = Goldilocks3.Zero;
        foreach (var x in d) sum += x;
        return sum;
    }
}
