using Verity.Algebra;
using Verity.Vm;
using Verity.Vm.Tests;
using Verity.Zkvm.Chips;
using static Verity.Vm.Tests.Rv32Assembler;
using static Verity.Zkvm.Tests.ZkvmTestKit;

namespace Verity.Zkvm.Tests;

/// <summary>
/// The multiply and divide families (MulChip, DivChip): corner values prove and fold into the exit code, which is
/// checked against an independent model of the RISC-V semantics; single-cell mutations of both tables and wrong
/// results in rd are rejected.
/// </summary>
public class MulDivTests
{
    private static readonly string[] MulOps = ["mul", "mulh", "mulhsu", "mulhu"];
    private static readonly string[] DivOps = ["div", "divu", "rem", "remu"];

    private static readonly (uint A, uint B)[] Pairs =
    [
        (0, 0), (1, 1), (0xFFFFFFFF, 0xFFFFFFFF), (0x80000000, 0xFFFFFFFF), (0x80000000, 0x80000000),
        (0x7FFFFFFF, 0x7FFFFFFF), (0x7FFFFFFF, 0x80000000), (0xFFFFFFF9, 2), (7, 0xFFFFFFFE), (0xFFFFFFF9, 0xFFFFFFFE),
        (0x12345678, 0x9ABCDEF0), (0x9ABCDEF0, 0x1234), (0xFFFF, 0xFFFF), (0x10000, 0x10000), (5, 0), (0x80000000, 0),
        (0x80000000, 1), (1, 0x80000000), (100, 7), (0xFFFFFFFF, 1),
    ];

    /// <summary>Reference semantics (RISC-V M extension), written independently of the executor.</summary>
    private static uint Model(string op, uint a, uint b)
    {
        int sa = (int)a, sb = (int)b;
        return op switch
        {
            "mul" => a * b,
            "mulh" => (uint)(ulong)((System.Int128)sa * sb >> 32),
            "mulhsu" => (uint)(ulong)((System.Int128)sa * b >> 32),
            "mulhu" => (uint)((ulong)a * b >> 32),
            "div" => b == 0 ? 0xFFFFFFFF : (a == 0x80000000 && b == 0xFFFFFFFF) ? a : (uint)(sa / sb),
            "divu" => b == 0 ? 0xFFFFFFFF : a / b,
            "rem" => b == 0 ? a : (a == 0x80000000 && b == 0xFFFFFFFF) ? 0 : (uint)(sa % sb),
            "remu" => b == 0 ? a : a % b,
            _ => throw new ArgumentException(op),
        };
    }

    private const uint Mix = 0x9E3779B1;

    /// <summary>acc = acc·Mix + result for each (op, a, b); the program exits with acc.</summary>
    private static (ProgramImage Image, uint Expected) Folded(string[] ops, (uint A, uint B)[] pairs)
    {
        uint acc = 0;
        var image = Program(asm =>
        {
            asm.Li(S0, 0).Li(S1, Mix);
            foreach (var op in ops)
                foreach (var (a, b) in pairs)
                {
                    asm.Li(T0, a).Li(T1, b).Op(op, T2, T0, T1).Op("mul", S0, S0, S1).Add(S0, S0, T2);
                    acc = acc * Mix + Model(op, a, b);
                }
            asm.ExitWithReg(S0);
        });
        return (image, acc);
    }

    private static Receipts.Receipt ProvesWithExit(ProgramImage image, uint expected, int po2 = 10)
    {
        var receipt = Prove(image, po2: po2);
        AssertValid(receipt, image);
        Assert.Equal(expected, receipt.Claim.ExitCode);
        return receipt;
    }

    [Fact]
    public void MultipliesCornerValues()
    {
        var (image, expected) = Folded(MulOps, Pairs);
        ProvesWithExit(image, expected);
    }

    [Fact]
    public void DividesCornerValues()
    {
        var (image, expected) = Folded(DivOps, Pairs);
        ProvesWithExit(image, expected);
    }

    /// <summary>x0 as source and destination, rd = rs1, rd = rs2 and rs1 = rs2 for every op.</summary>
    [Fact]
    public void RegisterAliasingProves()
    {
        const uint A = 0xFFFFFFF9, B = 0x80000003;
        uint acc = 0;
        void Fold(uint v) => acc = acc * Mix + v;
        var image = Program(asm =>
        {
            asm.Li(S0, 0).Li(S1, Mix);
            foreach (var op in MulOps.Concat(DivOps))
            {
                void Take(int reg) => asm.Op("mul", S0, S0, S1).Add(S0, S0, reg);
                asm.Li(T0, A).Li(T1, B);
                asm.Op(op, T2, Zero, T1); Take(T2); Fold(Model(op, 0, B));
                asm.Op(op, T2, T0, Zero); Take(T2); Fold(Model(op, A, 0));
                asm.Op(op, T2, Zero, Zero); Take(T2); Fold(Model(op, 0, 0));
                asm.Op(op, Zero, T0, T1); Take(Zero); Fold(0);
                asm.Op(op, T2, T0, T0); Take(T2); Fold(Model(op, A, A));
                asm.Op(op, T0, T0, T1); Take(T0); Fold(Model(op, A, B));
                asm.Li(T0, A).Op(op, T1, T0, T1); Take(T1); Fold(Model(op, A, B));
            }
            asm.ExitWithReg(S0);
        });
        ProvesWithExit(image, acc);
    }

