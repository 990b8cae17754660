using System.Text;
using Verity.Algebra;
using Verity.Stark.Air.Parameters;
using Verity.Stark.Verifier;
using Verity.Vm;
using Verity.Vm.Tests;
using Verity.Zkvm.Air;
using Verity.Zkvm.Memory;
using Verity.Zkvm.Programs;
using Verity.Zkvm.Receipts;
using static Verity.Zkvm.Tests.ZkvmTestKit;

namespace Verity.Zkvm.Tests.Forgery;

/// <summary>
/// The receipt forgeries review found in the syscall chip (issue 10), each rebuilt as the attacker built it: several
/// cells changed together, every other table kept consistent, lookups rebalanced, the claim changed, the prover's
/// checks off. Each must now be rejected by the default verifier with the default parameters, and the mock prover
/// must name a violated check (so the test fails for the reason it means to, not for a slip in the forgery).
/// </summary>
public class SyscallForgeryTests
{
    private const uint Buf = ElfBuilder.DataBase;
    private static readonly Goldilocks Inv256 = new Goldilocks(256).Inverse();

    internal static TableView View(ProgramImage image, string table, Witness.TraceColumns trace) =>
        new(trace, table == "memory" ? MemoryCircuit.Instance.Table.Layout
            : new SegmentCircuit(new ProgramRom(image)).Chips.Single(c => c.Name == table).Layout);

    private static void AssertRejected(ForgeryKit.Forgery f, string expectedViolation)
    {
        var violation = ForgeryKit.FirstViolation(f);
        Assert.NotNull(violation);
        Assert.Contains(expectedViolation, violation);
        var v = ForgeryKit.ProveAndVerify(f, StarkParameters.Default, VerifierOptions.Default);
        Assert.False(v.IsValid, "the default verifier accepted a forged receipt");
    }

    private static (Claim, uint) WithJournal(Claim c, uint consumed, string journal, uint? newConsumed = null) =>
        (c with { Journal = Encoding.Latin1.GetBytes(journal) }, newConsumed ?? consumed);

    /// <summary>
    /// Forgery 1: a guest writes byte 'A' of the data word "ABCD" to the journal. The transfer row's old bytes become
    /// 'Z', 0x41E7/256, 0, 0x4443/256 (same word; 256·o is still 16-bit), the journal byte 'Z'.
    /// </summary>
    internal static ForgeryKit.Forgery FractionalBytes()
    {
        var image = Program(a => a.Syscall(64, 1, Buf, 1), data: Encoding.ASCII.GetBytes("ABCD"));
        return new(image, [], 10, (seg, table, trace) =>
        {
            if (table == "syscall")
            {
                var t = View(image, table, trace);
                int row = t.Row(("is_transfer", 1));
                t["old_byte[0]", row] = 'Z';
                t.SetField("old_byte[1]", row, new Goldilocks(0x41E7) * Inv256);
                t["old_byte[2]", row] = 0;
                t.SetField("old_byte[3]", row, new Goldilocks(0x4443) * Inv256);
                t["io_byte[0]", row] = 'Z';
            }
            else if (table == "io")
            {
                var t = View(image, table, trace);
                t["byte", t.Row(("real", 1), ("kind", 1), ("offset", 0))] = 'Z';
            }
        }, (c, consumed) => WithJournal(c, consumed, "Z"));
    }

    [Fact]
    public void Fractional_old_bytes_cannot_forge_a_journal_byte() =>
        AssertRejected(FractionalBytes(), "bus");

