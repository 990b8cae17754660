using System.Buffers.Binary;

namespace Verity.Vm.Differential.Tests;

/// <summary>
/// Seeded random RV32IM programs (see <see cref="RandomProgram"/>), assembled with the cross toolchain at test time
/// and run on qemu-riscv32 and the Verity executor: the journals (all registers and a 512-byte scratch buffer) and
/// the exit codes must match. Sources and ELFs go to a scratch folder; those of failing seeds are kept there.
/// </summary>
public class RandomProgramTests
{
    private const int Seeds = 80;

    private static readonly Lazy<string> WorkDir = new(() =>
    {
        var dir = Path.Combine(Path.GetTempPath(), $"verity-vm-differential-{Environment.ProcessId}");
        Directory.CreateDirectory(dir);
        return dir;
    });

    public static IEnumerable<object[]> SeedCases() => Enumerable.Range(1, Seeds).Select(s => new object[] { s });

    [QemuTheory]
    [MemberData(nameof(SeedCases))]
    public void Random_program_gives_the_same_registers_memory_and_exit_code(int seed)
    {
        GuestToolchain.EnsureReady();
        var program = RandomProgram.Create(seed);
        var (source, elf) = Build($"random-{seed}", program.Source);
        var label = $"random program seed {seed} ({program.InstructionCount} instructions, source {source})";

        var preflight = Differential.AssertSame(elf, [], label, describeDifference: RandomProgram.DescribeDifference);
        Assert.Equal(RandomProgram.RegisterDumpBytes + RandomProgram.ScratchBytes, preflight.Journal.Length);

        // Trace mode with tiny segments must not change the outcome, and the segments must chain.
        var traced = Differential.AssertSame(elf, [], label + " in trace mode",
            new ExecutionOptions { RecordTrace = true, SegmentPo2 = 6, MaxCycles = 10_000_000 },
            RandomProgram.DescribeDifference);
        // (The cycle counts may differ: a long write that reaches a segment boundary is cut short and the program
        // loops to write the rest, which takes a few more cycles.)
        Assert.Equal(preflight.Journal, traced.Journal);
        Assert.Equal(preflight.ExitCode, traced.ExitCode);
        Assert.True(traced.Segments.Count > 1, "expected several segments");
        Assert.Equal(traced.Cycles, traced.Segments[^1].EndCycle);
        for (int i = 1; i < traced.Segments.Count; i++)
        {
            Assert.Equal(traced.Segments[i - 1].EndCycle, traced.Segments[i].StartCycle);
            Assert.Equal(traced.Segments[i - 1].EndPc, traced.Segments[i].StartPc);
            Assert.Equal(traced.Segments[i - 1].EndRegisters, traced.Segments[i].StartRegisters);
        }

        Cleanup(source, elf);
    }

    [QemuFact]
    public void Every_alu_and_m_op_on_every_pair_of_corner_values()
    {
        GuestToolchain.EnsureReady();
        var (text, results) = RandomProgram.CornerCases();
        var (source, elf) = Build("corner-cases", text);
        var r = Differential.AssertSame(elf, [], $"corner-case program ({results} results, source {source})",
            describeDifference: (q, v) => DescribeCornerDifference(q, v, results));
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(4 * results, r.Journal.Length);

        // Spot checks against the RISC-V specification, independent of qemu: the program's first pair is (0, 0),
        // so div 0/0 = -1, divu = 0xffffffff, rem 0%0 = 0, remu = 0.
        uint Word(int i) => BinaryPrimitives.ReadUInt32LittleEndian(r.Journal.AsSpan(4 * i));
        Assert.Equal(0xffffffffu, Word(4)); // div
        Assert.Equal(0xffffffffu, Word(5)); // divu
        Assert.Equal(0u, Word(6));          // rem
        Assert.Equal(0u, Word(7));          // remu
        Cleanup(source, elf);
    }

    private static string DescribeCornerDifference(byte[] qemu, byte[] verity, int results)
    {
        var lines = new List<string>();
        for (int i = 0; 4 * i + 4 <= Math.Min(qemu.Length, verity.Length) && lines.Count < 20; i++)
        {
            uint q = BinaryPrimitives.ReadUInt32LittleEndian(qemu.AsSpan(4 * i)), v = BinaryPrimitives.ReadUInt32LittleEndian(verity.AsSpan(4 * i));
            if (q != v) lines.Add($"result {i} ({RandomProgram.CornerCaseName(i)}): qemu 0x{q:x8}, verity 0x{v:x8}");
        }
        return $"{results} results; differing:\n" + string.Join("\n", lines);
    }

    private static (string Source, string Elf) Build(string name, string text)
    {
        var source = Path.Combine(WorkDir.Value, name + ".S");
        var elf = Path.Combine(WorkDir.Value, name + ".elf");
        File.WriteAllText(source, text);
        GuestToolchain.AssembleProgram(source, elf);
        return (source, elf);
    }

    /// <summary>Deletes a passing program's files, unless VERITY_DIFF_KEEP is set (to look at the programs).</summary>
    private static void Cleanup(string source, string elf)
    {
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("VERITY_DIFF_KEEP"))) return;
        File.Delete(source);
        File.Delete(elf);
    }
}
