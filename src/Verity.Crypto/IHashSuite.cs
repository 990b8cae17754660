namespace Verity.Crypto;

/// <summary>
/// The hash used by a proof for its Merkle trees and its Fiat–Shamir transcript. A proof names
/// its suite by <see cref="Id"/>; the verifier decides which suites it accepts.
/// Leaf and node hashing are domain-separated from each other and from plain hashing.
/// </summary>
public interface IHashSuite
{
    /// <summary>Stable name, e.g. "blake3".</summary>
    string Name { get; }

    /// <summary>Stable one-byte identifier bound into transcripts and proofs.</summary>
    byte Id { get; }

    /// <summary>Plain 32-byte hash (used by the transcript).</summary>
    Digest Hash(ReadOnlySpan<byte> data);

    /// <summary>Domain-separated hash of one Merkle leaf.</summary>
    Digest HashLeaf(ReadOnlySpan<byte> leaf);

    /// <summary>Domain-separated hash of two child nodes.</summary>
    Digest HashNode(in Digest left, in Digest right);

    /// <summary>
    /// Hashes <c>output.Length</c> consecutive leaves of <paramref name="leafBytes"/> bytes each;
    /// equal to calling <see cref="HashLeaf"/> on each (implementations may hash several at once).
    /// </summary>
    void HashLeaves(ReadOnlySpan<byte> leaves, int leafBytes, Span<Digest> output);

    /// <summary>
    /// Hashes one Merkle level: <c>parents[i] = HashNode(children[2i], children[2i + 1])</c> for every i;
    /// <c>children.Length</c> must be <c>2 * parents.Length</c>. Suites override this to hash several nodes at once.
    /// </summary>
    void HashNodes(ReadOnlySpan<Digest> children, Span<Digest> parents)
    {
        if (children.Length != 2 * parents.Length)
            throw new ArgumentException($"HashNodes needs 2 children per parent: {children.Length} children for {parents.Length} parents.", nameof(children));
        for (int i = 0; i < parents.Length; i++)
            parents[i] = HashNode(in children[2 * i], in children[2 * i + 1]);
    }
}
