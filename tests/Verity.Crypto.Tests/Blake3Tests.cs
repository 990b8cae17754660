using System.Text;
using System.Text.Json;

namespace Verity.Crypto.Tests;

public class Blake3Tests
{
    public sealed record VectorCase(int InputLen, byte[] Hash, byte[] KeyedHash, byte[] DeriveKey);

    private static readonly (byte[] Key, string Context, VectorCase[] Cases) Vectors = LoadVectors();

    private static (byte[], string, VectorCase[]) LoadVectors()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Vectors", "blake3_test_vectors.json");
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(path));
        JsonElement root = doc.RootElement;
        byte[] key = Encoding.ASCII.GetBytes(root.GetProperty("key").GetString()!);
        string context = root.GetProperty("context_string").GetString()!;
        VectorCase[] cases = root.GetProperty("cases").EnumerateArray().Select(c => new VectorCase(
            c.GetProperty("input_len").GetInt32(),
            Convert.FromHexString(c.GetProperty("hash").GetString()!),
            Convert.FromHexString(c.GetProperty("keyed_hash").GetString()!),
            Convert.FromHexString(c.GetProperty("derive_key").GetString()!))).ToArray();
        return (key, context, cases);
    }

    public static TheoryData<int> VectorLengths()
    {
        var data = new TheoryData<int>();
        foreach (VectorCase c in Vectors.Cases)
            data.Add(c.InputLen);
        return data;
    }

    private static VectorCase Case(int inputLen) => Vectors.Cases.Single(c => c.InputLen == inputLen);

    internal static byte[] Input(int length)
    {
        var input = new byte[length];
        for (int i = 0; i < length; i++)
            input[i] = (byte)(i % 251);
        return input;
    }

    [Fact]
    public void VectorFileHasAllCases() => Assert.Equal(35, Vectors.Cases.Length);

    [Theory]
    [MemberData(nameof(VectorLengths))]
    public void HashMatchesVector(int inputLen)
    {
        VectorCase c = Case(inputLen);
        byte[] input = Input(inputLen);

        var extended = new byte[c.Hash.Length];
        Blake3.Hash(input, extended);
        Assert.Equal(c.Hash, extended);

        var digest = new byte[32];
        Blake3.Hash(input, digest);
        Assert.Equal(c.Hash[..32], digest);
        Assert.Equal(Digest.Read(c.Hash), Blake3.Hash(input));
    }

    [Theory]
    [MemberData(nameof(VectorLengths))]
    public void KeyedHashMatchesVector(int inputLen)
    {
        VectorCase c = Case(inputLen);
        byte[] input = Input(inputLen);
        var extended = new byte[c.KeyedHash.Length];
        Blake3.KeyedHash(Vectors.Key, input, extended);
        Assert.Equal(c.KeyedHash, extended);
        var digest = new byte[32];
        Blake3.KeyedHash(Vectors.Key, input, digest);
        Assert.Equal(c.KeyedHash[..32], digest);
    }

    [Theory]
    [MemberData(nameof(VectorLengths))]
    public void DeriveKeyMatchesVector(int inputLen)
    {
        VectorCase c = Case(inputLen);
        byte[] input = Input(inputLen);
        var extended = new byte[c.DeriveKey.Length];
        Blake3.DeriveKey(Vectors.Context, input, extended);
        Assert.Equal(c.DeriveKey, extended);
        var digest = new byte[32];
        Blake3.DeriveKey(Vectors.Context, input, digest);
        Assert.Equal(c.DeriveKey[..32], digest);
    }

    [Theory]
    [MemberData(nameof(VectorLengths))]
    public void IncrementalMatchesVectorForManySplits(int inputLen)
    {
        VectorCase c = Case(inputLen);
        byte[] input = Input(inputLen);
        foreach (int piece in new[] { 1, 7, 63, 64, 65, 1023, 1024, 1025, 4096, 17 * 1024 + 3, int.MaxValue })
        {
            Assert.Equal(c.Hash, Incremental(new Blake3Hasher(), input, piece, c.Hash.Length));
            Assert.Equal(c.KeyedHash, Incremental(Blake3Hasher.CreateKeyed(Vectors.Key), input, piece, c.KeyedHash.Length));
            Assert.Equal(c.DeriveKey, Incremental(Blake3Hasher.CreateDeriveKey(Vectors.Context), input, piece, c.DeriveKey.Length));
        }
    }

    private static byte[] Incremental(Blake3Hasher hasher, byte[] input, int piece, int outputLength)
    {
        for (int offset = 0; offset < input.Length; offset += piece)
            hasher.Update(input.AsSpan(offset, Math.Min(piece, input.Length - offset)));
        Assert.Equal((ulong)input.Length, hasher.Length);
        var output = new byte[outputLength];
        hasher.Finalize(output);
        return output;
    }

    [Fact]
    public void FinalizeDoesNotChangeStateAndResetForgetsInput()
    {
        byte[] input = Input(5000);
        var hasher = new Blake3Hasher();
        hasher.Update(input.AsSpan(0, 3000));
        Digest partial = hasher.FinalizeDigest();
        Assert.Equal(Blake3.Hash(input.AsSpan(0, 3000)), partial);
        hasher.Update(input.AsSpan(3000));
        Assert.Equal(Blake3.Hash(input), hasher.FinalizeDigest());
        hasher.Reset();
        hasher.Update(input.AsSpan(0, 10));
        Assert.Equal(Blake3.Hash(input.AsSpan(0, 10)), hasher.FinalizeDigest());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(65)]
    [InlineData(1025)]
    [InlineData(70000)]
    public void ExtendedOutputPrefixesAgree(int inputLen)
    {
        byte[] input = Input(inputLen);
        var longest = new byte[1000];
        Blake3.Hash(input, longest);
        foreach (int n in new[] { 0, 1, 3, 31, 32, 33, 63, 64, 65, 127, 128, 129, 999 })
        {
            var output = new byte[n];
            Blake3.Hash(input, output);
            Assert.Equal(longest[..n], output);
        }
    }

    [Fact]
    public void KeyedHashRejectsWrongKeyLength()
    {
        Assert.Throws<ArgumentException>(() => Blake3.KeyedHash(new byte[31], [], new byte[32]));
        Assert.Throws<ArgumentException>(() => Blake3Hasher.CreateKeyed(new byte[33]));
    }

    public static TheoryData<int> LaneWidths() => new() { 1, 4, 8, 16 };

    [Theory]
    [MemberData(nameof(LaneWidths))]
    public void HashManyEqualsOneAtATimeForEveryWidth(int maxLanes)
    {
        var random = new Random(maxLanes);
        Words8 key = Words8.FromKey(Vectors.Key);
        foreach (int length in new[] { 0, 1, 63, 64, 65, 100, 512, 1023, 1024, 1025, 1600, 2048, 3000, 5000 })
        {
            foreach (int count in new[] { 1, 3, 4, 5, 8, 15, 16, 17, 33 })
            {
                foreach (int stride in new[] { length, length + 5 })
                {
                    byte[] inputs = new byte[Math.Max(0, (count - 1) * stride + length)];
                    random.NextBytes(inputs);
                    var output = new byte[32 * count];
                    Blake3Lanes.HashMany(inputs, stride, length, count, in key, Blake3.KeyedHashFlag, output, maxLanes);
                    for (int i = 0; i < count; i++)
                    {
                        var expected = new byte[32];
                        Blake3.KeyedHash(Vectors.Key, inputs.AsSpan(i * stride, length), expected);
                        Assert.True(expected.AsSpan().SequenceEqual(output.AsSpan(32 * i, 32)), $"length {length} count {count} stride {stride} input {i}");
                    }
                }
            }
        }
    }

    [Fact]
    public void ChunkLanesAgreeAcrossWidths()
    {
        byte[] input = new byte[16 * 1024];
        new Random(5).NextBytes(input);
        Words8 key = Words8.IV;
        var wide = new byte[16 * 32];
        int widest = Blake3Lanes.MaxLanes;
        for (int lanes = 4; lanes <= widest; lanes *= 2)
        {
            var cvs = new byte[16 * 32];
            for (int first = 0; first < 16; first += lanes)
                Blake3Lanes.HashChunks(input.AsSpan(first * 1024), lanes, in key, 0, 1000 + (ulong)first, cvs.AsSpan(first * 32));
            if (lanes == 4)
                cvs.CopyTo(wide, 0);
            else
                Assert.Equal(wide, cvs);
        }
    }

    [Fact]
    public void ParentsEqualsScalarParentCompression()
    {
        var random = new Random(6);
        Words8 key = Words8.FromKey(Vectors.Key);
        foreach (int count in new[] { 1, 2, 3, 4, 7, 8, 9, 16, 17, 31, 40 })
        {
            byte[] children = new byte[64 * count];
            random.NextBytes(children);
            var output = new byte[32 * count];
            Blake3Lanes.Parents(children, count, in key, Blake3.KeyedHashFlag, output);
            for (int i = 0; i < count; i++)
            {
                Words8 cv = key;
                Blake3.Compress(ref cv[0], ref children[64 * i], 0, 64, Blake3.KeyedHashFlag | Blake3.Parent, ref cv[0], extended: false);
                var expected = new byte[32];
                cv.WriteTo(expected);
                Assert.Equal(expected, output[(32 * i)..(32 * i + 32)]);
            }
        }
    }

    [Fact]
    public void LongInputsMatchAcrossSplitsAndCounterCarry()
    {
        // 300 KiB covers several 16-chunk lane batches plus ragged tails and deep merges.
        byte[] input = new byte[300 * 1024 + 17];
        new Random(9).NextBytes(input);
        Digest oneShot = Blake3.Hash(input);
        foreach (int piece in new[] { 1000, 1024, 5 * 1024 + 1, 16 * 1024, 16 * 1024 + 1, 100_000, int.MaxValue })
        {
            var hasher = new Blake3Hasher();
            for (int offset = 0; offset < input.Length; offset += piece)
                hasher.Update(input.AsSpan(offset, Math.Min(piece, input.Length - offset)));
            Assert.Equal(oneShot, hasher.FinalizeDigest());
        }
    }
}
