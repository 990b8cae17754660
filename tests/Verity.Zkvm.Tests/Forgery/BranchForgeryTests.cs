using System.Text;
using Verity.Stark.Air.Parameters;
using Verity.Stark.Verifier;
using Verity.Vm.Tests;
using static Verity.Vm.Tests.Rv32Assembler;
using static Verity.Zkvm.Tests.ZkvmTestKit;

namespace Verity.Zkvm.Tests.Forgery;

/// <summary>
/// The branch chip's coordinated forgery: two paths of equal length that leave different values in t0.
/// <code>
///   beq t1, t2, L        (7 ≠ 9: not taken)
///   addi t0, x0, 1
///   jal x0, End
/// L: addi t0, x0, 2
///   jal x0, End
/// End: exit
/// </code>
/// The attacker claims the branch was taken: the branch row's eq flag and next pc, the addi and jal rows moved to the
/// other path (their pc, immediate and result), the ROM multiplicities of both paths, and t0's final version in the
/// boundary and memory tables — every bus balances, and the branch's own constraint must catch it.
/// </summary>
public class BranchForgeryTests
{
    private static ForgeryKit.Forgery TakenBranch()
    {
        var image = Program(a => a
            .Li(T1, 7).Li(T2, 9)
            .Beq(T1, T2, "L")
            .Addi(T0, 0, 1)
            .Jal(0, "End")
            .Label("L").Addi(T0, 0, 2)
            .Jal(0, "End")
            .Label("End"));
        return new(image, [], 10, (seg, table, trace) =>
        {
            var t = SyscallForgeryTests.View(image, table, trace);
            switch (table)
            {
                case "branch":
                    int b = t.Row(("is_beq", 1));
                    t["eq", b] = 1; t["inv", b] = 0;
                    t["next_pc", b] = t["pc", b] + 12;
                    break;
                case "arith":
                    int add = t.Row(("is_addi", 1), ("rd", 5));
                    t["pc", add] += 8; t["imm", add] = 2; t["b", add] = 2; t["c_lo", add] = 2;
                    break;
                case "jump":
                    int j = t.Row(("is_jal", 1));
                    t["pc", j] += 8; t["imm", j] -= 8;
                    break;
                case "program":
                    // ROM rows of the code segment at 0x10000: find the beq's row from the branch table's pc.
                    ulong beqPc = image.EntryPc + 4 * 4; // li t1 and li t2 are two instructions each
                    int beqRow = (int)((beqPc - image.EntryPc) / 4);
                    t["multiplicity", beqRow + 1] = 0; t["multiplicity", beqRow + 2] = 0;
                    t["multiplicity", beqRow + 3] = 1; t["multiplicity", beqRow + 4] = 1;
                    break;
                case "boundary":
                    t["value_after", t.Row(("real", 1), ("address", 4 * T0))] = 2;
                    break;
                case "memory":
                    t["final_value", t.Row(("real", 1), ("address", 4 * T0))] = 2;
                    break;
            }
        });
    }

    [Fact]
    public void A_branch_cannot_take_the_other_path()
    {
        var f = TakenBranch();
        var violation = ForgeryKit.FirstViolation(f);
        Assert.NotNull(violation);
        Assert.Contains("Table 'branch': constraint 'eq implies a = b'", violation);
        Assert.False(ForgeryKit.ProveAndVerify(f, StarkParameters.Default, VerifierOptions.Default).IsValid, "the default verifier accepted a branch that took the other path");
    }
}
