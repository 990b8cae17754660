using System.Text;
using Verity.Stark.Air.Parameters;
using Verity.Stark.Verifier;
using Verity.Vm;
using Verity.Vm.Tests;
using static Verity.Vm.Tests.Rv32Assembler;
using static Verity.Zkvm.Tests.ZkvmTestKit;

namespace Verity.Zkvm.Tests.Forgery;

/// <summary>
/// One coordinated forgery per instruction chip: a single instruction writes t0 (x5), which nothing reads afterwards,
/// and the attacker changes what that row writes — the result cells of the row, the register's final version in the
/// boundary table and in the memory table, the byte table's multiplicities — so that every bus still balances. The
/// mock prover must name a constraint of that chip's own table (the forgery is consistent everywhere else), and the
/// default verifier must reject the proof. (Branch rows write no register; the determinism checker and the mutation
/// sweeps cover them. The syscall, IO, boundary and memory tables have their own forgeries in SyscallForgeryTests.)
/// </summary>
public class ChipForgeryTests
{
    private const uint Buf = ElfBuilder.DataBase;
    private const uint T0Address = 4 * T0;

    public sealed record Case(string Name, string Table, string Flag, Action<Rv32Assembler> Body, (string Column, long Delta)[] Edits, long ResultDelta);

    public static readonly TheoryData<string> Names = new(Cases().Select(c => c.Name));

    private static IEnumerable<Case> Cases()
    {
        static Action<Rv32Assembler> Two(string op) => a => a.Li(T1, 7).Li(T2, 9).Op(op, T0, T1, T2);
        yield return new("add", "arith", "is_add", Two("add"), [("c_lo", 1)], 1);
        yield return new("xor", "logic", "is_xor", Two("xor"), [("c", 1)], 1);
        yield return new("sltu", "compare", "is_sltu", Two("sltu"), [("lt", -1)], -1);
        yield return new("sll", "shift", "is_sll", a => a.Li(T1, 7).Li(T2, 3).Op("sll", T0, T1, T2), [("c_lo", 1)], 1);
        yield return new("mul", "mul", "is_mul", Two("mul"), [("c_lo", 1), ("low0", 1)], 1);
        yield return new("divu", "div", "is_divu", a => a.Li(T1, 9).Li(T2, 7).Op("divu", T0, T1, T2), [("q_lo", 1), ("result", 1)], 1);
        yield return new("jal", "jump", "is_jal", a => a.Jal(T0, 4), [("link_lo", 4)], 4);
        yield return new("lw", "loadstore", "is_lw", a => a.Li(T1, Buf).Lw(T0, T1, 0), [("result", 1)], 1);
    }

    private static ForgeryKit.Forgery Build(Case c)
    {
        var image = Program(c.Body, data: Encoding.ASCII.GetBytes("ABCD"));
        return new(image, [], 10, (seg, table, trace) =>
        {
            var t = SyscallForgeryTests.View(image, table, trace);
            if (table == c.Table)
            {
                int row = t.Row((c.Flag, 1));
                foreach (var (column, delta) in c.Edits) t[column, row] = (ulong)((long)t[column, row] + delta);
            }
            else if (table is "boundary" or "memory")
            {
                string final = table == "boundary" ? "value_after" : "final_value";
                int row = t.Row(("real", 1), ("address", T0Address));
                t[final, row] = (ulong)((long)t[final, row] + c.ResultDelta);
            }
        });
    }

    [Theory, MemberData(nameof(Names))]
    public void A_row_cannot_write_another_result(string name)
    {
        var c = Cases().Single(x => x.Name == name);
        var f = Build(c);
        var violation = ForgeryKit.FirstViolation(f);
        Assert.NotNull(violation);
        Assert.Contains($"Table '{c.Table}'", violation);
        Assert.False(ForgeryKit.ProveAndVerify(f, StarkParameters.Default, VerifierOptions.Default).IsValid, "the default verifier accepted a forged result");
    }
}