    [Fact]
    public void SpansSeveralSegments()
    {
        var (image, expected) = Folded([.. MulOps, .. DivOps], [(0x80000000, 0xFFFFFFFF), (0xFFFFFFF9, 2)]);
        Assert.True(ProvesWithExit(image, expected, po2: 5).Segments.Length >= 3);
    }

    /// <summary>The division's product carry: (b0·q0 + 2^16·(b0·q1 + b1·q0) + r − a) / 2^32.</summary>
    private static ulong Carry(uint b, uint q, uint r, uint a)
    {
        ulong b0 = b & 0xFFFF, b1 = b >> 16, q0 = q & 0xFFFF, q1 = q >> 16;
        return (b0 * q0 + ((b0 * q1 + b1 * q0) << 16) + r - a) >> 32;
    }

    // A short program hitting every op and the special cases (signs, b = 0, INT_MIN / −1) for the mutation tests.
    private static readonly ProgramImage Mutated = Program(a => a
        .Li(T0, 0xFFFFFFF9u).Li(T1, 0x80000003u).Li(T3, 0xFFFFFFFFu).Li(T4, 0x80000000u)
        .Op("mul", T2, T0, T1).Op("mulh", T2, T0, T1).Op("mulhsu", T2, T0, T1).Op("mulhu", T2, T0, T1)
        .Op("mulh", T2, T4, T4).Op("mul", Zero, T0, T1)
        .Op("div", T2, T0, T1).Op("div", T2, T4, T3).Op("div", T2, T0, Zero).Op("divu", T2, T0, T1)
        .Op("rem", T2, T1, T0).Op("rem", T2, T4, T3).Op("remu", T2, T0, Zero).Op("remu", T2, T1, T0).Op("divu", T2, Zero, T0),
        exitCode: 9);

    private const int MutationPo2 = 6;

    /// <summary>
    /// One mutation per column (alternately on a row where it is non-zero and on a random row, which may be padding)
    /// plus a few extra cells, among them the last row, which is padding: 80 proofs for both tables.
    /// </summary>
    [Theory]
    [InlineData("mul", 101)]
    [InlineData("div", 202)]
    public void SingleCellMutationsAreRejected(string table, int seed)
    {
        var traces = MutationKit.Capture(Mutated, [], MutationPo2, table);
        Assert.NotEmpty(traces);
        var t = traces.Values.First();
        Assert.True(t.Columns[0][t.Height - 1].IsZero, "the table should end with a padding row");
        var layout = table == "mul" ? new MulChip().Layout : new DivChip().Layout;
        var cells = MutationKit.Sample(traces, extra: 2, seed);
        MutationKit.AssertAllRejected(Mutated, [], MutationPo2, table, cells, layout.NameOf);
    }

