using Verity.Algebra;
using Verity.Stark.Air.Expressions;
using Verity.Stark.Air.Model;
using Verity.Vm;
using Verity.Zkvm.Air;
using Verity.Zkvm.Programs;
using Verity.Zkvm.Witness;

namespace Verity.Zkvm.Chips;

/// <summary>
/// ECALL: exit, read and write (docs/ZKVM.md). Row kinds, one per cycle:
/// <list type="bullet">
/// <item>exit — reads a7 = 93, a0 (exit code) and the input and journal cursors, sends them on the halt bus and
/// ends the execution chain with halted = 1;</item>
/// <item>call — reads a7, a0 (fd), a1 (buf), a2 (n), fixes the byte count exactly as the executor does and starts the
/// transfer state (word address, first lane, bytes left, IO offset, count). One of three flags says why the count is
/// what it is: <c>exact_n</c> (count = n: every write, and reads with n ≤ input left), <c>exact_left</c> (count = input
/// left &lt; n, a read at the end of the input) or <c>short</c> (the executor's segment-limit case: the call is the
/// segment's first cycle and the transfer fills the whole segment, count + lane = 4·(2^po2 − 2), and count is below
/// both n and, for reads, the input left). A non-empty buffer lies in [4096, 2^32): buf − lane − 4096 and
/// 2^32 − buf − count are range-checked u32s;</item>
/// <item>transfer — one word: the lanes [start, end] it covers (one-hot start and end lanes), its old bytes and the
/// IO bytes; a read stores the input bytes into those lanes, a write reads them; each moved byte goes to the IO table
/// with its offset. The old bytes are bytes (byte-AND lookups of pairs), so the word splits into them one way only,
/// and the end lane is a moved lane, so every transfer row moves at least one byte;</item>
/// <item>finish — advances the input or journal cursor (pseudo-registers 128 and 132, so the memory argument orders
/// syscalls) from offset − count to offset and writes count to a0.</item>
/// </list>
/// </summary>
internal sealed class SyscallChip : Chip
{
    private const int A7 = 4 * 17, A0 = 4 * 10, A1 = 4 * 11, A2 = 4 * 12;
    private const uint InputCursor = Machine.InputCursorAddress, JournalCursor = Machine.JournalCursorAddress;
    private const int SysRead = 63, SysWrite = 64, SysExit = 93;

    private readonly int _real, _pc, _clk, _call, _xfer, _fin, _exit, _rd, _jr, _lg;
    private readonly int _before0, _after0, _before1, _before2, _after2, _before3, _after3, _addr0, _addr2, _addr3, _ro2;
    private readonly AccessColumns[] _slots = new AccessColumns[4];
    private readonly int _sAddr, _sStart, _sLeft, _sOffset, _sCount;
    private readonly int _offset, _countLo, _countHi, _inv, _zero, _lane0, _lane1, _qLo, _qHi, _dLo, _dHi, _rLo, _rHi;
    private readonly int _exactN, _exactLeft, _short, _dInv, _rInv, _topLo, _topHi, _fitLo, _fitHi;
    private readonly int[] _start, _end, _old, _io;
    private readonly int _and01, _and23, _xr, _laLo, _laHi;

