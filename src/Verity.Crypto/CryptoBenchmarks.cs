using System.Diagnostics;

namespace Verity.Crypto;

/// <summary>Measurements of the hash suites, for the benchmark command. Not for unit tests (timings vary by machine).</summary>
public static class CryptoBenchmarks
{
    /// <summary>
    /// Single-threaded leaf-hashing throughput of <see cref="IHashSuite.HashLeaves"/>, in input bytes per second,
    /// over about 1 MiB of random leaves hashed repeatedly for <paramref name="duration"/> after a warm-up
    /// (so the JIT has produced optimized code).
    /// </summary>
    public static double LeafHashBytesPerSecond(IHashSuite suite, int leafBytes, TimeSpan duration)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(leafBytes);
        int count = Math.Max(64, (1 << 20) / leafBytes);
        byte[] data = new byte[(long)count * leafBytes];
        new Random(1).NextBytes(data);
        var output = new Digest[count];

        RunFor(TimeSpan.FromMilliseconds(Math.Clamp(duration.TotalMilliseconds / 4, 300, 1000)));
        (long rounds, TimeSpan elapsed) = RunFor(duration);
        return rounds * (double)data.Length / elapsed.TotalSeconds;

        (long Rounds, TimeSpan Elapsed) RunFor(TimeSpan time)
        {
            long rounds = 0;
            var watch = Stopwatch.StartNew();
            do
            {
                suite.HashLeaves(data, leafBytes, output);
                rounds++;
            }
            while (watch.Elapsed < time);
            return (rounds, watch.Elapsed);
        }
    }

    /// <summary>
    /// Milliseconds to build a Merkle tree of 2^<paramref name="logLeaves"/> random leaves of
    /// <paramref name="leafBytes"/> bytes with all cores: the best of up to three builds after a warm-up on a small tree.
    /// </summary>
    public static double MerkleBuildMilliseconds(IHashSuite suite, int logLeaves, int leafBytes)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentOutOfRangeException.ThrowIfNegative(logLeaves);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(logLeaves, MerkleTree.MaxDepth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(leafBytes);
        long bytes = (1L << logLeaves) * leafBytes;
        if (bytes > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(logLeaves), $"2^{logLeaves} leaves of {leafBytes} bytes exceed the largest array.");
        byte[] data = GC.AllocateUninitializedArray<byte>((int)bytes);
        new Random(2).NextBytes(data);

        // Warm up on a small tree of the same leaf size for long enough that tiered compilation has finished.
        int warmLeaves = 1 << Math.Min(logLeaves, 12);
        var warm = Stopwatch.StartNew();
        for (int i = 0; i < 20 || warm.Elapsed < TimeSpan.FromMilliseconds(500); i++)
            MerkleTree.Build(suite, data.AsSpan(0, warmLeaves * leafBytes), leafBytes);

        double best = double.MaxValue;
        var total = Stopwatch.StartNew();
        for (int run = 0; run < 3 && (run == 0 || total.Elapsed < TimeSpan.FromSeconds(5)); run++)
        {
            var watch = Stopwatch.StartNew();
            MerkleTree.Build(suite, data, leafBytes);
            best = Math.Min(best, watch.Elapsed.TotalMilliseconds);
        }
        return best;
    }
}
