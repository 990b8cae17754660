using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Verity.Cluster.EndToEnd.Tests.Infrastructure;

/// <summary>
/// The guest programs the scenarios run, with what their journals must be, worked out here independently of the VM:
/// the checked-in sha256 guest (always present) and the loop guest (built by <c>make -C guest</c>, which test.sh runs).
/// </summary>
public static class TestGuests
{
    /// <summary>guest/prebuilt/sha256.elf, copied next to the tests: journal = SHA-256 of the input.</summary>
    public static byte[] Sha256Elf => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "TestData", "sha256.elf"));

    public static byte[] Sha256Journal(byte[] input) => SHA256.HashData(input);

    public static string LoopElfPath { get; } = Path.Combine(RepoRoot(), "guest", "build", "loop.elf");

    public static byte[] LoopElf => File.ReadAllBytes(LoopElfPath);

    /// <summary>The loop guest's input: the iteration count as a little-endian u32.</summary>
    public static byte[] LoopInput(uint iterations)
    {
        var input = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(input, iterations);
        return input;
    }

    /// <summary>The loop guest's journal (guest/examples/loop.c, computed here): N, then the checksum, little-endian u32s.</summary>
    public static byte[] LoopJournal(uint iterations)
    {
        var table = new uint[256];
        for (uint i = 0; i < table.Length; i++) table[i] = unchecked(i * 0x9e3779b9u);
        uint acc = 0x12345678u;
        for (uint i = 0; i < iterations; i++)
        {
            uint idx = (acc ^ i) & 255;
            uint v = table[idx];
            acc = unchecked(acc * 0x01000193u + v + i);
            acc ^= acc >> 13;
            if ((acc & 1) != 0) acc = unchecked(acc + 0x7f4a7c15u);
            table[idx] = unchecked(v + acc);
        }
        var journal = new byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(journal, iterations);
        BinaryPrimitives.WriteUInt32LittleEndian(journal.AsSpan(4), acc);
        return journal;
    }

    /// <summary>Why a test that needs the loop guest is skipped: only when it is not built and the run does not require it.</summary>
    public static string? LoopSkipReason =>
        File.Exists(LoopElfPath) || Environment.GetEnvironmentVariable("VERITY_REQUIRE_QEMU") == "1"
            ? null
            : $"the loop guest is not built ({LoopElfPath}; run `make -C guest`, or ./test.sh)";

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "guest", "Makefile"))) return dir.FullName;
        return AppContext.BaseDirectory;
    }
}
