using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using System.Text;

namespace Verity.Crypto;

/// <summary>The hash suites a proof can name, by <see cref="IHashSuite.Id"/> or <see cref="IHashSuite.Name"/>.</summary>
public static class HashSuites
{
    /// <summary>The "blake3" suite, id 1.</summary>
    public static Blake3Suite Blake3 { get; } = new();

    /// <summary>The "keccak256" suite, id 2.</summary>
    public static Keccak256Suite Keccak256 { get; } = new();

    /// <summary>Every known suite, in id order.</summary>
    public static IReadOnlyList<IHashSuite> All { get; } = [Blake3, Keccak256];

    /// <summary>The suite with the given id; throws <see cref="ArgumentException"/> for an unknown id.</summary>
    public static IHashSuite FromId(byte id) =>
        TryFromId(id, out IHashSuite? suite) ? suite : throw new ArgumentException($"Unknown hash suite id {id}; known suites: {Known()}.", nameof(id));

    /// <summary>The suite with the given name (case-insensitive); throws <see cref="ArgumentException"/> for an unknown name.</summary>
    public static IHashSuite FromName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return TryFromName(name, out IHashSuite? suite) ? suite : throw new ArgumentException($"Unknown hash suite '{name}'; known suites: {Known()}.", nameof(name));
    }

    public static bool TryFromId(byte id, [NotNullWhen(true)] out IHashSuite? suite)
    {
        foreach (IHashSuite s in All)
        {
            if (s.Id == id) { suite = s; return true; }
        }
        suite = null;
        return false;
    }

    public static bool TryFromName(string? name, [NotNullWhen(true)] out IHashSuite? suite)
    {
        foreach (IHashSuite s in All)
        {
            if (string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase)) { suite = s; return true; }
        }
        suite = null;
        return false;
    }

    private static string Known() => string.Join(", ", All.Select(s => $"{s.Id} ({s.Name})"));

    internal static void CheckLeaves(ReadOnlySpan<byte> leaves, int leafBytes, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(leafBytes);
        if (leaves.Length != (long)leafBytes * count)
            throw new ArgumentException($"Expected {count} leaves of {leafBytes} bytes ({(long)leafBytes * count} bytes); got {leaves.Length} bytes.", nameof(leaves));
    }

    internal static void CheckNodes(int children, int parents)
    {
        if (children != 2 * (long)parents)
            throw new ArgumentException($"HashNodes needs 2 children per parent: {children} children for {parents} parents.", nameof(children));
    }
}

/// <summary>
/// The "blake3" suite (id 1). Encodings, fixed by the proof format:
/// <list type="bullet">
/// <item><c>Hash(data) = BLAKE3(data)</c>, 32-byte output.</item>
/// <item><c>HashLeaf(leaf) = BLAKE3-keyed_hash(LeafKey, leaf)</c> with <c>LeafKey = BLAKE3(UTF-8 "verity.merkle.leaf.v1")</c>.</item>
/// <item><c>HashNode(l, r) = BLAKE3-keyed_hash(NodeKey, l ‖ r)</c> with <c>NodeKey = BLAKE3(UTF-8 "verity.merkle.node.v1")</c>;
/// the 64-byte input is a single compression.</item>
/// </list>
/// A digest's bytes are the 32 output bytes in order (<see cref="Digest.WriteTo"/>). The distinct keys separate
/// leaves from nodes, and both from plain hashing, which is unkeyed.
/// </summary>
public sealed class Blake3Suite : IHashSuite
{
    public const byte SuiteId = 1;
    public const string SuiteName = "blake3";

    private readonly Words8 _leafKey;
    private readonly Words8 _nodeKey;

    internal Blake3Suite()
    {
        LeafKey = Crypto.Blake3.Hash(Encoding.UTF8.GetBytes("verity.merkle.leaf.v1"));
        NodeKey = Crypto.Blake3.Hash(Encoding.UTF8.GetBytes("verity.merkle.node.v1"));
        _leafKey = Words8.FromDigest(LeafKey);
        _nodeKey = Words8.FromDigest(NodeKey);
    }

    public string Name => SuiteName;
    public byte Id => SuiteId;

    /// <summary>Key of leaf hashing: BLAKE3 of the UTF-8 string "verity.merkle.leaf.v1".</summary>
    public Digest LeafKey { get; }

    /// <summary>Key of node hashing: BLAKE3 of the UTF-8 string "verity.merkle.node.v1".</summary>
    public Digest NodeKey { get; }

    public Digest Hash(ReadOnlySpan<byte> data) => Crypto.Blake3.Hash(data);

    public Digest HashLeaf(ReadOnlySpan<byte> leaf) => Crypto.Blake3.HashToDigest(in _leafKey, Crypto.Blake3.KeyedHashFlag, leaf);

