using FsCheck;
using FsCheck.Fluent;

namespace Verity.Crypto.Tests;

public class MerkleTreeTests
{
    public static TheoryData<string> SuiteNames() => new() { "blake3", "keccak256" };

    private static byte[] RandomLeaves(int count, int leafBytes, int seed)
    {
        var data = new byte[count * leafBytes];
        new Random(seed).NextBytes(data);
        return data;
    }

    private static Digest[] LeafHashes(MerkleTree tree, ReadOnlySpan<int> indices)
    {
        var hashes = new Digest[indices.Length];
        for (int i = 0; i < indices.Length; i++)
            hashes[i] = tree.LeafHash(indices[i]);
        return hashes;
    }

    /// <summary>Root computed the obvious way, level by level with HashNode.</summary>
    private static Digest NaiveRoot(IHashSuite suite, byte[] data, int leafBytes)
    {
        var level = new List<Digest>();
        for (int i = 0; i < data.Length / leafBytes; i++)
            level.Add(suite.HashLeaf(data.AsSpan(i * leafBytes, leafBytes)));
        while (level.Count > 1)
            level = Enumerable.Range(0, level.Count / 2).Select(i => suite.HashNode(level[2 * i], level[2 * i + 1])).ToList();
        return level[0];
    }

    private static void AssertVerifies(MerkleTree tree, int[] indices)
    {
        MerkleMultiProof proof = tree.Open(indices);
        Assert.Equal(MerkleMultiProof.CountNodes(tree.Depth, indices), proof.Nodes.Length);
        bool ok = MerkleTree.TryVerify(tree.Suite, tree.Root, tree.Depth, indices, LeafHashes(tree, indices), proof, out string? error);
        Assert.True(ok, error);
        Assert.Null(error);
    }

    [Theory]
    [MemberData(nameof(SuiteNames))]
    public void SingleLeafTree(string name)
    {
        IHashSuite suite = HashSuites.FromName(name);
        byte[] data = RandomLeaves(1, 100, 1);
        MerkleTree tree = MerkleTree.Build(suite, data, 100);
        Assert.Equal(1, tree.LeafCount);
        Assert.Equal(0, tree.Depth);
        Assert.Equal(suite.HashLeaf(data), tree.Root);
        MerkleMultiProof proof = tree.Open([0]);
        Assert.Empty(proof.Nodes);
        AssertVerifies(tree, [0]);
    }

    [Theory]
    [InlineData("blake3", 1, 64)]
    [InlineData("blake3", 2, 512)]
    [InlineData("blake3", 5, 40)]
    [InlineData("blake3", 9, 1600)]
    [InlineData("blake3", 13, 8)]
    [InlineData("blake3", 14, 512)]
    [InlineData("keccak256", 3, 100)]
    [InlineData("keccak256", 10, 64)]
    public void RootMatchesNaiveComputation(string name, int depth, int leafBytes)
    {
        IHashSuite suite = HashSuites.FromName(name);
        byte[] data = RandomLeaves(1 << depth, leafBytes, depth);
        MerkleTree tree = MerkleTree.Build(suite, data, leafBytes);
        Assert.Equal(1 << depth, tree.LeafCount);
        Assert.Equal(depth, tree.Depth);
        Assert.Equal(NaiveRoot(suite, data, leafBytes), tree.Root);
        for (int i = 0; i < tree.LeafCount; i += Math.Max(1, tree.LeafCount / 64))
            Assert.Equal(suite.HashLeaf(data.AsSpan(i * leafBytes, leafBytes)), tree.LeafHash(i));
    }

    [Theory]
    [InlineData("blake3", 0, 1)]
    [InlineData("blake3", 6, 64)]
    [InlineData("blake3", 14, 8)]
    [InlineData("keccak256", 7, 3)]
    public void WordLeavesGiveTheSameTreeAsTheirBytes(string name, int depth, int wordsPerLeaf)
    {
        IHashSuite suite = HashSuites.FromName(name);
        byte[] data = RandomLeaves(1 << depth, wordsPerLeaf * 8, depth + 100);
        ulong[] words = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ulong>(data).ToArray();
        Assert.Equal(MerkleTree.Build(suite, data, wordsPerLeaf * 8).Root, MerkleTree.Build(suite, words, wordsPerLeaf).Root);
        Assert.Throws<ArgumentException>(() => MerkleTree.Build(suite, words.AsSpan(0, words.Length - 1), wordsPerLeaf * 2 + 1));
        Assert.ThrowsAny<ArgumentException>(() => MerkleTree.Build(suite, words, 0));
    }

