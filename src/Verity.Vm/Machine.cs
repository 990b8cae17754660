using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Verity.Vm;

internal enum Stop { Limit, Exit, SegmentFull }

/// <summary>The interpreter state and its hot loop (see docs/ZKVM.md).</summary>
internal sealed unsafe class Machine : IDisposable
{
    // Op flags for trace mode: 1 reads rs1, 2 reads rs2, 4 writes rd.
    private static ReadOnlySpan<byte> OpFlags =>
    [
        0, 0,             // Illegal, NoCode
        4, 4, 4, 5,       // Lui Auipc Jal Jalr
        3, 3, 3, 3, 3, 3, // branches
        5, 5, 5, 5, 5,    // loads
        3, 3, 3,          // stores
        5, 5, 5, 5, 5, 5, 5, 5, 5, // immediate ops
        7, 7, 7, 7, 7, 7, 7, 7, 7, 7, // register ops
        7, 7, 7, 7, 7, 7, 7, 7,       // M
        0, 0,             // Fence, Ecall
    ];

    private const int SysExit = 93, SysRead = 63, SysWrite = 64;

    /// <summary>
    /// Trace-only pseudo-registers in page 0: the input bytes consumed and the journal length. The prover's memory
    /// argument orders syscalls through them (see docs/ZKVM.md); guests cannot address page 0.
    /// </summary>
    public const uint InputCursorAddress = 4 * 32, JournalCursorAddress = 4 * 33;

    // The decoded code, (pc − code base) / 4 → record, over the span of the executable regions plus one record past
    // its end. Zeroed native memory, and only the regions' stored words are written: the OS maps untouched pages
    // lazily, so a large zero tail or a gap between regions costs address space, not memory. An all-zero record
    // (Op.Illegal, reason 0) faults when executed; FetchFault then tells an illegal word from a gap from the image.
    private Decoded* _code;
    private readonly ImageSegment[] _executable;
    private readonly uint _codeBase;
    private readonly uint _codeBytes;
    private readonly uint[] _regs = GC.AllocateArray<uint>(33, pinned: true);
    private readonly byte[] _input;

    public readonly Memory Memory;
    public readonly ArrayBufferWriter<byte> Journal = new();
    public readonly ArrayBufferWriter<byte> Log = new();
    public uint Pc;
    public long Cycles;
    public long InputOffset;
    public long JournalBase; // journal bytes written before this machine started (segment replay)
    public long MaxCycles;
    public int ExitCode;