    /// <summary>
    /// Forgery 2: <c>read(0, Buf, 4); a1 = *Buf; write(1, a1, 8); exit(0)</c> faults in the executor for input
    /// FC FF FF FF (the write wraps past 2^32). Built from an honest run whose buffer is the zero words at A = Buf + 0x100
    /// (the two highest touched addresses), relabelled to 0xFFFFFFFC and 2^32: the forged receipt claims that input,
    /// exit code 0 and an 8-byte zero journal.
    /// </summary>
    internal static ForgeryKit.Forgery BufferPastTheTop()
    {
        const uint A = Buf + 0x100, Top = 0xFFFFFFFC;
        const ulong Past = 1UL << 32;
        byte[] honest = BitConverter.GetBytes(A), forged = BitConverter.GetBytes(Top);
        var image = Program(a => a
            .Li(Rv32Assembler.T0, Buf)
            .Syscall(63, 0, Buf, 4)
            .Lw(Rv32Assembler.A1, Rv32Assembler.T0, 0)
            .Li(Rv32Assembler.A0, 1).Li(Rv32Assembler.A2, 8).Li(Rv32Assembler.A7, 64).Ecall());
        static void Limbs(TableView t, string lo, string hi, int row, ulong value) { t[lo, row] = value & 0xFFFF; t[hi, row] = value >> 16; }
        void Relabel(TableView t, int row, ulong address, ulong previous)
        {
            t["address", row] = address;
            Limbs(t, "step_lo", "step_hi", row, address - previous - 1);
            if (t.Has("address_lo")) Limbs(t, "address_lo", "address_hi", row, address);
        }
        return new(image, honest, 10, (seg, table, trace) =>
        {
            var t = View(image, table, trace);
            switch (table)
            {
                case "io":
                    for (int k = 0; k < 4; k++) t["byte", t.Row(("real", 1), ("kind", 0), ("offset", (ulong)k))] = forged[k];
                    break;
                case "syscall":
                    int xr = t.Row(("is_transfer", 1), ("mode_read", 1));
                    for (int i = 0; i < 4; i++) t[$"io_byte[{i}]", xr] = forged[i];
                    t["after2", xr] = Top;
                    int call = t.Row(("is_call", 1), ("mode_journal", 1));
                    t["before2", call] = Top; t["after2", call] = Top;
                    if (t.Has("buf_q_lo")) Limbs(t, "buf_q_lo", "buf_q_hi", call, 0xFFFF | (0xFFFCUL << 16));
                    if (t.Has("buf_above_page0_lo")) Limbs(t, "buf_above_page0_lo", "buf_above_page0_hi", call, (Top - 4096) / 4);
                    foreach (var (from, to) in new[] { ((ulong)A, (ulong)Top), ((ulong)A + 4, Past) })
                    {
                        int x = t.Row(("is_transfer", 1), ("state_addr", from));
                        t["state_addr", x] = to; t["addr2", x] = to;
                        if (t.Has("addr_above_page0_lo")) Limbs(t, "addr_above_page0_lo", "addr_above_page0_hi", x, to - 4096);
                    }
                    t["state_addr", t.Row(("is_finish", 1), ("mode_journal", 1))] = Past + 4;
                    break;
                case "loadstore":
                    int lw = t.Row(("is_lw", 1));
                    for (int i = 0; i < 4; i++) t[$"m[{i}]", lw] = forged[i];
                    t["m01_and", lw] = 0xFCUL & 0xFF; t["m23_and", lw] = 0xFF;
                    t["after", lw] = Top; t["result", lw] = Top;
                    break;
                case "boundary":
                case "memory":
                    string final = table == "boundary" ? "value_after" : "final_value";
                    t[final, t.Row(("real", 1), ("address", 4 * 11))] = Top;
                    t[final, t.Row(("real", 1), ("address", Buf))] = Top;
                    int ra = t.Row(("real", 1), ("address", A));
                    Relabel(t, ra, Top, t["address", ra - 1]);
                    Relabel(t, ra + 1, Past, Top);
                    break;
            }
        }, (c, consumed) => (c with { InputDigest = Claim.DigestInput(forged) }, consumed), forged);
    }

    [Fact]
    public void A_buffer_cannot_reach_past_the_top_of_memory()
    {
        // The executor refuses the run the receipt claims.
        var f = BufferPastTheTop();
        Assert.Throws<ExecutionException>(() => Executor.Run(f.Image, f.ClaimedInput));
        AssertRejected(f, "buf + count ≤ 2^32");
    }

