using Verity.Chain.Contracts;
using Verity.Crypto;
using Verity.Market.Requests;
using Verity.Stark.Air.Parameters;
using Verity.Stark.Verifier;
using Verity.Zkvm.Receipts;
using Verity.Zkvm.Verification;

namespace Verity.Market.Proving;

/// <summary>
/// The prover's own check of a receipt before anything goes on chain: the STARK receipt verifies against the request's
/// image id, the guest exited with 0, it ran on the request's input, and its journal satisfies the predicate.
/// </summary>
public static class ReceiptCheck
{
    /// <returns>the journal the receipt commits to.</returns>
    /// <exception cref="ReceiptRejectedException">Any check fails (the message names it).</exception>
    public static byte[] Verify(byte[] receipt, ProofRequest request, byte[] input, StarkParameters parameters)
    {
        var id = RequestId.Format(request.Id);
        var imageId = Digest.Read(request.Requirements.ImageId);
        // An insecure parameter set (tests) is accepted only because the prover explicitly chose it.
        var options = parameters.IsInsecure ? VerifierOptions.InsecureForTests : VerifierOptions.Default;
        var result = ZkvmVerifier.Verify(receipt, imageId, parameters, options);
        if (!result.IsValid)
            throw new ReceiptRejectedException($"request {id}: the receipt does not verify against image {imageId.ToHex()} (parameters '{parameters.Name}'): {result.Error}");
        var claim = result.Claim!;
        if (claim.ExitCode != 0)
            throw new ReceiptRejectedException($"request {id}: the guest exited with code {claim.ExitCode}; only exit code 0 fulfils a request");
        if (claim.InputDigest != Claim.DigestInput(input))
            throw new ReceiptRejectedException($"request {id}: the receipt is for another input than the request's");
        if (PredicateCheck.Problem(request.Requirements.Predicate, claim.Journal) is { } problem)
            throw new ReceiptRejectedException($"request {id}: the journal does not satisfy the predicate: {problem}");
        return claim.Journal;
    }
}

public sealed class ReceiptRejectedException(string message) : Exception(message);