    public Machine(ProgramImage image, ReadOnlySpan<byte> input, long maxMemoryBytes, bool loadImage)
    {
        _input = input.ToArray();
        Memory = new Memory(maxMemoryBytes);
        uint lo = uint.MaxValue; ulong hi = 0;
        foreach (ImageSegment s in image.Segments)
        {
            if (!s.Executable) continue;
            lo = Math.Min(lo, s.Address);
            hi = Math.Max(hi, s.End);
        }
        if (hi - lo > 1ul << 28) throw new ArgumentException($"executable segments span 0x{hi - lo:x} bytes, more than 256 MiB");
        _codeBase = lo;
        _codeBytes = (uint)(hi - lo);
        _executable = [.. image.Segments.Where(s => s.Executable)];
        nuint records = _codeBytes / 4 + 1;
        _code = (Decoded*)NativeMemory.AllocZeroed(records, (nuint)sizeof(Decoded));
        foreach (ImageSegment s in image.Segments)
        {
            if (s.Executable)
            {
                // Only the stored words: the zero tail decodes to the all-zero record the memory already holds.
                Decoded* at = _code + (s.Address - lo) / 4;
                for (uint i = 0; i < (uint)s.Data.Length; i += 4) at[i / 4] = Decoder.Decode(s.WordAt(i));
            }
            if (s.Executable || !s.Writable) Memory.Protect(s.Address, s.End);
        }
        // A fault while loading leaves no object to dispose: free the native code and pages here.
        try
        {
            if (loadImage)
            {
                // Memory is zero-initialised and pages are allocated on first touch, so only the regions' stored bytes
                // are written; the zero tails stay unallocated until the guest uses them. The whole image must still fit
                // the memory limit, as if it were loaded page by page.
                long imageBytes = ImagePages(image) * Memory.PageSize;
                if (imageBytes > maxMemoryBytes)
                    throw Fault(image.EntryPc, 0, $"memory limit of {maxMemoryBytes} bytes exceeded: the program image spans {imageBytes} bytes of pages");
                foreach (ImageSegment s in image.Segments) StoreBytes(s.Address, s.Data, image.EntryPc);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
        Pc = image.EntryPc;
        MaxCycles = long.MaxValue;
    }

    public void Dispose()
    {
        Memory.Dispose();
        if (_code != null) NativeMemory.Free(_code);
        _code = null;
    }

    /// <summary>How many distinct pages the image's regions cover (regions are sorted and may share a page).</summary>
    private static long ImagePages(ProgramImage image)
    {
        long pages = 0;
        long lastPage = -1;
        foreach (ImageSegment s in image.Segments)
        {
            long first = s.Address >> Memory.PageBits, last = (long)((s.End - 1) >> Memory.PageBits);
            if (first <= lastPage) first = lastPage + 1;
            if (last >= first) pages += last - first + 1;
            lastPage = Math.Max(lastPage, last);
        }
        return pages;
    }

    public uint[] Registers()
    {
        var r = new uint[32];
        for (int i = 1; i < 32; i++) r[i] = _regs[i];
        return r;
    }

    public void SetRegisters(uint[] values)
    {
        for (int i = 1; i < 32; i++) _regs[i] = values[i];
        _regs[0] = 0;
    }

    public void StoreBytes(uint address, ReadOnlySpan<byte> bytes, uint pc)
    {
        int done = 0;
        while (done < bytes.Length)
        {
            uint a = address + (uint)done;
            byte* p = Memory.Page(a, out string? fault);
            if (p == null) throw Fault(pc, Cycles, fault!);
            int n = Math.Min(bytes.Length - done, (int)(Memory.PageSize - (a & Memory.PageMask)));
            bytes.Slice(done, n).CopyTo(new Span<byte>(p + (a & Memory.PageMask), n));
            done += n;
        }
    }

    /// <summary>The word at <paramref name="pc"/> when it is in an executable region, else 0 (for error messages).</summary>
    public uint InstructionAt(uint pc)
    {
        foreach (ImageSegment s in _executable)
            if (s.Contains(pc)) return s.WordAt((pc - s.Address) & ~3u);
        return 0;
    }

    /// <summary>Executing a record that is no instruction: an illegal word of an executable region, or a fetch outside them.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private ExecutionException FetchFault(uint pc, long cycle)
    {
        foreach (ImageSegment s in _executable)
            if (s.Contains(pc)) return Fault(pc, cycle, Decoder.IllegalReason(Decoder.Decode(s.WordAt(pc - s.Address)).Imm));
        return Fault(pc, cycle, $"instruction fetch from 0x{pc:x8} outside executable segments");
    }

    public ExecutionException Fault(uint pc, long cycle, string reason) => new(pc, InstructionAt(pc), cycle, reason);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private ExecutionException MemFault(uint pc, long cycle, string reason) => Fault(pc, cycle, reason);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private ExecutionException JumpFault(uint pc, long cycle, uint target) =>
        Fault(pc, cycle, (target & 3) != 0
            ? $"jump target 0x{target:x8} is not 4-byte aligned"
            : $"jump target 0x{target:x8} is outside executable code");

    [MethodImpl(MethodImplOptions.NoInlining)]
    private ExecutionException Misaligned(uint pc, long cycle, uint address, int size, bool store) =>
        Fault(pc, cycle, $"misaligned {size}-byte {(store ? "store to" : "load from")} 0x{address:x8}");

    [MethodImpl(MethodImplOptions.NoInlining)]
    private byte* LoadPage(uint pc, long cycle, uint address)
    {
        byte* p = Memory.Page(address, out string? fault);
        return p != null ? p : throw MemFault(pc, cycle, fault!);
    }

    /// <summary>The page for a store of <paramref name="size"/> bytes; <paramref name="cacheable"/> is false for pages with read-only bytes.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private byte* StorePage(uint pc, long cycle, uint address, uint size, out bool cacheable)
    {
        uint pn = address >> Memory.PageBits;
        cacheable = !Memory.IsProtectedPage(pn);
        if (!cacheable && Memory.IsReadOnly(address, size))
            throw MemFault(pc, cycle, $"store to read-only memory at 0x{address:x8} (code or read-only data)");
        byte* p = Memory.Page(address, out string? fault);
        return p != null ? p : throw MemFault(pc, cycle, fault!);
    }

    /// <summary>
    /// Runs until the exit syscall (<see cref="Stop.Exit"/>), until <see cref="Cycles"/> reaches <paramref name="limit"/>
    /// (<see cref="Stop.Limit"/>), or until a syscall does not fit before <paramref name="limit"/> in a segment that
    /// began at <paramref name="segmentStart"/> (<see cref="Stop.SegmentFull"/>).
    /// </summary>
    [SkipLocalsInit]
    public Stop Run<T>(ref T tr, long limit, long segmentStart) where T : struct, ITracer
    {
        Decoded* code = _code;
        fixed (uint* x = _regs)
        {
            uint pc = Pc;
            long cyc = Cycles;
            uint cbase = _codeBase, cbytes = _codeBytes;
            uint lpn = uint.MaxValue, spn = uint.MaxValue;
            byte* lp = null, sp = null;
            {
                while (cyc < limit)
                {
                    Decoded* d = code + ((pc - cbase) >> 2);
                    uint oldRd = 0;
                    byte flags = 0;
                    if (tr.Enabled)
                    {
                        if (d->Op != Op.Ecall) tr.Instruction(cyc, pc, d->Op);
                        flags = OpFlags[(int)d->Op];
                        long ts = cyc * 4;
                        if ((flags & 1) != 0 && d->Rs1 != 0) tr.Read(4u * d->Rs1, x[d->Rs1], ts);
                        if ((flags & 2) != 0 && d->Rs2 != 0) tr.Read(4u * d->Rs2, x[d->Rs2], ts + 1);
                        oldRd = x[d->Rd];
                    }
                    switch (d->Op)
                    {
                        case Op.Lui: x[d->Rd] = (uint)d->Imm; pc += 4; break;
                        case Op.Auipc: x[d->Rd] = pc + (uint)d->Imm; pc += 4; break;
                        case Op.Jal:
                            {
                                uint t = pc + (uint)d->Imm;
                                uint off = t - cbase;
                                if (off >= cbytes || (off & 3) != 0) throw JumpFault(pc, cyc, t);
                                x[d->Rd] = pc + 4;
                                pc = t;
                                break;
                            }
                        case Op.Jalr:
                            {
                                uint t = (x[d->Rs1] + (uint)d->Imm) & ~1u;
                                uint off = t - cbase;
                                if (off >= cbytes || (off & 3) != 0) throw JumpFault(pc, cyc, t);
                                x[d->Rd] = pc + 4;
                                pc = t;
                                break;
                            }
                        case Op.Beq: if (x[d->Rs1] == x[d->Rs2]) goto branch; pc += 4; break;
                        case Op.Bne: if (x[d->Rs1] != x[d->Rs2]) goto branch; pc += 4; break;
                        case Op.Blt: if ((int)x[d->Rs1] < (int)x[d->Rs2]) goto branch; pc += 4; break;
                        case Op.Bge: if ((int)x[d->Rs1] >= (int)x[d->Rs2]) goto branch; pc += 4; break;
                        case Op.Bltu: if (x[d->Rs1] < x[d->Rs2]) goto branch; pc += 4; break;
                        case Op.Bgeu: if (x[d->Rs1] >= x[d->Rs2]) goto branch; pc += 4; break;
                        branch:
                            {
                                uint t = pc + (uint)d->Imm;
                                uint off = t - cbase;
                                if (off >= cbytes || (off & 3) != 0) throw JumpFault(pc, cyc, t);
                                pc = t;
                                break;
                            }
                        case Op.Lb:
                        case Op.Lbu:
                        case Op.Lh:
                        case Op.Lhu:
                        case Op.Lw:
                            {
                                uint a = x[d->Rs1] + (uint)d->Imm;
                                if ((a >> Memory.PageBits) != lpn) { lp = LoadPage(pc, cyc, a); lpn = a >> Memory.PageBits; }
                                byte* q = lp + (a & Memory.PageMask);
                                uint v;
                                switch (d->Op)
                                {
                                    case Op.Lb: v = (uint)(sbyte)*q; break;
                                    case Op.Lbu: v = *q; break;
                                    case Op.Lh: if ((a & 1) != 0) throw Misaligned(pc, cyc, a, 2, false); v = (uint)*(short*)q; break;
                                    case Op.Lhu: if ((a & 1) != 0) throw Misaligned(pc, cyc, a, 2, false); v = *(ushort*)q; break;
                                    default: if ((a & 3) != 0) throw Misaligned(pc, cyc, a, 4, false); v = *(uint*)q; break;
                                }
                                if (tr.Enabled) tr.Read(a & ~3u, *(uint*)(lp + (a & Memory.PageMask & ~3u)), cyc * 4 + 2);
                                x[d->Rd] = v;
                                pc += 4;
                                break;
                            }
                        case Op.Sb:
                        case Op.Sh:
                        case Op.Sw:
                            {
                                uint a = x[d->Rs1] + (uint)d->Imm;
                                uint size = d->Op == Op.Sw ? 4u : d->Op == Op.Sh ? 2u : 1u;
                                if ((a & (size - 1)) != 0) throw Misaligned(pc, cyc, a, (int)size, true);
                                byte* page;
                                if ((a >> Memory.PageBits) == spn) page = sp;
                                else
                                {
                                    page = StorePage(pc, cyc, a, size, out bool cacheable);
                                    if (cacheable) { sp = page; spn = a >> Memory.PageBits; }
                                }
                                uint* wp = (uint*)(page + (a & Memory.PageMask & ~3u));
                                uint old = tr.Enabled ? *wp : 0;
                                byte* q = page + (a & Memory.PageMask);
                                uint v = x[d->Rs2];
                                if (size == 4) *(uint*)q = v;
                                else if (size == 2) *(ushort*)q = (ushort)v;
                                else *q = (byte)v;
                                if (tr.Enabled) tr.Write(a & ~3u, old, *wp, cyc * 4 + 2);
                                pc += 4;
                                break;
                            }
                        case Op.Addi: x[d->Rd] = x[d->Rs1] + (uint)d->Imm; pc += 4; break;
                        case Op.Slti: x[d->Rd] = (int)x[d->Rs1] < d->Imm ? 1u : 0u; pc += 4; break;
                        case Op.Sltiu: x[d->Rd] = x[d->Rs1] < (uint)d->Imm ? 1u : 0u; pc += 4; break;
                        case Op.Xori: x[d->Rd] = x[d->Rs1] ^ (uint)d->Imm; pc += 4; break;
                        case Op.Ori: x[d->Rd] = x[d->Rs1] | (uint)d->Imm; pc += 4; break;
                        case Op.Andi: x[d->Rd] = x[d->Rs1] & (uint)d->Imm; pc += 4; break;
                        case Op.Slli: x[d->Rd] = x[d->Rs1] << d->Imm; pc += 4; break;
                        case Op.Srli: x[d->Rd] = x[d->Rs1] >> d->Imm; pc += 4; break;
                        case Op.Srai: x[d->Rd] = (uint)((int)x[d->Rs1] >> d->Imm); pc += 4; break;
                        case Op.Add: x[d->Rd] = x[d->Rs1] + x[d->Rs2]; pc += 4; break;
                        case Op.Sub: x[d->Rd] = x[d->Rs1] - x[d->Rs2]; pc += 4; break;
                        case Op.Sll: x[d->Rd] = x[d->Rs1] << (int)(x[d->Rs2] & 31); pc += 4; break;
                        case Op.Slt: x[d->Rd] = (int)x[d->Rs1] < (int)x[d->Rs2] ? 1u : 0u; pc += 4; break;
                        case Op.Sltu: x[d->Rd] = x[d->Rs1] < x[d->Rs2] ? 1u : 0u; pc += 4; break;
                        case Op.Xor: x[d->Rd] = x[d->Rs1] ^ x[d->Rs2]; pc += 4; break;
                        case Op.Srl: x[d->Rd] = x[d->Rs1] >> (int)(x[d->Rs2] & 31); pc += 4; break;
                        case Op.Sra: x[d->Rd] = (uint)((int)x[d->Rs1] >> (int)(x[d->Rs2] & 31)); pc += 4; break;
                        case Op.Or: x[d->Rd] = x[d->Rs1] | x[d->Rs2]; pc += 4; break;
                        case Op.And: x[d->Rd] = x[d->Rs1] & x[d->Rs2]; pc += 4; break;
                        case Op.Mul: x[d->Rd] = x[d->Rs1] * x[d->Rs2]; pc += 4; break;
                        case Op.Mulh: x[d->Rd] = (uint)(((long)(int)x[d->Rs1] * (int)x[d->Rs2]) >> 32); pc += 4; break;
                        case Op.Mulhsu: x[d->Rd] = (uint)(((long)(int)x[d->Rs1] * (long)x[d->Rs2]) >> 32); pc += 4; break;
                        case Op.Mulhu: x[d->Rd] = (uint)(((ulong)x[d->Rs1] * x[d->Rs2]) >> 32); pc += 4; break;
                        case Op.Div:
                            {
                                int a = (int)x[d->Rs1], b = (int)x[d->Rs2];
                                x[d->Rd] = b == 0 ? uint.MaxValue : (a == int.MinValue && b == -1) ? (uint)a : (uint)(a / b);
                                pc += 4;
                                break;
                            }
                        case Op.Divu:
                            {
                                uint a = x[d->Rs1], b = x[d->Rs2];
                                x[d->Rd] = b == 0 ? uint.MaxValue : a / b;
                                pc += 4;
                                break;
                            }
                        case Op.Rem:
                            {
                                int a = (int)x[d->Rs1], b = (int)x[d->Rs2];
                                x[d->Rd] = b == 0 ? (uint)a : (a == int.MinValue && b == -1) ? 0u : (uint)(a % b);
                                pc += 4;
                                break;
                            }
                        case Op.Remu:
                            {
                                uint a = x[d->Rs1], b = x[d->Rs2];
                                x[d->Rd] = b == 0 ? a : a % b;
                                pc += 4;
                                break;
                            }
                        case Op.Fence: pc += 4; break;
                        case Op.Ecall:
                            {
                                Pc = pc;
                                long used = Syscall(ref tr, cyc, limit, segmentStart);
                                if (used == -1) { Cycles = cyc; return Stop.SegmentFull; }
                                if (used == -2) { Cycles = cyc + 1; return Stop.Exit; }
                                cyc += used - 1;
                                pc += 4;
                                break;
                            }
                        default:
                            throw FetchFault(pc, cyc);
                    }
                    if (tr.Enabled && (flags & 4) != 0 && d->Rd != Decoded.Sink)
                        tr.Write(4u * d->Rd, oldRd, x[d->Rd], cyc * 4 + 3);
                    cyc++;
                }
                Pc = pc;
                Cycles = cyc;
                return Stop.Limit;
            }
        }
    }

    /// <summary>
    /// Executes the ecall at <see cref="Pc"/> in cycle <paramref name="cyc"/>. Returns the cycles it took, −1 when it
    /// must start a new segment, −2 after exit. read/write take 2 + (words transferred) cycles, exit 1.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private long Syscall<T>(ref T tr, long cyc, long limit, long segmentStart) where T : struct, ITracer
    {
        uint pc = Pc;
        uint num = _regs[17], a0 = _regs[10], a1 = _regs[11], a2 = _regs[12];
        long ts = cyc * 4;
        switch (num)
        {
            case SysExit:
                if (tr.Enabled)
                {
                    tr.Instruction(cyc, pc, Op.Ecall);
                    tr.Read(4 * 17, num, ts); tr.Read(4 * 10, a0, ts + 1);
                    tr.Read(InputCursorAddress, (uint)InputOffset, ts + 2);
                    tr.Read(JournalCursorAddress, (uint)(JournalBase + Journal.WrittenCount), ts + 3);
                }
                ExitCode = (int)a0;
                return -2;
            case SysRead:
            case SysWrite:
                break;
            default:
                throw Fault(pc, cyc, $"unknown syscall {num} (a7)");
        }
        bool isRead = num == SysRead;
        if (isRead && a0 != 0) throw Fault(pc, cyc, $"read from unsupported fd {a0} (only fd 0, the private input, can be read)");
        if (!isRead && a0 != 1 && a0 != 2) throw Fault(pc, cyc, $"write to unsupported fd {a0} (1 = journal, 2 = log)");
        uint buf = a1;
        long count = isRead ? Math.Min(a2, _input.Length - InputOffset) : a2;
        if (count > 0 && (ulong)buf + (ulong)count > 1ul << 32)
            throw Fault(pc, cyc, $"syscall buffer [0x{buf:x8}, +0x{count:x}) wraps past the end of the address space");
        long words = count == 0 ? 0 : (long)(((ulong)buf + (ulong)count + 3) >> 2) - (buf >> 2);
        if (cyc + 2 + words > limit)
        {
            if (limit >= MaxCycles) throw Fault(pc, cyc, $"cycle limit of {MaxCycles} exceeded (a syscall transferring {count} bytes needs {2 + words} cycles)");
            if (cyc != segmentStart) return -1;
            words = limit - cyc - 2;
            count = Math.Min(count, words * 4 - (buf & 3));
            words = (long)(((ulong)buf + (ulong)count + 3) >> 2) - (buf >> 2);
        }
        if (tr.Enabled)
        {
            tr.Instruction(cyc, pc, Op.Ecall);
            tr.Read(4 * 17, num, ts); tr.Read(4 * 10, a0, ts + 1); tr.Read(4 * 11, a1, ts + 2); tr.Read(4 * 12, a2, ts + 3);
        }
        long done = 0;
        for (long k = 0; k < words; k++)
        {
            uint wa = (buf & ~3u) + (uint)(4 * k);
            int lo = (int)Math.Max(0, (long)buf - wa), hi = (int)Math.Min(4, (long)buf + count - wa);
            byte* page = isRead ? StorePage(pc, cyc, wa + (uint)lo, (uint)(hi - lo), out _) : LoadPage(pc, cyc, wa);
            uint* wp = (uint*)(page + (wa & Memory.PageMask));
            uint old = *wp;
            byte* q = (byte*)wp;
            if (isRead)
            {
                for (int b = lo; b < hi; b++) q[b] = _input[InputOffset + done + (b - lo)];
                if (tr.Enabled) tr.Write(wa, old, *wp, (cyc + 1 + k) * 4 + 2);
            }
            else
            {
                (a0 == 1 ? Journal : Log).Write(new ReadOnlySpan<byte>(q + lo, hi - lo));
                if (tr.Enabled) tr.Read(wa, old, (cyc + 1 + k) * 4 + 2);
            }
            done += hi - lo;
        }
        long finish = (cyc + 1 + words) * 4;
        if (isRead)
        {
            if (tr.Enabled) tr.Write(InputCursorAddress, (uint)InputOffset, (uint)(InputOffset + count), finish);
            InputOffset += count;
        }
        else if (a0 == 1 && tr.Enabled)
        {
            long after = JournalBase + Journal.WrittenCount;
            tr.Write(JournalCursorAddress, (uint)(after - count), (uint)after, finish);
        }
        uint oldA0 = _regs[10];
        _regs[10] = (uint)count;
        if (tr.Enabled) tr.Write(4 * 10, oldA0, (uint)count, finish + 3);
        return 2 + words;
    }
}