    public SyscallChip() : base("syscall")
    {
        var l = Layout;
        _real = l.Add("real"); _pc = l.Add("pc"); _clk = l.Add("clk");
        _call = l.Add("is_call"); _xfer = l.Add("is_transfer"); _fin = l.Add("is_finish"); _exit = l.Add("is_exit");
        _rd = l.Add("mode_read"); _jr = l.Add("mode_journal"); _lg = l.Add("mode_log");
        _before0 = l.Add("before0"); _after0 = l.Add("after0"); _before1 = l.Add("before1");
        _before2 = l.Add("before2"); _after2 = l.Add("after2"); _before3 = l.Add("before3"); _after3 = l.Add("after3");
        _addr0 = l.Add("addr0"); _addr2 = l.Add("addr2"); _addr3 = l.Add("addr3"); _ro2 = l.Add("ro2");
        for (int s = 0; s < 4; s++) _slots[s] = AccessColumns.Add(l, $"slot{s}");
        _sAddr = l.Add("state_addr"); _sStart = l.Add("state_start"); _sLeft = l.Add("state_left"); _sOffset = l.Add("state_offset"); _sCount = l.Add("state_count");
        _offset = l.Add("offset"); _countLo = l.Add("count_lo"); _countHi = l.Add("count_hi"); _inv = l.Add("count_inv"); _zero = l.Add("count_zero");
        _lane0 = l.Add("buf_lane0"); _lane1 = l.Add("buf_lane1"); _qLo = l.Add("buf_above_page0_lo"); _qHi = l.Add("buf_above_page0_hi");
        _topLo = l.Add("buf_below_top_lo"); _topHi = l.Add("buf_below_top_hi");
        _fitLo = l.Add("fit_slack_lo"); _fitHi = l.Add("fit_slack_hi");
        _exactN = l.Add("count_is_n"); _exactLeft = l.Add("count_is_left"); _short = l.Add("count_is_short");
        _dInv = l.Add("n_minus_count_inv"); _rInv = l.Add("left_minus_count_inv");
        _dLo = l.Add("n_minus_count_lo"); _dHi = l.Add("n_minus_count_hi"); _rLo = l.Add("left_minus_count_lo"); _rHi = l.Add("left_minus_count_hi");
        _start = l.AddMany("start_lane", 4); _end = l.AddMany("end_lane", 4); _old = l.AddMany("old_byte", 4); _io = l.AddMany("io_byte", 4);
        _laLo = l.Add("left_or_cursor_lo"); _laHi = l.Add("left_or_cursor_hi");
        _and01 = l.Add("old_and01"); _and23 = l.Add("old_and23"); _xr = l.Add("transfer_read");
    }

    public override long Rows(Segment segment) => segment.Cycles - Enumerable.Range(0, segment.OpCounts.Length)
        .Where(op => op != (int)Op.Ecall).Sum(op => segment.OpCounts[op]);

    private Expr M(TableBuilder t, int c) => t.Main(c);

    /// <summary>Lane i is moved: start ≤ i ≤ end, from the one-hot start and end lanes.</summary>
    private Expr Moved(TableBuilder t, int i)
    {
        Expr e = Expr.Const(0);
        for (int j = 0; j <= i; j++) e = e + M(t, _start[j]);
        for (int j = 0; j < i; j++) e = e - M(t, _end[j]);
        return e;
    }

