using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Verity.Vm.Differential.Tests;

/// <summary>
/// Every example guest in guest/examples, on several inputs: qemu-riscv32 and the Verity executor must agree on the
/// exit code and the journal, and the journal must be the right answer.
/// </summary>
public class ExampleGuestTests
{
    private static byte[] U32(uint v)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, v);
        return b;
    }

    private static byte[] RandomBytes(int n, int seed)
    {
        var b = new byte[n];
        new Random(seed).NextBytes(b);
        return b;
    }

    /// <summary>Text with many repeats, like a JSON document, for the compressor.</summary>
    private static byte[] JsonLike(int approxBytes, int seed)
    {
        var r = new Random(seed);
        string[] keys = ["\"id\"", "\"name\"", "\"price\"", "\"tags\"", "\"owner\"", "\"nested\""];
        var sb = new StringBuilder("[");
        while (sb.Length < approxBytes)
        {
            sb.Append('{');
            for (int k = 0; k < 4; k++)
                sb.Append(keys[r.Next(keys.Length)]).Append(": ").Append(r.Next(100_000)).Append(k < 3 ? ", " : "");
            sb.Append("},\n");
        }
        sb.Append("{}]");
        return Encoding.ASCII.GetBytes(sb.ToString());
    }

    private static readonly Dictionary<string, Func<byte[]>> Inputs = new()
    {
        ["fibonacci/0"] = () => U32(0),
        ["fibonacci/1"] = () => U32(1),
        ["fibonacci/2"] = () => U32(2),
        ["fibonacci/10"] = () => U32(10),
        ["fibonacci/93"] = () => U32(93),
        ["fibonacci/94 (wraps)"] = () => U32(94),
        ["fibonacci/100000"] = () => U32(100_000),
        ["fibonacci/extra bytes ignored"] = () => [7, 0, 0, 0, 0xff, 0xff],
        ["fibonacci/short input (exit 2)"] = () => [5, 0],
        ["fibonacci/empty input (exit 2)"] = () => [],
        ["sha256/empty"] = () => [],
        ["sha256/abc"] = () => "abc"u8.ToArray(),
        ["sha256/55 bytes"] = () => RandomBytes(55, 1),
        ["sha256/56 bytes"] = () => RandomBytes(56, 2),
        ["sha256/64 bytes"] = () => RandomBytes(64, 3),
        ["sha256/65 bytes"] = () => RandomBytes(65, 4),
        ["sha256/4096 bytes"] = () => RandomBytes(4096, 5),
        ["sha256/10007 bytes"] = () => RandomBytes(10_007, 6),
        ["loop/empty input"] = () => [],
        ["loop/0"] = () => U32(0),
        ["loop/1"] = () => U32(1),
        ["loop/1000"] = () => U32(1000),
        ["loop/200000"] = () => U32(200_000),
        ["lz/empty"] = () => [],
        ["lz/1 byte"] = () => [42],
        ["lz/zeros 5000"] = () => new byte[5000],
        ["lz/random 3000"] = () => RandomBytes(3000, 7),
        ["lz/json-like 20000"] = () => JsonLike(20_000, 8),
        ["lz/random 65536"] = () => RandomBytes(65536, 9),
        ["lz/too long (exit 3)"] = () => new byte[65537],
    };

    public static IEnumerable<object[]> Cases() => Inputs.Keys.Select(k => new object[] { k });

    [QemuTheory]
    [MemberData(nameof(Cases))]
    public void Same_exit_code_and_journal_on_qemu_and_verity(string name)
    {
        var guest = name[..name.IndexOf('/')];
        var input = Inputs[name]();
        var result = Differential.AssertSame(GuestToolchain.GuestElf(guest), input, name);
        CheckAnswer(guest, name, input, result);
    }

    /// <summary>Each guest is also checked against an independent answer computed here.</summary>
    private static void CheckAnswer(string guest, string name, byte[] input, ExecutionResult result)
    {
        switch (guest)
        {
            case "fibonacci":
                if (input.Length < 4)
                {
                    Assert.Equal(2, result.ExitCode);
                    Assert.Empty(result.Journal);
                    break;
                }
                Assert.Equal(0, result.ExitCode);
                uint n = BinaryPrimitives.ReadUInt32LittleEndian(input);
                ulong a = 0, b = 1;
                for (uint i = 0; i < n; i++) (a, b) = (b, unchecked(a + b));
                Assert.Equal(a, BinaryPrimitives.ReadUInt64LittleEndian(result.Journal));
                Assert.Equal(8, result.Journal.Length);
                break;
            case "sha256":
                Assert.Equal(0, result.ExitCode);
                Assert.Equal(SHA256.HashData(input), result.Journal);
                break;
            case "loop":
                Assert.Equal(0, result.ExitCode);
                Assert.Equal(8, result.Journal.Length);
                uint count = input.Length >= 4 ? BinaryPrimitives.ReadUInt32LittleEndian(input) : 0;
                Assert.Equal(count, BinaryPrimitives.ReadUInt32LittleEndian(result.Journal));
                Assert.Equal(LoopChecksum(count), BinaryPrimitives.ReadUInt32LittleEndian(result.Journal.AsSpan(4)));
                break;
            case "lz":
                if (input.Length > 65536)
                {
                    Assert.Equal(3, result.ExitCode);
                    break;
                }
                Assert.Equal(0, result.ExitCode);
                Assert.Equal(36, result.Journal.Length);
                Assert.Equal((uint)input.Length, BinaryPrimitives.ReadUInt32LittleEndian(result.Journal));
                Assert.Equal(Adler32(input), BinaryPrimitives.ReadUInt32LittleEndian(result.Journal.AsSpan(28)));
                if (name.Contains("zeros") || name.Contains("json"))
                    Assert.True(BinaryPrimitives.ReadUInt32LittleEndian(result.Journal.AsSpan(4)) < (uint)input.Length / 2,
                        "repetitive input should compress to less than half");
                break;
            default:
                throw new InvalidOperationException($"no answer check for guest {guest}");
        }
    }

    /// <summary>The loop guest's computation (guest/examples/loop.c), in C#.</summary>
    private static uint LoopChecksum(uint n)
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++) table[i] = unchecked(i * 0x9e3779b9u);
        uint acc = 0x12345678u;
        unchecked
        {
            for (uint i = 0; i < n; i++)
            {
                uint idx = (acc ^ i) & 255;
                uint v = table[idx];
                acc = acc * 0x01000193u + v + i;
                acc ^= acc >> 13;
                if ((acc & 1u) != 0) acc += 0x7f4a7c15u;
                table[idx] = v + acc;
            }
        }
        return acc;
    }

    private static uint Adler32(byte[] data)
    {
        uint a = 1, b = 0;
        foreach (var x in data)
        {
            a = (a + x) % 65521;
            b = (b + a) % 65521;
        }
        return b << 16 | a;
    }

    /// <summary>Every example guest in guest/examples is covered by a case above.</summary>
    [QemuFact]
    public void Every_example_guest_has_cases()
    {
        GuestToolchain.EnsureReady();
        var examples = Directory.GetFiles(Path.Combine(GuestToolchain.GuestDir, "examples"), "*.c")
            .Select(Path.GetFileNameWithoutExtension).Order().ToArray();
        var covered = Inputs.Keys.Select(k => k[..k.IndexOf('/')]).Distinct().Order().ToArray();
        Assert.Equal(examples, covered);
        foreach (var e in examples) Assert.True(File.Exists(GuestToolchain.GuestElf(e!)), $"guest/build/{e}.elf was not built");
    }

    /// <summary>The benchmark guest costs about 18 cycles per iteration, whatever N (so N picks the cycle count).</summary>
    [QemuFact]
    public void Loop_guest_takes_about_18_cycles_per_iteration()
    {
        GuestToolchain.EnsureReady();
        var (_, small) = Differential.RunVerity(GuestToolchain.GuestElf("loop"), U32(10_000));
        var (_, large) = Differential.RunVerity(GuestToolchain.GuestElf("loop"), U32(110_000));
        double perIteration = (large.Cycles - small.Cycles) / 100_000.0;
        Assert.InRange(perIteration, 15.0, 21.0);
    }

    /// <summary>Trace-recording mode with small segments gives the same journal and exit code as preflight.</summary>
    [QemuFact]
    public void Trace_mode_with_small_segments_agrees_with_qemu()
    {
        var options = new ExecutionOptions { RecordTrace = true, SegmentPo2 = 12, MaxCycles = 100_000_000 };
        var r = Differential.AssertSame(GuestToolchain.GuestElf("sha256"), RandomBytes(3000, 11), "sha256 in trace mode", options);
        Assert.True(r.Segments.Count > 1, "expected several segments");
        r = Differential.AssertSame(GuestToolchain.GuestElf("lz"), JsonLike(4000, 12), "lz in trace mode", options);
        Assert.True(r.Segments.Count > 1, "expected several segments");
    }
}
