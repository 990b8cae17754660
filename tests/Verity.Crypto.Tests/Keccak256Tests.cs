using System.Text;
using Org.BouncyCastle.Crypto.Digests;

namespace Verity.Crypto.Tests;

public class Keccak256Tests
{
    [Theory]
    [InlineData("", "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")]
    [InlineData("abc", "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45")]
    [InlineData("The quick brown fox jumps over the lazy dog", "4d741b6f1eb29cb2a9b9911c82f56fa8d73b04959d3d9d222895df6c0b28aa15")]
    public void MatchesPublishedDigests(string message, string hex)
    {
        var output = new byte[32];
        Keccak256.Hash(Encoding.ASCII.GetBytes(message), output);
        Assert.Equal(hex, Convert.ToHexStringLower(output));
        Assert.Equal(hex, Keccak256.Hash(Encoding.ASCII.GetBytes(message)).ToHex());
    }

    [Fact]
    public void IsNotSha3()
    {
        // SHA3-256("") differs from Keccak-256("") only by the padding byte.
        Assert.NotEqual("a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a", Keccak256.Hash([]).ToHex());
    }

    public static TheoryData<int> Lengths()
    {
        var data = new TheoryData<int>();
        for (int n = 0; n <= 600; n++)
            data.Add(n);
        data.Add(136 * 20 - 1);
        data.Add(136 * 20);
        data.Add(136 * 20 + 1);
        data.Add(100_000);
        return data;
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void MatchesBouncyCastleKeccak(int length)
    {
        var random = new Random(length);
        for (int trial = 0; trial < 3; trial++)
        {
            byte[] input = new byte[length];
            random.NextBytes(input);
            var expected = new byte[32];
            var reference = new KeccakDigest(256);
            reference.BlockUpdate(input, 0, input.Length);
            reference.DoFinal(expected, 0);

            var actual = new byte[32];
            Keccak256.Hash(input, actual);
            Assert.Equal(expected, actual);
            Assert.Equal(Digest.Read(expected), Keccak256.Hash(input));
        }
    }

    [Fact]
    public void SpongeAbsorbsInAnyPieces()
    {
        byte[] input = new byte[1000];
        new Random(3).NextBytes(input);
        Digest expected = Keccak256.Hash(input);
        foreach (int piece in new[] { 1, 5, 135, 136, 137, 271, 272, 273 })
        {
            KeccakSponge sponge = default;
            for (int offset = 0; offset < input.Length; offset += piece)
                sponge.Absorb(input.AsSpan(offset, Math.Min(piece, input.Length - offset)));
            Assert.Equal(expected, sponge.FinishDigest());
        }
    }

    [Fact]
    public void RejectsShortOutput() => Assert.Throws<ArgumentException>(() => Keccak256.Hash([1, 2, 3], new byte[31]));
}