    public override void Define(TableBuilder t)
    {
        Expr real = M(t, _real), pc = M(t, _pc), clk = M(t, _clk);
        Expr call = M(t, _call), xfer = M(t, _xfer), fin = M(t, _fin), exit = M(t, _exit);
        Expr rd = M(t, _rd), jr = M(t, _jr), lg = M(t, _lg);
        foreach (var (c, n) in new[] { (_real, "real"), (_call, "call"), (_xfer, "transfer"), (_fin, "finish"), (_exit, "exit"), (_rd, "read"), (_jr, "journal"), (_lg, "log"), (_zero, "count_zero"), (_lane0, "lane0"), (_lane1, "lane1"), (_ro2, "ro2"), (_exactN, "count_is_n"), (_exactLeft, "count_is_left"), (_short, "count_is_short") })
            Gadgets.Boolean(t, n, M(t, c));
        t.EveryRow("one row kind", real - call - xfer - fin - exit);
        t.EveryRow("read/write rows have one mode, exit rows none", rd + jr + lg - call - xfer - fin);

        t.Receive(Buses.Execution, real, pc, clk, Expr.Const(0));
        t.Send(Buses.Execution, real, pc + 4 * fin, clk + 1, exit);
        t.Send(Buses.Program, call + exit, pc, Expr.Const(RomCode.Of(Op.Ecall, false, false, false)), Expr.Const(0), Expr.Const(0), Expr.Const(0), Expr.Const(0));

        Expr b0 = M(t, _before0), a0 = M(t, _after0), b1 = M(t, _before1), b2 = M(t, _before2), a2 = M(t, _after2), b3 = M(t, _before3), a3 = M(t, _after3);
        Expr sAddr = M(t, _sAddr), sStart = M(t, _sStart), sLeft = M(t, _sLeft), sOff = M(t, _sOffset), sCount = M(t, _sCount);
        Expr zero = Expr.Const(0);

        // Slot 0: a7 on call/exit rows, the cursor on finish rows of read and journal syscalls.
        t.EveryRow("slot0 address: a7", (call + exit) * (M(t, _addr0) - A7));
        t.EveryRow("slot0 address: cursor", fin * (M(t, _addr0) - (long)InputCursor * rd - (long)JournalCursor * jr));
        t.EveryRow("slot0 read", (call + exit) * (a0 - b0));
        t.EveryRow("call: a7 names the syscall", call * (b0 - SysRead * rd - SysWrite * (jr + lg)));
        t.EveryRow("exit: a7 = 93", exit * (b0 - SysExit));
        t.EveryRow("finish: cursor after = offset", fin * (a0 - sOff));
        t.EveryRow("finish: cursor before = offset − count", fin * (b0 - sOff + sCount));
        _slots[0].Define(t, call + exit + fin * (rd + jr), M(t, _addr0), b0, a0, zero, Gadgets.Time(clk, 0));

        // Slot 1: a0 (fd or exit code), read only.
        t.EveryRow("call: a0 is the fd", call * (b1 - jr - 2 * lg));
        _slots[1].Define(t, call + exit, Expr.Const(A0), b1, b1, zero, Gadgets.Time(clk, 1));

        // Slot 2: a1 on call rows, the input cursor on exit rows, the transferred word on transfer rows.
        t.EveryRow("slot2 address: a1", call * (M(t, _addr2) - A1));
        t.EveryRow("slot2 address: input cursor", exit * (M(t, _addr2) - (long)InputCursor));
        t.EveryRow("slot2 address: transfer word", xfer * (M(t, _addr2) - sAddr));
        t.EveryRow("registers and stores are writable", (call + exit + rd) * M(t, _ro2));
        t.EveryRow("slot2 read on call/exit", (call + exit) * (a2 - b2));
        Expr xr = M(t, _xr);
        t.EveryRow("transfer_read = transfer·read", xr - xfer * rd);
        t.EveryRow("write transfers only read memory", (xfer - xr) * (a2 - b2));
        Expr oldWord = Expr.Const(0), newWord = Expr.Const(0);
        Expr offsetHere = sOff;
        for (int i = 0; i < 4; i++)
        {
            Expr m = Moved(t, i), o = M(t, _old[i]), io = M(t, _io[i]);
            t.EveryRow($"lane {i} moved is boolean", m * (m - 1));
            oldWord = oldWord + (1L << (8 * i)) * o;
            newWord = newWord + (1L << (8 * i)) * (m * io + (1 - m) * o);
            t.EveryRow($"write: lane {i} sends the stored byte", (jr + lg) * m * (io - o));
            t.Send(Buses.Io, m * (rd + jr), jr, offsetHere, io);
            offsetHere = offsetHere + m;
        }
        // The old bytes are bytes (the byte table holds only byte pairs), so they are the word's unique byte split.
        t.Send(Buses.ByteAnd, xfer, M(t, _old[0]), M(t, _old[1]), M(t, _and01));
        t.Send(Buses.ByteAnd, xfer, M(t, _old[2]), M(t, _old[3]), M(t, _and23));
        t.EveryRow("transfer: old bytes form the word", xfer * (b2 - oldWord));
        t.EveryRow("read: the new word holds the input bytes", xr * (a2 - newWord));
        _slots[2].Define(t, call + exit + xfer, M(t, _addr2), b2, a2, M(t, _ro2), Gadgets.Time(clk, 2));

        // Slot 3: a2 on call rows, the journal cursor on exit rows, the a0 result on finish rows.
        t.EveryRow("slot3 address: a2", call * (M(t, _addr3) - A2));
        t.EveryRow("slot3 address: journal cursor", exit * (M(t, _addr3) - (long)JournalCursor));
        t.EveryRow("slot3 address: a0", fin * (M(t, _addr3) - A0));
        t.EveryRow("slot3 read on call/exit", (call + exit) * (a3 - b3));
        t.EveryRow("finish: a0 = count", fin * (a3 - sCount));
        _slots[3].Define(t, call + exit + fin, M(t, _addr3), b3, a3, zero, Gadgets.Time(clk, 3));

        t.Send(Buses.Halt, exit, b1, b2, b3);

        // Call: the byte count and the transfer state.
        Expr count = Gadgets.Word(t, call, M(t, _countLo), M(t, _countHi));
        Expr x = M(t, _offset), inputLength = t.PublicInput(SegmentStatement.InputLengthAt);
        Expr d = Gadgets.Word(t, call, M(t, _dLo), M(t, _dHi)), r = Gadgets.Word(t, call, M(t, _rLo), M(t, _rHi));
        t.EveryRow("count ≤ n", call * (b3 - count - d));
        t.EveryRow("read: count ≤ input left", call * rd * (inputLength - x - count - r));
        // Which count the executor takes: exactly one reason per call row, each fixing the count.
        Expr en = M(t, _exactN), el = M(t, _exactLeft), sh = M(t, _short);
        t.EveryRow("one count rule on call rows", call - en - el - sh);
        t.EveryRow("count_is_left only for reads", el * (1 - rd));
        t.EveryRow("count_is_n: count = n", en * d);
        t.EveryRow("count_is_left: count = input left", el * r);
        t.EveryRow("count_is_left and short: n > count", (el + sh) * (d * M(t, _dInv) - 1));
        t.EveryRow("short: input left > count (reads)", sh * ((r + 1 - rd) * M(t, _rInv) - 1));
        t.EveryRow("short: the call is the segment's first cycle", sh * (clk - t.PublicInput(SegmentStatement.StartClkAt)));
        Expr lane = M(t, _lane0) + 2 * M(t, _lane1);
        // Every transfer fits in a segment: lane + count ≤ 4·(2^po2 − 2) bytes in at most 2^po2 − 2 words; a short one fills it.
        Expr fit = Gadgets.Word(t, call, M(t, _fitLo), M(t, _fitHi));
        t.EveryRow("lane + count + slack = 4·(2^po2 − 2)", call * (4 * t.PublicInput(SegmentStatement.SegmentCyclesAt) - 8 - count - lane - fit));
        t.EveryRow("short: the transfer fills the segment", sh * fit);
        Expr z = M(t, _zero);
        t.EveryRow("count_zero only on call rows", z * (1 - call));
        t.EveryRow("count_zero → count = 0", z * count);
        t.EveryRow("count ≠ 0 unless count_zero", (call - z) * (count * M(t, _inv) - 1));
        // A non-empty buffer lies in [4096, 2^32): the word base is 4-aligned and above page 0, and the buffer ends by 2^32.
        Expr moves = call - z;
        t.EveryRow("buf = 4096 + lane + 4·q", moves * (b2 - 4096 - lane - 4 * Gadgets.Word(t, moves, M(t, _qLo), M(t, _qHi))));
        t.EveryRow("buf + count ≤ 2^32", moves * (Gadgets.TwoTo32 - b2 - count - Gadgets.Word(t, moves, M(t, _topLo), M(t, _topHi))));
        Expr mode = rd + 2 * jr + 3 * lg;
        t.Send(Buses.Syscall, call, clk + 1, mode, b2 - lane, lane, count, x, count);

        // Transfer and finish rows continue the state; finish needs no bytes left.
        t.Receive(Buses.Syscall, xfer + fin, clk, mode, sAddr, sStart, sLeft, sOff, sCount);
        t.EveryRow("finish: nothing left", fin * sLeft);
        Expr startSum = Expr.Const(0), endSum = Expr.Const(0), startIndex = Expr.Const(0), moved = Expr.Const(0);
        for (int i = 0; i < 4; i++)
        {
            Gadgets.Boolean(t, $"start lane {i}", M(t, _start[i]));
            Gadgets.Boolean(t, $"end lane {i}", M(t, _end[i]));
            startSum = startSum + M(t, _start[i]);
            endSum = endSum + M(t, _end[i]);
            startIndex = startIndex + i * M(t, _start[i]);
            moved = moved + Moved(t, i);
        }
        t.EveryRow("one start lane on transfer rows", startSum - xfer);
        Expr endMoved = Expr.Const(0);
        for (int i = 0; i < 4; i++) endMoved = endMoved + M(t, _end[i]) * Moved(t, i);
        t.EveryRow("the end lane is moved (a transfer row moves a byte)", endMoved - xfer);
        t.EveryRow("one end lane on transfer rows", endSum - xfer);
        t.EveryRow("start lane = state lane", startIndex - xfer * sStart);
        // What is left after a transfer row is a u32, so a row never moves more than is left; a row that leaves some ends
        // at lane 3. On finish rows the same limbs hold the cursor written (offset + count), a u32 like every memory value.
        Expr leftAfter = Gadgets.Word(t, xfer + fin, M(t, _laLo), M(t, _laHi));
        t.EveryRow("left after = left − moved", xfer * (sLeft - moved - leftAfter));
        t.EveryRow("finish: the cursor written is a u32", fin * (a0 - leftAfter));
        t.EveryRow("a word before the last fills to lane 3", leftAfter * (xfer - M(t, _end[3])));
        t.Send(Buses.Syscall, xfer, clk + 1, mode, sAddr + 4, Expr.Const(0), leftAfter, sOff + moved, sCount);
        // Determinism: every column is 0 on the rows that do not use it.
        Gadgets.ZeroUnless(t, "padding row", real, _pc, _clk);
        Gadgets.ZeroUnless(t, "slot 0 unused", call + exit + fin, _before0, _after0, _addr0);
        Gadgets.ZeroUnless(t, "slot 1 unused", call + exit, _before1);
        Gadgets.ZeroUnless(t, "slot 2 unused", call + exit + xfer, _before2, _after2, _addr2);
        Gadgets.ZeroUnless(t, "neither transfer nor finish", xfer + fin, _laLo, _laHi);
        Gadgets.ZeroUnless(t, "not a transfer", xfer, _ro2, _and01, _and23, _old[0], _old[1], _old[2], _old[3]);
        Gadgets.ZeroUnless(t, "slot 3 unused", call + exit + fin, _before3, _after3, _addr3);
        Gadgets.ZeroUnless(t, "no transfer state", xfer + fin, _sAddr, _sStart, _sLeft, _sOffset, _sCount);
        Gadgets.ZeroUnless(t, "not a call", call, _countLo, _countHi, _dLo, _dHi, _fitLo, _fitHi);
        Gadgets.ZeroUnless(t, "empty buffer", call - z, _lane0, _lane1, _qLo, _qHi, _topLo, _topHi);
        Gadgets.ZeroUnless(t, "count is not below n", M(t, _exactLeft) + M(t, _short), _dInv);
        Gadgets.ZeroUnless(t, "not a short call", M(t, _short), _rInv);
        Gadgets.ZeroUnless(t, "no input bound", call * rd, _rLo, _rHi);
        Gadgets.ZeroUnless(t, "no cursor", call * (rd + jr), _offset);
        Gadgets.ZeroUnless(t, "count is zero", call - z, _inv);
        for (int i = 0; i < 4; i++) Gadgets.ZeroUnless(t, $"lane {i} not moved", Moved(t, i), _io[i]);
    }