    public Digest HashNode(in Digest left, in Digest right)
    {
        Bytes64 block = default;
        Span<byte> b = block;
        left.WriteTo(b);
        right.WriteTo(b[Digest.Size..]);
        Words8 cv = _nodeKey;
        const uint flags = Crypto.Blake3.KeyedHashFlag | Crypto.Blake3.ChunkStart | Crypto.Blake3.ChunkEnd | Crypto.Blake3.Root;
        Crypto.Blake3.Compress(ref cv[0], ref block[0], 0, Crypto.Blake3.BlockLen, flags, ref cv[0], extended: false);
        return cv.ToDigest();
    }

    /// <summary>Hashes the leaves 16, 8 or 4 at a time in SIMD lanes where the machine allows.</summary>
    public void HashLeaves(ReadOnlySpan<byte> leaves, int leafBytes, Span<Digest> output)
    {
        HashSuites.CheckLeaves(leaves, leafBytes, output.Length);
        if (!BitConverter.IsLittleEndian)
        {
            // The lane code writes digests through their in-memory bytes, which match Digest.Read only on little-endian.
            for (int i = 0; i < output.Length; i++)
                output[i] = HashLeaf(leaves.Slice(i * leafBytes, leafBytes));
            return;
        }
        Blake3Lanes.HashMany(leaves, leafBytes, leafBytes, output.Length, in _leafKey, Crypto.Blake3.KeyedHashFlag, MemoryMarshal.AsBytes(output));
    }

    /// <summary>Hashes a Merkle level in SIMD lanes: the children of consecutive parents are consecutive 64-byte inputs.</summary>
    public void HashNodes(ReadOnlySpan<Digest> children, Span<Digest> parents)
    {
        HashSuites.CheckNodes(children.Length, parents.Length);
        if (!BitConverter.IsLittleEndian)
        {
            for (int i = 0; i < parents.Length; i++)
                parents[i] = HashNode(in children[2 * i], in children[2 * i + 1]);
            return;
        }
        Blake3Lanes.HashMany(MemoryMarshal.AsBytes(children), 2 * Digest.Size, 2 * Digest.Size, parents.Length,
            in _nodeKey, Crypto.Blake3.KeyedHashFlag, MemoryMarshal.AsBytes(parents));
    }

    public override string ToString() => SuiteName;
}

/// <summary>
/// The "keccak256" suite (id 2), for proofs checked on the EVM. Encodings, fixed by the proof format
/// (‖ is byte concatenation, digests are the 32 Keccak output bytes in order):
/// <list type="bullet">
/// <item><c>Hash(data) = keccak256(data)</c>.</item>
/// <item><c>HashLeaf(leaf) = keccak256(0x00 ‖ leaf)</c>.</item>
/// <item><c>HashNode(l, r) = keccak256(0x01 ‖ l ‖ r)</c> (65 bytes), i.e. Solidity's
/// <c>keccak256(abi.encodePacked(bytes1(0x01), l, r))</c>.</item>
/// </list>
/// The prefix byte separates leaves from nodes: a leaf can never hash to a node value.
/// </summary>
public sealed class Keccak256Suite : IHashSuite
{
    public const byte SuiteId = 2;
    public const string SuiteName = "keccak256";
    public const byte LeafPrefix = 0x00;
    public const byte NodePrefix = 0x01;

    internal Keccak256Suite() { }

    public string Name => SuiteName;
    public byte Id => SuiteId;

    public Digest Hash(ReadOnlySpan<byte> data) => Crypto.Keccak256.Hash(data);

    public Digest HashLeaf(ReadOnlySpan<byte> leaf)
    {
        KeccakSponge sponge = default;
        sponge.AbsorbByte(LeafPrefix);
        sponge.Absorb(leaf);
        return sponge.FinishDigest();
    }

    public Digest HashNode(in Digest left, in Digest right)
    {
        Span<byte> buffer = stackalloc byte[1 + 2 * Digest.Size];
        buffer[0] = NodePrefix;
        left.WriteTo(buffer[1..]);
        right.WriteTo(buffer[(1 + Digest.Size)..]);
        return Crypto.Keccak256.Hash(buffer);
    }

    public void HashLeaves(ReadOnlySpan<byte> leaves, int leafBytes, Span<Digest> output)
    {
        HashSuites.CheckLeaves(leaves, leafBytes, output.Length);
        for (int i = 0; i < output.Length; i++)
            output[i] = HashLeaf(leaves.Slice(i * leafBytes, leafBytes));
    }

    public void HashNodes(ReadOnlySpan<Digest> children, Span<Digest> parents)
    {
        HashSuites.CheckNodes(children.Length, parents.Length);
        for (int i = 0; i < parents.Length; i++)
            parents[i] = HashNode(in children[2 * i], in children[2 * i + 1]);
    }

    public override string ToString() => SuiteName;
}
