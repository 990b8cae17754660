using System.Security.Cryptography;

namespace Verity.Cluster.Store;

/// <summary>
/// Lease ids are random 62-bit numbers, not a sequence: an id is the secret that lets an agent report, heartbeat and
/// reach the blobs of its task, so another holder of agent credentials must not be able to guess the current one
/// (a sequence made the next lease id, and with it another agent's task, one guess away).
/// </summary>
internal static class LeaseIds
{
    /// <summary>A fresh lease id in [1, 2^62).</summary>
    public static long Next()
    {
        Span<byte> bytes = stackalloc byte[8];
        long id;
        do
        {
            RandomNumberGenerator.Fill(bytes);
            id = BitConverter.ToInt64(bytes) & ((1L << 62) - 1);
        }
        while (id == 0);
        return id;
    }

    /// <summary>Fresh lease ids, one per claim of a batch.</summary>
    public static long[] Next(int count)
    {
        var ids = new long[count];
        for (int i = 0; i < count; i++) ids[i] = Next();
        return ids;
    }
}
