using System.Diagnostics;
using System.Text;
using Verity.Algebra;
using Verity.Vm.Tests;
using Verity.Zkvm.Proving;
using Verity.Zkvm.Witness;
using static Verity.Vm.Tests.Rv32Assembler;

namespace Verity.Zkvm.Tests;

/// <summary>
/// Wide single-cell mutation sweeps with the mock prover (<see cref="ZkvmWitnessChecker"/>): every column of every
/// table, at many rows (real and padding), in a program that uses every instruction family. Every mutation must
/// violate a constraint or a bus. The end-to-end mutation tests (prove, then verify) sample fewer cells; these
/// sweep many more, since checking a witness costs a fraction of proving it.
/// </summary>
public class WitnessSweepTests
{
    private const uint Buf = ElfBuilder.DataBase;
    private static readonly byte[] Input = Encoding.ASCII.GetBytes("sweep every cell");

    internal static readonly Verity.Vm.ProgramImage Image = ZkvmTestKit.Program(a => a
        .Li(T0, 0x12345678).Li(T1, -5).Li(S0, Buf)
        .Op("xor", T2, T0, T1).Andi(T2, T2, 0xFF).Ori(T3, T1, 0x70).Op("and", T3, T3, T0)
        .Op("slt", T3, T1, T0).Sltiu(T3, T0, 100).Slti(T4, T1, -7).Op("sltu", T4, T1, T0)
        .Op("sll", T4, T0, T3).Srai(T4, T1, 3).Op("srl", T5, T0, T4).Slli(T5, T0, 31).Op("sra", T6, T1, T0)
        .Op("mul", T5, T0, T1).Op("mulh", T5, T0, T1).Op("mulhsu", T6, T1, T0).Op("mulhu", T6, T0, T1)
        .Op("div", T5, T0, T1).Op("remu", T6, T0, T1).Op("divu", T5, T0, Zero).Op("rem", T6, T1, T0)
        .Sw(T0, S0, 8).Lb(T2, S0, 9).Lhu(T3, S0, 10).Sb(T1, S0, 3).Sh(T1, S0, 6).Lw(T4, S0, 0).Lbu(T5, S0, 8).Lh(T6, S0, 6)
        .Beq(T0, T0, "b1").Addi(T0, T0, 1).Label("b1").Bne(T0, T1, "b2").Label("b2").Blt(T1, T0, "b3").Label("b3")
        .Bge(T1, T0, "b4").Bltu(T1, T0, "b4").Bgeu(T1, T0, "b4").Label("b4")
        .Jal(Zero, "skip").Label("f").Addi(T3, T3, 1).Jalr(Zero, Ra, 0).Label("skip").Jal(Ra, "f").Auipc(T4, 0x2000).Lui(S1, 0xABCDE000)
        .Syscall(63, 0, Buf + 21, 7).Syscall(64, 1, Buf + 21, 7).Syscall(64, 2, Buf + 22, 2).Syscall(63, 0, Buf + 40, 64)
        .Add(A0, T5, T6), exitCode: 3);

    private static readonly ZkvmProveOptions Options = new() { SegmentPo2 = 6, Parameters = ZkvmTestKit.Parameters };

    [Fact]
    public void HonestWitnessPassesTheMockProver()
    {
        Assert.Null(ZkvmWitnessChecker.Check(Image, Input, Options));
        Assert.True(Verity.Vm.Executor.Run(Image, Input, new Verity.Vm.ExecutionOptions { SegmentPo2 = 6 }).Segments.Count >= 2);
    }

    [Theory]
    [InlineData("arith")]
    [InlineData("logic")]
    [InlineData("compare")]
    [InlineData("shift")]
    [InlineData("branch")]
    [InlineData("jump")]
    [InlineData("loadstore")]
    [InlineData("mul")]
    [InlineData("div")]
    [InlineData("syscall")]
    [InlineData("boundary")]
    [InlineData("io")]
    [InlineData("program")]
    [InlineData("bytes")]
    [InlineData("memory")]
    public void EverySweptCellIsConstrained(string table)
    {
        var honest = new Dictionary<int, TraceColumns>();
        Assert.Null(ZkvmWitnessChecker.Check(Image, Input, Options with { TamperTrace = (seg, name, t) => { if (name == table) honest[seg] = t; } }));
        var cells = Sample(honest, seed: table.Aggregate(17, (h, ch) => h * 31 + ch));
        var accepted = new List<string>();
        foreach (var (seg, col, row) in cells)
        {
            string? error = ZkvmWitnessChecker.Check(Image, Input, Options with
            {
                TamperTrace = (s, name, t) => { if (name == table && s == seg) t.SetField(col, row, t.Columns[col][row] + Goldilocks.One); },
            });
            if (error is null) accepted.Add($"column {col} row {row} (segment {seg})");
        }
        Assert.True(accepted.Count == 0, $"{table}: accepted mutations: {string.Join("; ", accepted)}");
    }

    /// <summary>Per column: up to 3 rows where the honest value is non-zero, a random row and the last (padding) row.</summary>
    private static List<(int Segment, int Column, int Row)> Sample(Dictionary<int, TraceColumns> traces, int seed)
    {
        var rng = new Random(seed);
        var cells = new HashSet<(int, int, int)>();
        foreach (var (seg, t) in traces)
            for (int c = 0; c < t.Columns.Length; c++)
            {
                var nonZero = Enumerable.Range(0, t.Height).Where(r => !t.Columns[c][r].IsZero).ToArray();
                foreach (int r in nonZero.OrderBy(_ => rng.Next()).Take(3)) cells.Add((seg, c, r));
                cells.Add((seg, c, rng.Next(t.Height)));
                cells.Add((seg, c, t.Height - 1));
            }
        // Large lookup tables: keep the sweep bounded.
        return [.. cells.OrderBy(_ => rng.Next()).Take(100)];
    }
}
