using System.Runtime.InteropServices;
using System.Text;

namespace Verity.Crypto.Tests;

public class HashSuiteTests
{
    public static TheoryData<string> SuiteNames() => new() { "blake3", "keccak256" };

    [Fact]
    public void LookupByIdAndName()
    {
        Assert.Same(HashSuites.Blake3, HashSuites.FromId(1));
        Assert.Same(HashSuites.Keccak256, HashSuites.FromId(2));
        Assert.Same(HashSuites.Blake3, HashSuites.FromName("blake3"));
        Assert.Same(HashSuites.Keccak256, HashSuites.FromName("KECCAK256"));
        Assert.Equal("blake3", HashSuites.Blake3.Name);
        Assert.Equal((byte)1, HashSuites.Blake3.Id);
        Assert.Equal("keccak256", HashSuites.Keccak256.Name);
        Assert.Equal((byte)2, HashSuites.Keccak256.Id);

        var e = Assert.Throws<ArgumentException>(() => HashSuites.FromId(0));
        Assert.Contains("Unknown hash suite id 0", e.Message);
        Assert.Throws<ArgumentException>(() => HashSuites.FromId(3));
        Assert.Throws<ArgumentException>(() => HashSuites.FromName("sha256"));
        Assert.False(HashSuites.TryFromId(200, out _));
    }

    [Fact]
    public void Blake3SuiteEncodings()
    {
        Blake3Suite suite = HashSuites.Blake3;
        Assert.Equal(Blake3.Hash(Encoding.UTF8.GetBytes("verity.merkle.leaf.v1")), suite.LeafKey);
        Assert.Equal(Blake3.Hash(Encoding.UTF8.GetBytes("verity.merkle.node.v1")), suite.NodeKey);

        byte[] data = Blake3Tests.Input(1500);
        Assert.Equal(Blake3.Hash(data), suite.Hash(data));

        var expected = new byte[32];
        Blake3.KeyedHash(suite.LeafKey.ToArray(), data, expected);
        Assert.Equal(Digest.Read(expected), suite.HashLeaf(data));

        Digest left = Blake3.Hash([1]), right = Blake3.Hash([2]);
        byte[] pair = [.. left.ToArray(), .. right.ToArray()];
        Blake3.KeyedHash(suite.NodeKey.ToArray(), pair, expected);
        Assert.Equal(Digest.Read(expected), suite.HashNode(left, right));
    }

    [Fact]
    public void Keccak256SuiteEncodings()
    {
        Keccak256Suite suite = HashSuites.Keccak256;
        byte[] data = Blake3Tests.Input(300);
        Assert.Equal(Keccak256.Hash(data), suite.Hash(data));
        Assert.Equal(Keccak256.Hash([0x00, .. data]), suite.HashLeaf(data));
        Digest left = Keccak256.Hash([1]), right = Keccak256.Hash([2]);
        Assert.Equal(Keccak256.Hash([0x01, .. left.ToArray(), .. right.ToArray()]), suite.HashNode(left, right));
    }

    [Theory]
    [MemberData(nameof(SuiteNames))]
    public void LeavesAndNodesAreDomainSeparated(string name)
    {
        IHashSuite suite = HashSuites.FromName(name);
        Digest left = suite.Hash([1]), right = suite.Hash([2]);
        byte[] pair = [.. left.ToArray(), .. right.ToArray()];
        Digest node = suite.HashNode(left, right);
        Assert.NotEqual(node, suite.HashLeaf(pair));
        Assert.NotEqual(node, suite.Hash(pair));
        Assert.NotEqual(suite.Hash(pair), suite.HashLeaf(pair));
        Assert.NotEqual(node, suite.HashNode(right, left));
    }

    [Theory]
    [MemberData(nameof(SuiteNames))]
    public void HashLeavesEqualsHashLeafPerLeaf(string name)
    {
        IHashSuite suite = HashSuites.FromName(name);
        var random = new Random(11);
        foreach (int leafBytes in new[] { 0, 1, 8, 63, 64, 65, 128, 512, 800, 1023, 1024, 1025, 1600, 2049 })
        {
            foreach (int count in new[] { 0, 1, 2, 3, 4, 7, 8, 9, 15, 16, 17, 31, 32, 33, 50 })
            {
                byte[] leaves = new byte[leafBytes * count];
                random.NextBytes(leaves);
                var output = new Digest[count];
                suite.HashLeaves(leaves, leafBytes, output);
                for (int i = 0; i < count; i++)
                    Assert.Equal(suite.HashLeaf(leaves.AsSpan(i * leafBytes, leafBytes)), output[i]);
            }
        }
    }

    [Theory]
    [MemberData(nameof(SuiteNames))]
    public void HashNodesEqualsHashNodePerPair(string name)
    {
        IHashSuite suite = HashSuites.FromName(name);
        foreach (int parents in new[] { 0, 1, 3, 4, 8, 15, 16, 17, 40 })
        {
            Digest[] children = Enumerable.Range(0, 2 * parents).Select(i => suite.Hash(BitConverter.GetBytes(i))).ToArray();
            var output = new Digest[parents];
            suite.HashNodes(children, output);
            for (int i = 0; i < parents; i++)
                Assert.Equal(suite.HashNode(children[2 * i], children[2 * i + 1]), output[i]);
        }
    }

    [Theory]
    [MemberData(nameof(SuiteNames))]
    public void BatchMethodsValidateLengths(string name)
    {
        IHashSuite suite = HashSuites.FromName(name);
        Assert.Throws<ArgumentException>(() => suite.HashLeaves(new byte[100], 10, new Digest[9]));
        Assert.Throws<ArgumentException>(() => suite.HashNodes(new Digest[5], new Digest[2]));
        Assert.ThrowsAny<ArgumentException>(() => suite.HashLeaves(new byte[0], -1, new Digest[0]));
    }

    [Fact]
    public void DigestMemoryLayoutIsItsBytes()
    {
        // The SIMD paths write digests through their memory; this holds on little-endian machines.
        Assert.Equal(32, Marshal.SizeOf<Digest>());
        if (BitConverter.IsLittleEndian)
        {
            Digest d = Blake3.Hash([7]);
            Assert.Equal(d.ToArray(), MemoryMarshal.AsBytes(new[] { d }.AsSpan()).ToArray());
        }
    }
}
