using System.Security.Cryptography;
using Verity.Cluster.Jobs;
using Verity.Cluster.Protocol;
using Verity.Crypto;
using Verity.Stark.Air.Parameters;
using Verity.Stark.Verifier;
using Verity.Zkvm.Receipts;
using Verity.Zkvm.Verification;

namespace Verity.Cli.Commands.Soak;

/// <summary>
/// One job of the soak: the sha256 guest (embedded in the CLI) on a seeded random input, whose journal must be the
/// SHA-256 of the input. Status fields are written by the poller and read by the run; ints and references only.
/// </summary>
internal sealed class SoakJob(int index, byte[] input)
{
    public int Index { get; } = index;
    public byte[] Input { get; } = input;
    public byte[] ExpectedJournal { get; } = SHA256.HashData(input);
    public string? JobId { get; set; }
    public volatile JobStatusView? LastStatus;
    /// <summary>The node answered 404 for a job it had created: it lost the job.</summary>
    public volatile bool Unknown;

    public bool Ended => Unknown || LastStatus?.State.IsTerminal() == true;

    /// <summary>
    /// Why the receipt is not the right one for this job, or null when it is: a real receipt must pass the zkVM
    /// verifier for the guest's image id; a simulated one (which proves nothing) must at least carry this job's claim.
    /// Either way the claim must name the guest, this input, exit code 0 and the SHA-256 of the input as journal.
    /// </summary>
    public string? CheckReceipt(byte[] receipt, Digest imageId, StarkParameters parameters, bool simulated)
    {
        Claim claim;
        if (simulated)
        {
            if (!SimulatedReceipt.IsSimulated(receipt)) return "a simulated job's receipt is not a simulated receipt";
            try { claim = SimulatedReceipt.FromBytes(receipt).Claim; }
            catch (FormatException e) { return $"malformed simulated receipt: {e.Message}"; }
        }
        else
        {
            var options = parameters.IsInsecure ? VerifierOptions.InsecureForTests : VerifierOptions.Default;
            var verdict = ZkvmVerifier.Verify(receipt, imageId, parameters, options);
            if (!verdict.IsValid || verdict.Claim is null) return $"the receipt does not verify: {verdict.Error}";
            claim = verdict.Claim;
        }
        if (claim.ImageId != imageId) return $"the receipt is for image {claim.ImageId.ToHex()}, not the guest's {imageId.ToHex()}";
        if (claim.InputDigest != Claim.DigestInput(Input)) return "the receipt's input digest is not this job's input";
        if (claim.ExitCode != 0) return $"the receipt's exit code is {claim.ExitCode}, not 0";
        if (!claim.Journal.AsSpan().SequenceEqual(ExpectedJournal))
            return $"the receipt's journal {Convert.ToHexStringLower(claim.Journal)} is not the SHA-256 of the input ({Convert.ToHexStringLower(ExpectedJournal)})";
        return null;
    }
}
