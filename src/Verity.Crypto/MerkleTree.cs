using System.Numerics;
using System.Runtime.InteropServices;

namespace Verity.Crypto;

/// <summary>
/// A binary Merkle tree over a power-of-two number of fixed-size leaves (each leaf one LDE row of a
/// commitment group). Leaves are hashed with <see cref="IHashSuite.HashLeaf"/>, inner nodes with
/// <see cref="IHashSuite.HashNode"/>. A tree of one leaf has depth 0 and its root is that leaf's hash.
/// </summary>
public sealed class MerkleTree
{
    /// <summary>Largest depth an opening may claim (2^30 leaves); <see cref="Build"/> is limited further by array size.</summary>
    public const int MaxDepth = 30;

    // Heap order: node 1 is the root, node n has children 2n and 2n + 1, leaf i is node LeafCount + i; node 0 is unused.
    private readonly Digest[] _nodes;

    private MerkleTree(IHashSuite suite, Digest[] nodes, int leafCount)
    {
        Suite = suite;
        _nodes = nodes;
        LeafCount = leafCount;
        Depth = BitOperations.Log2((uint)leafCount);
    }

    public IHashSuite Suite { get; }
    public int LeafCount { get; }

    /// <summary>log2 of <see cref="LeafCount"/>: the number of nodes on a path from a leaf to the root, root excluded.</summary>
    public int Depth { get; }

    public Digest Root => _nodes[1];

