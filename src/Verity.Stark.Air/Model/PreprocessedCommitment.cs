using System.Runtime.InteropServices;
using Verity.Algebra;
using Verity.Crypto;
using Verity.Stark.Air.Parameters;

namespace Verity.Stark.Air.Model;

/// <summary>
/// The committed low-degree extension of a table's preprocessed columns: part of the verifying
/// key, derived from the AIR alone, so the verifier recomputes (and caches) the root instead of
/// trusting one from the proof.
/// </summary>
public sealed class PreprocessedCommitment
{
    private PreprocessedCommitment(RowMajorMatrix lde, Goldilocks[][] coefficients, MerkleTree tree)
    {
        Lde = lde;
        Coefficients = coefficients;
        Tree = tree;
    }

    public RowMajorMatrix Lde { get; }
    public Goldilocks[][] Coefficients { get; }
    public MerkleTree Tree { get; }
    public Crypto.Digest Root => Tree.Root;

    /// <summary>Bytes held by this commitment (LDE and coefficients), which the cache counts.</summary>
    public long Bytes => (long)Lde.Values.Length * 8 + Coefficients.Sum(c => (long)c.Length * 8);

    /// <summary>
    /// Most bytes of commitments kept between calls. The zkVM makes one AIR per program, so a long-running node that
    /// proves or verifies many programs must not keep every one: least recently used entries are dropped past this.
    /// </summary>
    public static long CacheCapacityBytes
    {
        get => Cache.CapacityBytes;
        set => Cache.CapacityBytes = value;
    }

    private static readonly LruCache<(Crypto.Digest Air, int Table, int Blowup, ulong Shift, byte Hash), PreprocessedCommitment> Cache =
        new(2L << 30, c => c.Bytes);

    public static PreprocessedCommitment Get(AirDefinition air, TableDefinition table, StarkParameters parameters, Goldilocks ldeShift)
    {
        if (table.PreprocessedWidth == 0) throw new InvalidOperationException($"Table '{table.Name}' has no preprocessed columns.");
        return Cache.GetOrAdd(Key(air, table, parameters, ldeShift), () =>
        {
            var coeffs = new Goldilocks[table.PreprocessedWidth][];
            var lde = LowDegreeExtension.Extend(table.Preprocessed, parameters.Blowup, ldeShift, coeffs);
            var tree = MerkleTree.Build(parameters.Hash, MemoryMarshal.Cast<Goldilocks, ulong>(lde.Values.AsSpan()), lde.Width);
            return new PreprocessedCommitment(lde, coeffs, tree);
        });
    }

    private static (Crypto.Digest, int, int, ulong, byte) Key(AirDefinition air, TableDefinition table, StarkParameters parameters, Goldilocks ldeShift) =>
        (air.Identity, table.Index, parameters.Blowup, ldeShift.Value, parameters.Hash.Id);

    /// <summary>Number of cached commitments (for tests).</summary>
    internal static int CachedCount => Cache.Count;

    /// <summary>Whether the commitment for this coset was computed (for tests: the verifier must not before its cheap checks).</summary>
    internal static bool IsCached(AirDefinition air, TableDefinition table, StarkParameters parameters, Goldilocks ldeShift) =>
        Cache.ContainsKey(Key(air, table, parameters, ldeShift));
}