    [Fact]
    public void BuildRejectsBadShapes()
    {
        IHashSuite suite = HashSuites.Blake3;
        Assert.Throws<ArgumentException>(() => MerkleTree.Build(suite, new byte[3 * 16], 16));
        Assert.Throws<ArgumentException>(() => MerkleTree.Build(suite, new byte[0], 16));
        Assert.Throws<ArgumentException>(() => MerkleTree.Build(suite, new byte[33], 16));
        Assert.ThrowsAny<ArgumentException>(() => MerkleTree.Build(suite, new byte[32], 0));
    }

    [Theory]
    [MemberData(nameof(SuiteNames))]
    public void OpensTypicalSubsets(string name)
    {
        IHashSuite suite = HashSuites.FromName(name);
        const int depth = 6;
        MerkleTree tree = MerkleTree.Build(suite, RandomLeaves(1 << depth, 24, 3), 24);
        int n = tree.LeafCount;
        AssertVerifies(tree, [0]);
        AssertVerifies(tree, [n - 1]);
        AssertVerifies(tree, [0, n - 1]);
        AssertVerifies(tree, [10, 11]);
        AssertVerifies(tree, [11, 12]);
        AssertVerifies(tree, Enumerable.Range(0, n).ToArray());
        Assert.Empty(tree.Open(Enumerable.Range(0, n).ToArray()).Nodes);
        Assert.Equal(depth, tree.Open([5]).Nodes.Length);
        // Two adjacent leaves under one parent share every node above it.
        Assert.Equal(depth - 1, tree.Open([10, 11]).Nodes.Length);
        var random = new Random(4);
        for (int trial = 0; trial < 50; trial++)
        {
            int[] subset = Enumerable.Range(0, n).Where(_ => random.Next(4) == 0).ToArray();
            if (subset.Length > 0)
                AssertVerifies(tree, subset);
        }
    }

    [Fact]
    public void ProofNodesAreCanonicalAndShared()
    {
        IHashSuite suite = HashSuites.Blake3;
        byte[] data = RandomLeaves(8, 16, 5);
        MerkleTree tree = MerkleTree.Build(suite, data, 16);
        // Leaves 0 and 3 of 8: level 0 needs leaves 1 and 2; level 1 knows nodes 0 and 1 (siblings); level 2 needs node 1.
        Digest[] nodes = tree.Open([0, 3]).Nodes;
        Digest l1 = suite.HashNode(tree.LeafHash(4), tree.LeafHash(5));
        Digest l2 = suite.HashNode(tree.LeafHash(6), tree.LeafHash(7));
        Assert.Equal([tree.LeafHash(1), tree.LeafHash(2), suite.HashNode(l1, l2)], nodes);
        Assert.Equal(3, MerkleMultiProof.CountNodes(3, [0, 3]));
    }

    [Theory]
    [MemberData(nameof(SuiteNames))]
    public void RejectsTamperedOpenings(string name)
    {
        IHashSuite suite = HashSuites.FromName(name);
        const int depth = 5;
        MerkleTree tree = MerkleTree.Build(suite, RandomLeaves(1 << depth, 32, 6), 32);
        int[] indices = [1, 2, 9, 20, 21, 31];
        Digest[] hashes = LeafHashes(tree, indices);
        MerkleMultiProof proof = tree.Open(indices);
        Assert.True(proof.Nodes.Length >= 2);

        void Fails(Digest root, int d, int[] idx, Digest[] leafHashes, MerkleMultiProof? p, string expected)
        {
            Assert.False(MerkleTree.TryVerify(suite, root, d, idx, leafHashes, p, out string? error));
            Assert.NotNull(error);
            Assert.Contains(expected, error);
        }

        // Wrong leaf.
        Digest[] wrongLeaf = (Digest[])hashes.Clone();
        wrongLeaf[2] = suite.HashLeaf([1, 2, 3]);
        Fails(tree.Root, depth, indices, wrongLeaf, proof, "root");
        // Wrong index (same count, still sorted).
        Fails(tree.Root, depth, [1, 3, 9, 20, 21, 31], hashes, proof, "");
        Fails(tree.Root, depth, [0, 2, 9, 20, 21, 31], hashes, proof, "");
        // Swapped proof nodes.
        Digest[] swapped = (Digest[])proof.Nodes.Clone();
        (swapped[0], swapped[1]) = (swapped[1], swapped[0]);
        Fails(tree.Root, depth, indices, hashes, new MerkleMultiProof(swapped), "root");
        // Altered node.
        Digest[] altered = (Digest[])proof.Nodes.Clone();
        altered[^1] = suite.Hash([9]);
        Fails(tree.Root, depth, indices, hashes, new MerkleMultiProof(altered), "root");
        // Extra and missing nodes.
        Fails(tree.Root, depth, indices, hashes, new MerkleMultiProof([.. proof.Nodes, suite.Hash([])]), "nodes");
        Fails(tree.Root, depth, indices, hashes, new MerkleMultiProof(proof.Nodes[..^1]), "nodes");
        Fails(tree.Root, depth, indices, hashes, new MerkleMultiProof([]), "nodes");
        // Wrong root and wrong depth.
        Fails(suite.Hash([1]), depth, indices, hashes, proof, "root");
        Fails(tree.Root, depth - 1, indices, hashes, proof, "");
        Fails(tree.Root, depth + 1, indices, hashes, proof, "");
        Fails(tree.Root, -1, indices, hashes, proof, "depth");
        Fails(tree.Root, 31, indices, hashes, proof, "depth");
        // Unsorted, duplicate, out-of-range and empty indices.
        Fails(tree.Root, depth, [2, 1, 9, 20, 21, 31], hashes, proof, "ascending");
        Fails(tree.Root, depth, [1, 2, 9, 9, 21, 31], hashes, proof, "ascending");
        Fails(tree.Root, depth, [1, 2, 9, 20, 21, 32], hashes, proof, "outside");
        Fails(tree.Root, depth, [-1, 2, 9, 20, 21, 31], hashes, proof, "outside");
        Fails(tree.Root, depth, [], [], proof, "no leaf indices");
        // Leaf hash count and a missing proof.
        Fails(tree.Root, depth, indices, hashes[..^1], proof, "leaf hashes");
        Fails(tree.Root, depth, indices, hashes, null, "no proof");

        Assert.True(MerkleTree.TryVerify(suite, tree.Root, depth, indices, hashes, proof, out _));
    }

