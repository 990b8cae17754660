using Verity.Crypto;
using Verity.Stark.Air.Model;
using Verity.Stark.Air.Parameters;
using Verity.Stark.Air.Transcripts;

namespace Verity.Zkvm.Receipts;

/// <summary>
/// The run's global challenge (DESIGN §4.4): drawn from a transcript of the claim, the run's shape and every
/// phase-1 commitment (each segment's boundary and IO tables, the memory table), so no precommitted table can be
/// chosen after it. Prover and verifier compute it with this one function.
/// </summary>
public static class GlobalChallenge
{
    public const string Domain = "verity.zkvm.global";

    public sealed record SegmentCommitments(SegmentHeader Header, IReadOnlyList<int> LogHeights, IReadOnlyList<Digest> PrecommittedRoots);

    public static ExternalChallenges Derive(StarkParameters parameters, Claim claim, int inputLength, uint inputConsumed, int segmentPo2,
        IReadOnlyList<SegmentCommitments> segments, IReadOnlyList<int> memoryLogHeights, Digest memoryRoot)
    {
        var t = new Transcript(parameters.Hash, Domain);
        t.AbsorbU64(Receipt.FormatVersion);
        t.AbsorbBytes(parameters.Encode());
        t.AbsorbDigest(claim.ImageId);
        t.AbsorbDigest(claim.InputDigest);
        t.AbsorbU64(claim.ExitCode);
        t.AbsorbBytes(claim.Journal);
        t.AbsorbU64((ulong)inputLength);
        t.AbsorbU64(inputConsumed);
        t.AbsorbU64((ulong)segmentPo2);
        t.AbsorbU64((ulong)segments.Count);
        foreach (var s in segments)
        {
            t.AbsorbU64(s.Header.StartPc);
            t.AbsorbU64((ulong)s.Header.StartClk);
            t.AbsorbU64(s.Header.EndPc);
            t.AbsorbU64((ulong)s.Header.EndClk);
            t.AbsorbBytes(s.LogHeights.Select(h => (byte)h).ToArray());
            foreach (var root in s.PrecommittedRoots) t.AbsorbDigest(root);
        }
        t.AbsorbBytes(memoryLogHeights.Select(h => (byte)h).ToArray());
        t.AbsorbDigest(memoryRoot);
        return ExternalChallenges.Draw(t);
    }
}