    public Digest LeafHash(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, LeafCount);
        return _nodes[LeafCount + index];
    }

    // Work per parallel task: large enough to amortize scheduling, small enough to balance across cores.
    private const int TaskBytes = 1 << 18;
    private const int MinParallelNodes = 1 << 12;

    /// <summary>
    /// Builds the tree over <c>leafData.Length / leafBytes</c> leaves, which must be a power of two.
    /// Subtrees of consecutive leaves are built in parallel, then the levels above them.
    /// </summary>
    public static unsafe MerkleTree Build(IHashSuite suite, ReadOnlySpan<byte> leafData, int leafBytes)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(leafBytes);
        if (leafData.Length % leafBytes != 0)
            throw new ArgumentException($"Leaf data of {leafData.Length} bytes is not a whole number of {leafBytes}-byte leaves.", nameof(leafData));
        fixed (byte* p = leafData)
        {
            nint address = (nint)p;
            return BuildCore(suite, leafData.Length / leafBytes, leafBytes,
                (first, leaves) => new ReadOnlySpan<byte>((byte*)address + (nint)first * leafBytes, leaves * leafBytes), nameof(leafData));
        }
    }

    /// <summary>
    /// Builds the tree over leaves of <paramref name="wordsPerLeaf"/> 64-bit words each, hashed as their
    /// little-endian bytes — the same tree as the byte overload, but the data may exceed 2 GiB (an LDE of
    /// 2^23 rows × 64 columns is 4 GiB), since only one subtree's leaves are viewed as bytes at a time.
    /// </summary>
    public static unsafe MerkleTree Build(IHashSuite suite, ReadOnlySpan<ulong> leafWords, int wordsPerLeaf)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(wordsPerLeaf);
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("Word leaves are hashed as their in-memory little-endian bytes.");
        if (leafWords.Length % wordsPerLeaf != 0)
            throw new ArgumentException($"Leaf data of {leafWords.Length} words is not a whole number of {wordsPerLeaf}-word leaves.", nameof(leafWords));
        int leafBytes = checked(wordsPerLeaf * sizeof(ulong));
        fixed (ulong* p = leafWords)
        {
            nint address = (nint)p;
            return BuildCore(suite, leafWords.Length / wordsPerLeaf, leafBytes,
                (first, leaves) => new ReadOnlySpan<byte>((byte*)address + (nint)first * leafBytes, leaves * leafBytes), nameof(leafWords));
        }
    }

    /// <summary>The bytes of <paramref name="leaves"/> consecutive leaves starting at leaf <paramref name="first"/>.</summary>
    private delegate ReadOnlySpan<byte> LeafSlice(int first, int leaves);

    private static MerkleTree BuildCore(IHashSuite suite, int count, int leafBytes, LeafSlice slice, string paramName)
    {
        if (count == 0 || !BitOperations.IsPow2(count))
            throw new ArgumentException($"The leaf count must be a power of two; got {count}.", paramName);
        if (2L * count > Array.MaxLength)
            throw new ArgumentException($"{count} leaves need more nodes than one array holds.", paramName);

        Digest[] nodes = GC.AllocateUninitializedArray<Digest>(2 * count);
        nodes[0] = default;

        // Subtree size: a power of two with about TaskBytes of leaf data.
        int subtree = (int)Math.Min(count, BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, TaskBytes / leafBytes)));
        int subtrees = count / subtree;
        if (subtrees == 1 || Environment.ProcessorCount == 1)
        {
            for (int s = 0; s < subtrees; s++)
                BuildSubtree(suite, slice(s * subtree, subtree), leafBytes, nodes, count, s, subtree);
        }
        else
        {
            Parallel.For(0, subtrees, s => BuildSubtree(suite, slice(s * subtree, subtree), leafBytes, nodes, count, s, subtree));
        }

        // Levels above the subtree roots, which sit at nodes [subtrees, 2 * subtrees).
        for (int level = subtrees / 2; level >= 1; level /= 2)
            HashLevel(suite, nodes, level, level >= MinParallelNodes);
        return new MerkleTree(suite, nodes, count);
    }

    /// <summary>Hashes the leaves of subtree <paramref name="s"/> (given as its own bytes) and every node of that subtree below its root.</summary>
    private static void BuildSubtree(IHashSuite suite, ReadOnlySpan<byte> subtreeLeaves, int leafBytes, Digest[] nodes, int count, int s, int subtree)
    {
        int first = s * subtree;
        suite.HashLeaves(subtreeLeaves, leafBytes, nodes.AsSpan(count + first, subtree));
        for (int width = subtree / 2, start = (count + first) / 2; width >= 1; width /= 2, start /= 2)
            suite.HashNodes(nodes.AsSpan(2 * start, 2 * width), nodes.AsSpan(start, width));
    }

    /// <summary>Hashes the nodes [width, 2 * width) from their children.</summary>
    private static void HashLevel(IHashSuite suite, Digest[] nodes, int width, bool parallel)
    {
        if (!parallel || Environment.ProcessorCount == 1)
        {
            suite.HashNodes(nodes.AsSpan(2 * width, 2 * width), nodes.AsSpan(width, width));
            return;
        }
        int block = MinParallelNodes / 2;
        Parallel.For(0, width / block, b =>
        {
            int start = width + b * block;
            suite.HashNodes(nodes.AsSpan(2 * start, 2 * block), nodes.AsSpan(start, block));
        });
    }

    /// <summary>
    /// Opens the leaves at <paramref name="indices"/> (ascending, distinct): the proof holds exactly the nodes
    /// that cannot be computed from those leaves, in canonical order — level by level from the leaves up, left
    /// to right within a level. A node whose sibling is also known (opened or computed) is never included.
    /// </summary>
    public MerkleMultiProof Open(ReadOnlySpan<int> indices)
    {
        ThrowIfInvalid(Depth, indices);
        var proof = new Digest[MerkleMultiProof.CountNodesUnchecked(Depth, indices)];
        int[] siblings = new int[indices.Length];
        int n = 0;
        for (int level = 0; level < Depth; level++)
        {
            int levelStart = LeafCount >> level;
            int m = MerkleMultiProof.MissingSiblings(indices, level, siblings);
            for (int j = 0; j < m; j++)
                proof[n++] = _nodes[levelStart + siblings[j]];
        }
        return new MerkleMultiProof(proof);
    }

    /// <summary>Checks indices against a tree of the given depth; returns null when valid, else what is wrong.</summary>
    internal static string? Validate(int depth, ReadOnlySpan<int> indices)
    {
        if (depth < 0 || depth > MaxDepth)
            return $"depth {depth} is outside 0..{MaxDepth}";
        if (indices.IsEmpty)
            return "no leaf indices";
        int count = 1 << depth;
        for (int i = 0; i < indices.Length; i++)
        {
            if (indices[i] < 0 || indices[i] >= count)
                return $"leaf index {indices[i]} at position {i} is outside 0..{count - 1}";
            if (i > 0 && indices[i] <= indices[i - 1])
                return $"leaf indices are not ascending and distinct at position {i} ({indices[i - 1]} then {indices[i]})";
        }
        return null;
    }

    internal static void ThrowIfInvalid(int depth, ReadOnlySpan<int> indices)
    {
        string? error = Validate(depth, indices);
        if (error is not null)
            throw new ArgumentException($"Invalid Merkle opening: {error}.", nameof(indices));
    }

    /// <summary>
    /// Checks that the leaves with hashes <paramref name="leafHashes"/> at <paramref name="indices"/> (ascending,
    /// distinct) belong to the tree of depth <paramref name="depth"/> with root <paramref name="root"/>, consuming
    /// exactly the nodes of <paramref name="proof"/> in canonical order. Never throws on bad input: returns false and
    /// says what is wrong in <paramref name="error"/>.
    /// </summary>
    public static bool TryVerify(IHashSuite suite, Digest root, int depth, ReadOnlySpan<int> indices,
        ReadOnlySpan<Digest> leafHashes, MerkleMultiProof? proof, out string? error)
    {
        if (suite is null) { error = "no hash suite"; return false; }
        if (proof?.Nodes is null) { error = "no proof"; return false; }
        error = Validate(depth, indices);
        if (error is not null) return false;
        if (leafHashes.Length != indices.Length)
        {
            error = $"{leafHashes.Length} leaf hashes for {indices.Length} indices";
            return false;
        }
        int expected = MerkleMultiProof.CountNodesUnchecked(depth, indices);
        if (proof.Nodes.Length != expected)
        {
            error = $"the proof has {proof.Nodes.Length} nodes; opening {indices.Length} leaves of a depth-{depth} tree needs {expected}";
            return false;
        }

        // Known nodes of the current level: positions ascending, with their hashes.
        int[] positions = indices.ToArray();
        Digest[] hashes = leafHashes.ToArray();
        int known = positions.Length;
        int next = 0;
        ReadOnlySpan<Digest> nodes = proof.Nodes;
        for (int level = 0; level < depth; level++)
        {
            int parents = 0;
            for (int i = 0; i < known; i++)
            {
                int p = positions[i];
                Digest parent;
                if ((p & 1) == 0 && i + 1 < known && positions[i + 1] == p + 1)
                {
                    parent = suite.HashNode(in hashes[i], in hashes[i + 1]);
                    i++;
                }
                else
                {
                    // The node count was checked above, so the proof cannot run out here.
                    Digest sibling = nodes[next++];
                    parent = (p & 1) == 0 ? suite.HashNode(in hashes[i], in sibling) : suite.HashNode(in sibling, in hashes[i]);
                }
                positions[parents] = p >> 1;
                hashes[parents++] = parent;
            }
            known = parents;
        }

        if (hashes[0] != root)
        {
            error = "the computed root does not match the commitment";
            return false;
        }
        error = null;
        return true;
    }
}