    public override void Fill(TraceColumns tr, SegmentWitness w, LookupCounts counts)
    {
        int row = 0;
        long inputLength = w.Boundary.InputLength;
        foreach (ref readonly var ins in w.Instructions.AsSpan())
        {
            if (ins.D.Op != Op.Ecall) continue;
            long clk = ins.Clk;
            Slot(w, ins, clk, 0, out var r17);
            uint num = r17.Value;
            int start = row;
            if (num == SysExit)
            {
                Common(tr, row, ins.Pc, clk, _exit, counts, romLookup: true);
                FillSlots(tr, row, w, ins, clk, counts, 0, 1, 2, 3);
                row++;
                continue;
            }
            Slot(w, ins, clk, 1, out var r10);
            Slot(w, ins, clk, 2, out var r11);
            Slot(w, ins, clk, 3, out var r12);
            bool isRead = num == SysRead, isJournal = !isRead && r10.Value == 1, isLog = !isRead && !isJournal;
            int modeCol = isRead ? _rd : isJournal ? _jr : _lg;
            long finishClk = clk + ins.Cycles - 1;
            Slot(w, ins, finishClk, 3, out var a0Write);
            uint count = a0Write.Value;
            uint offset = 0;
            if (!isLog)
            {
                Slot(w, ins, finishClk, 0, out var cursor);
                offset = cursor.Previous;
            }
            uint buf = r11.Value, n = r12.Value;
            uint lane = count == 0 ? 0 : buf & 3;
            ulong wordBase = buf - lane;

            // Call row.
            Common(tr, row, ins.Pc, clk, _call, counts, romLookup: true);
            tr.Set(modeCol, row, 1);
            FillSlots(tr, row, w, ins, clk, counts, 0, 1, 2, 3);
            tr.Set(_offset, row, offset);
            SetWord(tr, _countLo, _countHi, row, count, counts);
            tr.SetBool(_zero, row, count == 0);
            tr.SetField(_inv, row, count == 0 ? Goldilocks.Zero : new Goldilocks(count).Inverse());
            uint d = n - count;
            SetWord(tr, _dLo, _dHi, row, d, counts);
            uint left = isRead ? (uint)(inputLength - offset - count) : 0;
            SetWord(tr, _rLo, _rHi, row, left, counts);
            // The executor's count is min(n, input left) for reads and n for writes, unless it shortened the transfer to
            // fill a segment (then it is below both).
            long full = isRead ? Math.Min(n, inputLength - offset) : n;
            int rule = count < full ? _short : isRead && count < n ? _exactLeft : _exactN;
            tr.Set(rule, row, 1);
            if (rule != _exactN) tr.SetField(_dInv, row, new Goldilocks(d).Inverse());
            if (rule == _short) tr.SetField(_rInv, row, isRead ? new Goldilocks(left).Inverse() : Goldilocks.One);
            if (count != 0)
            {
                tr.SetBool(_lane0, row, (lane & 1) != 0); tr.SetBool(_lane1, row, (lane & 2) != 0);
                SetWord(tr, _qLo, _qHi, row, (uint)((wordBase - 4096) >> 2), counts);
                SetWord(tr, _topLo, _topHi, row, (uint)((1UL << 32) - buf - count), counts);
            }
            SetWord(tr, _fitLo, _fitHi, row, (uint)(4UL * (1UL << w.Boundary.SegmentPo2) - 8 - count - lane), counts);
            row++;

            // Transfer rows.
            long leftBytes = count;
            uint ioOffset = offset;
            ulong addr = wordBase;
            for (long c = clk + 1; c < finishClk; c++, addr += 4)
            {
                Common(tr, row, ins.Pc, c, _xfer, counts, romLookup: false);
                tr.Set(modeCol, row, 1);
                tr.SetBool(_xr, row, isRead);
                State(tr, row, addr, addr == wordBase ? lane : 0, leftBytes, ioOffset, count);
                Slot(w, ins, c, 2, out var word);
                FillAccess(tr, row, 2, word, counts);
                tr.SetBool(_ro2, row, !isRead && w.Boundary.IsReadOnly(word.Address));
                int first = addr == wordBase ? (int)lane : 0;
                int last = (int)Math.Min(3, first + leftBytes - 1);
                tr.Set(_start[first], row, 1);
                tr.Set(_end[last], row, 1);
                uint oldValue = word.Previous;
                for (int i = 0; i < 4; i++)
                {
                    uint ob = (oldValue >> (8 * i)) & 0xFF;
                    tr.Set(_old[i], row, ob);
                    bool movedLane = i >= first && i <= last;
                    uint ib = movedLane ? (isRead ? (word.Value >> (8 * i)) & 0xFF : ob) : 0;
                    tr.Set(_io[i], row, ib);
                }
                tr.Set(_and01, row, (oldValue & 0xFF) & ((oldValue >> 8) & 0xFF)); counts.And(oldValue & 0xFF, (oldValue >> 8) & 0xFF);
                tr.Set(_and23, row, ((oldValue >> 16) & 0xFF) & (oldValue >> 24)); counts.And((oldValue >> 16) & 0xFF, oldValue >> 24);
                int movedCount = last - first + 1;
                leftBytes -= movedCount;
                ioOffset += (uint)movedCount;
                SetWord(tr, _laLo, _laHi, row, (uint)leftBytes, counts);
                row++;
            }

            // Finish row.
            Common(tr, row, ins.Pc, finishClk, _fin, counts, romLookup: false);
            tr.Set(modeCol, row, 1);
            State(tr, row, addr, addr == wordBase ? lane : 0, 0, ioOffset, count);
            SetWord(tr, _laLo, _laHi, row, ioOffset, counts);
            if (!isLog) FillSlots(tr, row, w, ins, finishClk, counts, 0);
            else
            {
                tr.Set(_before0, row, (ulong)(ioOffset - count));
                tr.Set(_after0, row, ioOffset);
            }
            FillSlots(tr, row, w, ins, finishClk, counts, 3);
            tr.Set(_addr3, row, A0);
            row++;
            if (row - start != ins.Cycles) throw new InvalidOperationException($"syscall at clk {clk}: {row - start} rows for {ins.Cycles} cycles");
        }
    }