    /// <summary>
    /// A consistent forgery of one result: on the op's row the result limbs (and the sign bit and result column where
    /// the table has them) take the forged value, the next row (the same op, writing the same rd) takes it as
    /// rd_before, and the byte table's range multiplicities follow the changed limbs. Every bus still balances, so
    /// only the family's arithmetic constraints can reject it; the verifier must reject the proof, and where a case
    /// names a constraint the prover's checker must report exactly that one. <paramref name="forged"/> = −1 means honest + 1; a forged quotient (b ≠ 0)
    /// brings r = a − b·q and the product carry along, so that only <paramref name="constraint"/> fails.
    /// </summary>
    [Theory]
    [InlineData("mul", 0xFFFFFFF9u, 0x80000003u, -1L, "")]
    [InlineData("mulh", 0xFFFFFFF9u, 0x80000003u, -1L, "")]
    [InlineData("mulhsu", 0xFFFFFFF9u, 0x80000003u, -1L, "")]
    [InlineData("mulhu", 0xFFFFFFF9u, 0x80000003u, -1L, "")]
    [InlineData("div", 0xFFFFFFF9u, 0x80000003u, -1L, "")]
    [InlineData("divu", 0xFFFFFFF9u, 0x80000003u, -1L, "")]
    [InlineData("rem", 0xFFFFFFF9u, 0x80000003u, -1L, "")]
    [InlineData("remu", 0xFFFFFFF9u, 0x80000003u, -1L, "")]
    [InlineData("div", 5u, 0u, 0L, "b = 0: q = 2^32 − 1")] // b = 0: the identity holds for any q
    [InlineData("divu", 5u, 0u, 0L, "b = 0: q = 2^32 − 1")]
    [InlineData("rem", 0xFFFFFFF9u, 0u, 0L, "")]
    [InlineData("divu", 7u, 2u, 2L, "|r| < |b|")] // 7 = 2·2 + 3
    [InlineData("div", 0xFFFFFFF9u, 2u, 0xFFFFFFFCL, "dividend's sign")] // −7 = 2·(−4) + 1
    [InlineData("div", 0x80000000u, 0xFFFFFFFFu, 0L, "")] // INT_MIN / −1 claiming q = 0, r = INT_MIN
    public void WrongResultIsRejected(string op, uint a, uint b, long forged, string constraint)
    {
        string table = MulOps.Contains(op) ? "mul" : "div";
        var image = Program(asm => asm.Li(T0, a).Li(T1, b).Op(op, T2, T0, T1).Op(op, T2, T1, T0), exitCode: 0);
        uint honest = Model(op, a, b), value = forged < 0 ? honest + 1 : (uint)forged;
        Assert.NotEqual(honest, value);
        var layout = table == "mul" ? new MulChip().Layout : new DivChip().Layout;
        int Col(string name) => Enumerable.Range(0, layout.Width).Single(c => layout.NameOf(c) == name);
        bool signed = op is "div" or "rem";
        var (lo, hi, sign) = op switch
        {
            _ when table == "mul" => ("c_lo", "c_hi", null),
            "div" or "divu" => ("q_lo", "q_hi", signed ? "q_sign" : null),
            _ => ("rem_lo", "rem_hi", signed ? "r_sign" : null),
        };
        // A forged quotient keeps the identity when the remainder follows it: r = a − b·q (mod 2^32).
        bool withRemainder = forged >= 0 && op is "div" or "divu" && b != 0;
        uint honestR = Model(op == "div" ? "rem" : "remu", a, b), forgedR = a - b * value;
        var ranges = new Dictionary<ulong, long>();
        void Move(ulong from, ulong to) { ranges[from] = ranges.GetValueOrDefault(from) - 1; ranges[to] = ranges.GetValueOrDefault(to) + 1; }
        void Word(Witness.TraceColumns trace, int row, string lo, string hi, string? sign, uint from, uint to)
        {
            trace.Set(Col(lo), row, to & 0xFFFF);
            trace.Set(Col(hi), row, to >> 16);
            Move(from & 0xFFFF, to & 0xFFFF);
            Move(from >> 16, to >> 16);
            if (sign is null) return;
            trace.Set(Col(sign), row, to >> 31);
            Move(2 * (from >> 16) - ((from >> 31) << 16), 2 * (to >> 16) - ((to >> 31) << 16));
        }
        void Tamper(int seg, string name, Witness.TraceColumns trace)
        {
            if (name == table)
            {
                int row = Enumerable.Range(0, trace.Height).First(r => trace.Columns[Col($"is_{op}")][r] == Goldilocks.One);
                Word(trace, row, lo, hi, sign, honest, value);
                if (withRemainder)
                {
                    Word(trace, row, "rem_lo", "rem_hi", signed ? "r_sign" : null, honestR, forgedR);
                    ulong kFrom = Carry(b, honest, honestR, a), kTo = Carry(b, value, forgedR, a);
                    trace.Set(Col("bq.k_lo"), row, kTo & 0xFFFF);
                    trace.Set(Col("bq.k_hi"), row, kTo >> 16);
                    Move(kFrom & 0xFFFF, kTo & 0xFFFF);
                }
                if (table == "div") trace.Set(Col("result"), row, value);
                Assert.Equal(Goldilocks.One, trace.Columns[Col($"is_{op}")][row + 1]);
                trace.Set(Col("rd_before"), row + 1, value);
            }
            else if (name == "bytes")
            {
                foreach (var (v, d) in ranges) trace.SetField(0, (int)v, trace.Columns[0][(int)v] + Goldilocks.FromInt64(d));
            }
        }
        if (constraint.Length > 0)
        {
            // The prover's own checker (buses first, then constraints) names the one constraint the forgery breaks.
            var error = Assert.Throws<Verity.Stark.Prover.InvalidWitnessException>(() => Prove(image, po2: MutationPo2, tamper: Tamper));
            Assert.StartsWith($"Table '{table}': constraint '", error.Message);
            Assert.Contains(constraint, error.Message);
            ranges.Clear();
        }
        AssertRejected(Prove(image, po2: MutationPo2, check: false, tamper: Tamper), image);
    }
}