/// <summary>
/// The nodes that open several leaves of a <see cref="MerkleTree"/> together, in canonical order: level by level
/// from the leaves up, left to right within a level; each is the sibling of a node the verifier knows and that it
/// cannot compute, and appears once however many opened paths share it.
/// </summary>
public sealed class MerkleMultiProof
{
    public MerkleMultiProof(Digest[] nodes)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        Nodes = nodes;
    }

    public Digest[] Nodes { get; }

    /// <summary>
    /// The exact number of proof nodes for opening <paramref name="indices"/> (ascending, distinct, non-empty) in a
    /// tree of depth <paramref name="depth"/>, so a deserializer can check a proof's shape before using it.
    /// Throws <see cref="ArgumentException"/> for invalid indices or depth.
    /// </summary>
    public static int CountNodes(int depth, ReadOnlySpan<int> indices)
    {
        MerkleTree.ThrowIfInvalid(depth, indices);
        return CountNodesUnchecked(depth, indices);
    }

    internal static int CountNodesUnchecked(int depth, ReadOnlySpan<int> indices)
    {
        int total = 0;
        for (int level = 0; level < depth; level++)
            total += MissingSiblings(indices, level, default);
        return total;
    }

    /// <summary>
    /// Positions, left to right, of the nodes at <paramref name="level"/> (0 = leaves) that a verifier of the opening
    /// needs: siblings of known nodes (ancestors of opened leaves) that are not known themselves. Writes them to
    /// <paramref name="siblings"/> unless it is empty, and returns how many there are.
    /// </summary>
    internal static int MissingSiblings(ReadOnlySpan<int> indices, int level, Span<int> siblings)
    {
        int count = 0;
        int i = 0;
        while (i < indices.Length)
        {
            int p = indices[i] >> level;
            // Skip the other opened leaves under the same node.
            do i++; while (i < indices.Length && indices[i] >> level == p);
            if ((p & 1) == 0 && i < indices.Length && indices[i] >> level == p + 1)
            {
                // The sibling is known too: skip the leaves under it.
                do i++; while (i < indices.Length && indices[i] >> level == p + 1);
                continue;
            }
            if (!siblings.IsEmpty)
                siblings[count] = p ^ 1;
            count++;
        }
        return count;
    }
}
