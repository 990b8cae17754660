using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Verity.Chain.Contracts;

/// <summary>
/// What an on-chain seal proves (docs/MARKET.md §1): sha256(CLAIM_TAG ‖ imageId ‖ journalDigest ‖ uint32be(exit 0))
/// with CLAIM_TAG = sha256("verity.claim.v1"). The input is the prover's witness and not part of it.
/// </summary>
public static class ClaimDigest
{
    public static readonly byte[] Tag = SHA256.HashData(Encoding.ASCII.GetBytes("verity.claim.v1"));

    public static byte[] Compute(ReadOnlySpan<byte> imageId, ReadOnlySpan<byte> journalDigest)
    {
        if (imageId.Length != 32) throw new ArgumentException("imageId must be 32 bytes", nameof(imageId));
        if (journalDigest.Length != 32) throw new ArgumentException("journalDigest must be 32 bytes", nameof(journalDigest));
        Span<byte> preimage = stackalloc byte[32 + 32 + 32 + 4];
        Tag.CopyTo(preimage);
        imageId.CopyTo(preimage[32..]);
        journalDigest.CopyTo(preimage[64..]);
        BinaryPrimitives.WriteUInt32BigEndian(preimage[96..], 0);
        return SHA256.HashData(preimage);
    }

    /// <summary>The journal digest the router and predicates use: sha256(journal).</summary>
    public static byte[] Journal(ReadOnlySpan<byte> journal) => SHA256.HashData(journal);
}