    [Fact]
    public void OpenAndCountValidateIndices()
    {
        MerkleTree tree = MerkleTree.Build(HashSuites.Blake3, new byte[8 * 4], 4);
        Assert.Throws<ArgumentException>(() => tree.Open([3, 1]));
        Assert.Throws<ArgumentException>(() => tree.Open([1, 1]));
        Assert.Throws<ArgumentException>(() => tree.Open([8]));
        Assert.Throws<ArgumentException>(() => tree.Open([]));
        Assert.Throws<ArgumentException>(() => MerkleMultiProof.CountNodes(3, [8]));
        Assert.Throws<ArgumentException>(() => MerkleMultiProof.CountNodes(31, [0]));
        Assert.Throws<ArgumentOutOfRangeException>(() => tree.LeafHash(8));
    }

    [Fact]
    public void LeafBytesEqualToANodePairDoNotHashToThatNode()
    {
        foreach (IHashSuite suite in HashSuites.All)
        {
            byte[] data = RandomLeaves(2, 64, 8);
            MerkleTree small = MerkleTree.Build(suite, data, 64);
            // A one-leaf "tree" whose leaf is left ‖ right of the two-leaf tree's root.
            byte[] pair = [.. small.LeafHash(0).ToArray(), .. small.LeafHash(1).ToArray()];
            MerkleTree forged = MerkleTree.Build(suite, pair, 64);
            Assert.NotEqual(small.Root, forged.Root);
        }
    }

    [Fact]
    public void LargeTreeBuildsInParallelConsistently()
    {
        // 2^15 leaves of 512 bytes: several parallel subtrees and parallel upper levels.
        byte[] data = RandomLeaves(1 << 15, 512, 12);
        MerkleTree tree = MerkleTree.Build(HashSuites.Blake3, data, 512);
        Assert.Equal(NaiveRoot(HashSuites.Blake3, data, 512), tree.Root);
        AssertVerifies(tree, [0, 1, 777, 4096, 30000, 32767]);
    }

    [Fact]
    public void RandomOpeningsVerifyProperty()
    {
        MerkleTree[] trees = Enumerable.Range(0, 9)
            .Select(d => MerkleTree.Build(HashSuites.Blake3, RandomLeaves(1 << d, 12, d), 12)).ToArray();
        Prop.ForAll(ArbMap.Default.ArbFor<int[]>(), ArbMap.Default.ArbFor<byte>(), (int[] raw, byte depthByte) =>
        {
            MerkleTree tree = trees[depthByte % trees.Length];
            int[] indices = raw.Select(x => (int)((uint)x % (uint)tree.LeafCount)).Distinct().Order().ToArray();
            if (indices.Length == 0)
                return true;
            MerkleMultiProof proof = tree.Open(indices);
            if (proof.Nodes.Length != MerkleMultiProof.CountNodes(tree.Depth, indices))
                return false;
            if (!MerkleTree.TryVerify(tree.Suite, tree.Root, tree.Depth, indices, LeafHashes(tree, indices), proof, out _))
                return false;
            // Dropping any one opened leaf with the same proof must fail (the node count no longer fits or the root differs).
            if (indices.Length > 1)
            {
                int[] fewer = indices[1..];
                if (MerkleTree.TryVerify(tree.Suite, tree.Root, tree.Depth, fewer, LeafHashes(tree, fewer), proof, out _))
                    return false;
            }
            return true;
        }).QuickCheckThrowOnFailure();
    }
}