    /// <summary>Forgery 3a: read(0, Buf, 4) on "WXYZ" claims to return 1 byte; write(1, Buf, 4) then journals "W\0\0\0".</summary>
    internal static ForgeryKit.Forgery ShortRead(string? rule = null)
    {
        var image = Program(a => a.Syscall(63, 0, Buf, 4).Syscall(64, 1, Buf, 4));
        const ulong W = 'W';
        return new(image, Encoding.ASCII.GetBytes("WXYZ"), 10, (seg, table, trace) =>
        {
            var t = View(image, table, trace);
            switch (table)
            {
                case "syscall":
                    int call = t.Row(("is_call", 1), ("mode_read", 1));
                    t["count_lo", call] = 1; t["n_minus_count_lo", call] = 3; t["left_minus_count_lo", call] = 3; t["count_inv", call] = 1;
                    if (rule != null)
                    {
                        // The attacker claims another reason for the count, with whatever helper values it needs.
                        t["count_is_n", call] = 0;
                        t[rule, call] = 1;
                        t.SetField("n_minus_count_inv", call, new Goldilocks(3).Inverse());
                        if (rule == "count_is_short") t.SetField("left_minus_count_inv", call, new Goldilocks(3).Inverse());
                    }
                    int xr = t.Row(("is_transfer", 1), ("mode_read", 1));
                    t["state_left", xr] = 1; t["state_count", xr] = 1;
                    t["end_lane[3]", xr] = 0; t["end_lane[0]", xr] = 1;
                    for (int i = 1; i < 4; i++) t[$"io_byte[{i}]", xr] = 0;
                    t["after2", xr] = W;
                    int fin = t.Row(("is_finish", 1), ("mode_read", 1));
                    t["state_count", fin] = 1; t["state_offset", fin] = 1; t["after0", fin] = 1; t["after3", fin] = 1;
                    int xw = t.Row(("is_transfer", 1), ("mode_journal", 1));
                    t["before2", xw] = W; t["after2", xw] = W;
                    for (int i = 1; i < 4; i++) { t[$"old_byte[{i}]", xw] = 0; t[$"io_byte[{i}]", xw] = 0; }
                    if (t.Has("old_and01")) { t["old_and01", xw] = 0; t["old_and23", xw] = 0; }
                    int exit = t.Row(("is_exit", 1));
                    t["before2", exit] = 1; t["after2", exit] = 1;
                    break;
                case "arith":
                    // The first instruction after the read overwrites a0, whose old value is now the count 1.
                    t["rd_before", t.Rows(("rd", 10), ("rd_before", 4)).MinBy(r => t["clk", r])] = 1;
                    break;
                case "boundary":
                    t["value_after", t.Row(("real", 1), ("address", Machine.InputCursorAddress))] = 1;
                    t["value_after", t.Row(("real", 1), ("address", Buf))] = W;
                    break;
                case "memory":
                    t["final_value", t.Row(("real", 1), ("address", Machine.InputCursorAddress))] = 1;
                    t["final_value", t.Row(("real", 1), ("address", Buf))] = W;
                    break;
                case "io":
                    for (ulong k = 1; k < 4; k++)
                    {
                        t.Clear(t.Row(("real", 1), ("kind", 0), ("offset", k)));
                        t["byte", t.Row(("real", 1), ("kind", 1), ("offset", k))] = 0;
                    }
                    break;
            }
        }, (c, consumed) => WithJournal(c, consumed, "W\0\0\0", 1));
    }

    [Fact]
    public void A_read_cannot_return_fewer_bytes_than_the_executor() =>
        AssertRejected(ShortRead(), "count_is_n");

    [Theory]
    [InlineData("count_is_left", "count_is_left: count = input left")]
    [InlineData("count_is_short", "short: the call is the segment's first cycle")]
    public void A_short_read_fits_no_other_count_rule(string rule, string violation) =>
        Assert.Contains(violation, ForgeryKit.FirstViolation(ShortRead(rule)));

    /// <summary>Forgery 3b: write(1, Buf, 8) over "ABCDEFGH" claims to write 5 bytes: journal "ABCDE".</summary>
    internal static ForgeryKit.Forgery ShortWrite()
    {
        var image = Program(a => a.Syscall(64, 1, Buf, 8), data: Encoding.ASCII.GetBytes("ABCDEFGH"));
        return new(image, [], 10, (seg, table, trace) =>
        {
            var t = View(image, table, trace);
            switch (table)
            {
                case "syscall":
                    int call = t.Row(("is_call", 1), ("mode_journal", 1));
                    t["count_lo", call] = 5; t["n_minus_count_lo", call] = 3;
                    t.SetField("count_inv", call, new Goldilocks(5).Inverse());
                    int x0 = t.Row(("is_transfer", 1), ("state_addr", Buf));
                    t["state_left", x0] = 5; t["state_count", x0] = 5;
                    if (t.Has("left_or_cursor_lo")) t["left_or_cursor_lo", x0] = 1;
                    int x1 = t.Row(("is_transfer", 1), ("state_addr", Buf + 4));
                    t["state_left", x1] = 1; t["state_count", x1] = 5;
                    t["end_lane[3]", x1] = 0; t["end_lane[0]", x1] = 1;
                    for (int i = 1; i < 4; i++) t[$"io_byte[{i}]", x1] = 0;
                    int fin = t.Row(("is_finish", 1), ("mode_journal", 1));
                    t["state_count", fin] = 5; t["state_offset", fin] = 5; t["after0", fin] = 5; t["after3", fin] = 5;
                    int exit = t.Row(("is_exit", 1));
                    t["before3", exit] = 5; t["after3", exit] = 5;
                    break;
                case "arith":
                    t["rd_before", t.Row(("rd", 10), ("rd_before", 8))] = 5;
                    break;
                case "boundary":
                    t["value_after", t.Row(("real", 1), ("address", Machine.JournalCursorAddress))] = 5;
                    break;
                case "memory":
                    t["final_value", t.Row(("real", 1), ("address", Machine.JournalCursorAddress))] = 5;
                    break;
                case "io":
                    for (ulong k = 5; k < 8; k++) t.Clear(t.Row(("real", 1), ("kind", 1), ("offset", k)));
                    break;
            }
        }, (c, consumed) => WithJournal(c, consumed, "ABCDE"));
    }

    [Fact]
    public void A_write_cannot_write_fewer_bytes_than_asked() =>
        AssertRejected(ShortWrite(), "count_is_n");
}
