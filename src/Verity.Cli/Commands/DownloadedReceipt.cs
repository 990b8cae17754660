using Verity.Cluster.Protocol;
using Verity.Stark.Air.Parameters;
using Verity.Stark.Verifier;
using Verity.Zkvm.Verification;

namespace Verity.Cli.Commands;

/// <summary>
/// Checks a receipt downloaded from a node before it is written: it must verify against the job's image id and
/// parameter set, and carry the journal the node reported. A node (or anything between) cannot hand over bad bytes.
/// </summary>
internal static class DownloadedReceipt
{
    /// <summary>The verdict line to print.</summary>
    /// <exception cref="CliFailureException">The receipt does not verify (the message says why); nothing should be written.</exception>
    public static string Verify(byte[] receipt, JobStatusView job)
    {
        if (job.Simulated)
            throw new CliFailureException($"The receipt of job {job.JobId} is simulated: it proves nothing and cannot be verified (use --no-verify to save it anyway).");
        StarkParameters parameters;
        try { parameters = StarkParameters.FromName(job.Parameters); }
        catch (ArgumentException e) { throw new CliFailureException($"The receipt of job {job.JobId} cannot be verified: {e.Message}"); }
        var imageId = VerifyCommand.ParseImageId(job.ImageId);
        // The job chose its parameter set; an insecure one (tests) is accepted only because the job asked for it.
        var options = parameters.IsInsecure ? VerifierOptions.InsecureForTests : VerifierOptions.Default;
        var result = ZkvmVerifier.Verify(receipt, imageId, parameters, options);
        if (!result.IsValid)
            throw new CliFailureException($"The receipt of job {job.JobId} does not verify against image {job.ImageId} (parameters '{parameters.Name}'): {result.Error}. Not written.");
        // The job's input id and the claim's input digest are both the BLAKE3 of the input bytes: a genuine receipt of
        // the same program run on another input must not pass for this job's.
        string input = result.Claim!.InputDigest.ToHex();
        if (!string.Equals(job.InputId, input, StringComparison.OrdinalIgnoreCase))
            throw new CliFailureException($"The receipt of job {job.JobId} verifies but is for input {input}, not the job's input {job.InputId}. Not written.");
        string journal = Convert.ToHexStringLower(result.Claim.Journal);
        if (job.JournalHex != null && !string.Equals(job.JournalHex, journal, StringComparison.OrdinalIgnoreCase))
            throw new CliFailureException($"The receipt of job {job.JobId} verifies but commits to journal {journal}, not the {job.JournalHex} the node reported. Not written.");
        return $"verified against image {job.ImageId} (parameters '{parameters.Name}'{(parameters.IsInsecure ? ", INSECURE" : "")}), exit code {result.Claim.ExitCode}";
    }
}
