namespace Verity.Chain.Contracts;

/// <summary>
/// The seal DevelopmentVerifier accepts: 0xdeadc0de ‖ claimDigest(imageId, sha256(journal)). It proves nothing;
/// only for chain 31337 and receipts the node verified itself ("verified off chain by the prover; development
/// verifier on chain").
/// </summary>
public static class DevelopmentSeal
{
    public static readonly byte[] Selector = [0xde, 0xad, 0xc0, 0xde];

    public static byte[] Create(ReadOnlySpan<byte> imageId, ReadOnlySpan<byte> journal)
    {
        var claim = ClaimDigest.Compute(imageId, ClaimDigest.Journal(journal));
        var seal = new byte[4 + 32];
        Selector.CopyTo(seal, 0);
        claim.CopyTo(seal, 4);
        return seal;
    }

    public static bool IsDevelopmentSeal(ReadOnlySpan<byte> seal) => seal.Length >= 4 && seal[..4].SequenceEqual(Selector);
}