    /// <summary>Fills the two 16-bit limbs of a u32 that <see cref="Gadgets.Word"/> constrains, and counts their range lookups.</summary>
    private static void SetWord(TraceColumns tr, int lo, int hi, int row, uint value, LookupCounts counts)
    {
        tr.Set(lo, row, value & 0xFFFF);
        tr.Set(hi, row, value >> 16);
        counts.Word(value);
    }

    private void Common(TraceColumns tr, int row, uint pc, long clk, int kind, LookupCounts counts, bool romLookup)
    {
        tr.Set(_real, row, 1);
        tr.Set(_pc, row, pc);
        tr.Set(_clk, row, (ulong)clk);
        tr.Set(kind, row, 1);
        if (romLookup) counts.Program[counts.ProgramRow(pc)]++;
    }

    private void State(TraceColumns tr, int row, ulong addr, uint start, long left, uint offset, uint count)
    {
        tr.Set(_sAddr, row, addr);
        tr.Set(_sStart, row, start);
        tr.Set(_sLeft, row, (ulong)left);
        tr.Set(_sOffset, row, offset);
        tr.Set(_sCount, row, count);
    }

    private void FillSlots(TraceColumns tr, int row, SegmentWitness w, in InstructionRecord ins, long clk, LookupCounts counts, params int[] slots)
    {
        foreach (int s in slots)
        {
            Slot(w, ins, clk, s, out var a);
            FillAccess(tr, row, s, a, counts);
        }
    }

    private void FillAccess(TraceColumns tr, int row, int slot, in AccessRecord a, LookupCounts counts)
    {
        _slots[slot].Fill(tr, row, a, counts);
        switch (slot)
        {
            case 0: tr.Set(_before0, row, a.Previous); tr.Set(_after0, row, a.Value); tr.Set(_addr0, row, a.Address); break;
            case 1: tr.Set(_before1, row, a.Value); break;
            case 2: tr.Set(_before2, row, a.Previous); tr.Set(_after2, row, a.Value); tr.Set(_addr2, row, a.Address); break;
            default: tr.Set(_before3, row, a.Previous); tr.Set(_after3, row, a.Value); tr.Set(_addr3, row, a.Address); break;
        }
    }

    private static void Slot(SegmentWitness w, in InstructionRecord ins, long clk, int slot, out AccessRecord a)
    {
        if (!w.TryAccess(ins, clk, slot, out a))
            throw new InvalidOperationException($"syscall at pc 0x{ins.Pc:x8}: no access in slot {slot} of clk {clk}");
    }
}
