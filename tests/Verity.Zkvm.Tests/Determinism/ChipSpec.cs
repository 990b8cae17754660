using System.Numerics;
using Verity.Stark.Air.Model;
using Verity.Zkvm.Air;
using Verity.Zkvm.Chips;
using Verity.Zkvm.Memory;
using Verity.Zkvm.Programs;

namespace Verity.Zkvm.Tests.Determinism;

/// <summary>
/// What the checker needs to know about one table: its definition and column names, the row kinds to split by, and
/// how to read each interaction. The roles are derived from the buses (<see cref="DefaultRole"/>); a chip overrides
/// them only where a bus means something else for it.
/// </summary>
internal sealed class ChipSpec
{
    public required string Name { get; init; }
    public required TableDefinition Table { get; init; }
    public required IReadOnlyList<string> Columns { get; init; }
    public required int PublicInputCount { get; init; }

    /// <summary>Row kinds, the first of which runs the coverage query. A single kind without fixed columns means no split.</summary>
    public List<RowKind> Kinds { get; init; } = [new RowKind("every row", new Dictionary<int, long>())];

    /// <summary>Known ranges of public inputs (the verifier computes them); none by default.</summary>
    public Dictionary<int, (BigInteger, BigInteger)> PublicBounds { get; init; } = [];

    /// <summary>
    /// Also state t = l·r exactly (non-linear integer arithmetic) for product atoms whose factors are small and
    /// non-negative. Division needs it: the uniqueness of (q, r) for b ≠ 0 is the integer argument
    /// b·(q − q') = r' − r with |r' − r| &lt; |b|, which the linear lemmas cannot express.
    /// </summary>
    public bool ExactProducts { get; init; }

    /// <summary>
    /// Columns assumed equal in both rows of a same-kind query, because a manual argument (<see cref="AssumedWhy"/>)
    /// shows them determined where the solver cannot. The solver then proves every other column.
    /// </summary>
    public int[] AssumedEqual { get; init; } = [];

    public string AssumedWhy { get; init; } = "";

    /// <summary>Per-interaction overrides of <see cref="DefaultRole"/>, by interaction index.</summary>
    public Dictionary<int, InteractionSpec> Overrides { get; init; } = [];

    /// <summary>
    /// Leaves out the consumer facts (a next pc sent on the execution bus is a 4-aligned u32; an IO byte is a byte):
    /// the strictly row-local check, under which branch and jump rows are not deterministic (their carry is unique only
    /// because the next row looks the target up in the ROM).
    /// </summary>
    public bool StrictFacts { get; set; }

    public InteractionSpec Role(TableDefinition table, int index) =>
        Overrides.TryGetValue(index, out var o) ? o : DefaultRole(table, index, StrictFacts);

    private const string RomWhy = "the ROM holds it";
    private const string MemoryWhy = "memory invariant: every version on the bus is a u32 with boolean ro";
    private const string ConsumerWhy = "every receiver of an execution state looks its pc up in the ROM";
    private const string SyscallWhy = "syscall-bus invariant: a continuation has mode 1..3, lane < 4, u32 bytes left and count";
    private const string IoWhy = "the verifier's IO terms are bytes: the input, and the journal it accepts";

    /// <summary>A syscall continuation (clk, mode, word address, lane, bytes left, offset, count): mode 1..3, lane below 4, u32 left and count.</summary>
    public static readonly ValueFact[] SyscallFacts =
    [
        new(1, 1, 3, 1, SyscallWhy), new(3, 0, 3, 1, SyscallWhy), ValueFact.U32(4, SyscallWhy), ValueFact.U32(6, SyscallWhy),
    ];

    /// <summary>ROM tuple (pc, code, rd, rs1, rs2, imm): 4-aligned u32 pc, register indices below 32, u32 immediate.</summary>
    public static readonly ValueFact[] RomFacts =
    [
        ValueFact.U32(0, RomWhy, align: 4), new(2, 0, 31, 1, RomWhy), new(3, 0, 31, 1, RomWhy), new(4, 0, 31, 1, RomWhy), ValueFact.U32(5, RomWhy),
    ];

    /// <summary>A memory version (address, value, ro, time): u32 value, boolean ro.</summary>
    public static readonly ValueFact[] MemoryFacts = [ValueFact.U32(1, MemoryWhy), ValueFact.Bool(2, MemoryWhy)];

    /// <summary>
    /// The bus semantics of the segment and memory AIRs (docs/ZKVM.md, "Buses"):
    /// <list type="bullet">
    /// <item>Program-bus sends look the ROM tuple up by pc, with the ROM's value facts.</item>
    /// <item>Memory-bus receives look the previous version (value, ro, time) up by address and the time of the access
    /// (the paired send that Gadgets.MemoryAccess declares right after it), or by address alone when there is no such
    /// send (the boundary's final versions). They carry the memory invariant's facts.</item>
    /// <item>Memory-bus sends must keep the memory invariant (obligations).</item>
    /// <item>IO-bus sends of kind 0 look the input byte up by offset; every IO byte is a byte (consumer fact, unless <paramref name="strict"/>).</item>
    /// <item>Syscall-bus receives carry the continuation invariant's facts; syscall-bus sends must keep it.</item>
    /// <item>Range16 and ByteAnd sends are range facts.</item>
    /// <item>Execution-bus sends carry the consumer fact (a 4-aligned u32 next pc) unless <paramref name="strict"/>.</item>
    /// <item>Every other receive is an input: global-memory and image-word receives carry the memory invariant's facts.</item>
    /// <item>Every other send is an output.</item>
    /// </list>
    /// </summary>
    public static InteractionSpec DefaultRole(TableDefinition table, int index, bool strict = false)
    {
        var it = table.Interactions[index];
        switch (it.Bus)
        {
            case Buses.Program when it.IsSend: return new(InteractionRole.Function, KeyIndices: [0], Facts: RomFacts);
            case Buses.Range16 when it.IsSend: return new(InteractionRole.Range16);
            case Buses.ByteAnd when it.IsSend: return new(InteractionRole.ByteAnd);
            case Buses.Io when it.IsSend:
                return new(InteractionRole.Function, KeyIndices: [0, 1], ZeroCondition: 0, Facts: strict ? null : [new(2, 0, 255, 1, IoWhy)]);
            case Buses.Syscall when it.IsSend: return new(InteractionRole.Output, Obligations: SyscallFacts);
            case Buses.Syscall when !it.IsSend: return new(InteractionRole.Input, Facts: SyscallFacts);
            case Buses.Memory when !it.IsSend:
                {
                    var send = table.Interactions.Skip(index + 1).FirstOrDefault(s => s.Bus == Buses.Memory && s.IsSend);
                    bool paired = send != null && ReferenceEquals(send.Multiplicity, it.Multiplicity) && ReferenceEquals(send.Values[0], it.Values[0]);
                    return new(InteractionRole.Function, KeyIndices: [0], ExtraKey: paired ? [send!.Values[3]] : null, Facts: MemoryFacts);
                }
            case Buses.Memory or Buses.GlobalMemory when it.IsSend: return new(InteractionRole.Output, Obligations: MemoryFacts);
            case Buses.Execution when it.IsSend:
                return new(InteractionRole.Output, Facts: strict ? null : [ValueFact.U32(0, ConsumerWhy, align: 4)]);
            case Buses.GlobalMemory when !it.IsSend: return new(InteractionRole.Input, Facts: MemoryFacts);
            case Buses.ImageWords when !it.IsSend: return new(InteractionRole.Input, Facts: [ValueFact.U32(1, MemoryWhy), ValueFact.Bool(2, MemoryWhy)]);
        }
        return new(it.IsSend ? InteractionRole.Output : InteractionRole.Input);
    }

    public static TableDefinition Define(Chip chip, int publicInputs)
    {
        var air = new AirBuilder("determinism." + chip.Name, publicInputs);
        chip.Define(air.Table(chip.Name, chip.Layout.Width));
        return air.Build().Tables[0];
    }

    private static ChipSpec Of(Chip chip, bool exactProducts = false, string[]? assumedEqual = null, string assumedWhy = "",
        int publicInputs = SegmentStatement.Count) => new()
    {
        ExactProducts = exactProducts,
        AssumedEqual = [.. (assumedEqual ?? []).Select(n => chip.Layout.Names.ToList().IndexOf(n) is var i && i >= 0 ? i : throw new ArgumentException($"{chip.Name} has no column {n}"))],
        AssumedWhy = assumedWhy,
        Name = chip.Name,
        Table = Define(chip, publicInputs),
        Columns = chip.Layout.Names,
        PublicInputCount = publicInputs,
    };

    /// <summary>
    /// An instruction family: kinds padding (real = 0, every flag 0) and one per operation (real = 1, its flag 1).
    /// Inside an operation the ROM's register-use flags r1, r2, w are enumerated (after a query shows they agree),
    /// only as the ROM can hold them: a flag is set only for a register the operation uses (<see cref="RomCode"/>;
    /// e.g. a load never has r2 = 1, and with r2 = 1 a load's unused rs2 bytes would be free).
    /// </summary>
    public static ChipSpec Family(FamilyChip chip, bool exactProducts = false, string[]? assumedEqual = null, string assumedWhy = "")
    {
        var spec = Of(chip, exactProducts, assumedEqual, assumedWhy);
        var names = chip.Layout.Names;
        int Col(string n) => names.ToList().IndexOf(n) is var i && i >= 0 ? i : throw new ArgumentException($"{chip.Name} has no column {n}");
        int real = Col("real");
        int[] flags = [.. Enumerable.Range(0, names.Count).Where(i => names[i].StartsWith("is_", StringComparison.Ordinal))];
        if (flags.Length != chip.Ops.Count) throw new InvalidOperationException($"{chip.Name}: {flags.Length} flag columns for {chip.Ops.Count} operations");
        int[] romFlags = [Col("r1"), Col("r2"), Col("w")];
        var kinds = new List<RowKind> { new("padding", flags.Append(real).ToDictionary(c => c, _ => 0L)) };
        for (int k = 0; k < flags.Length; k++)
        {
            int f = flags[k];
            var op = chip.Ops[k];
            if (!string.Equals(names[f], $"is_{op}", StringComparison.OrdinalIgnoreCase)) throw new InvalidOperationException($"{chip.Name}: flag {names[f]} is not {op}");
            var fixedColumns = flags.ToDictionary(c => c, c => c == f ? 1L : 0L);
            fixedColumns[real] = 1;
            int possible = (RomCode.ReadsRs1(op) ? 1 : 0) | (RomCode.ReadsRs2(op) ? 2 : 0) | (RomCode.WritesRd(op) ? 4 : 0);
            var masks = Enumerable.Range(0, 8).Where(m => (m & ~possible) == 0).ToList();
            kinds.Add(new RowKind(names[f][3..], fixedColumns)
            {
                SubSplit = romFlags,
                SubSplitMasks = masks,
                SubSplitWhy = "the ROM sets r1, r2, w only for registers the operation uses (RomCode)",
            });
        }
        spec.Kinds.Clear();
        spec.Kinds.AddRange(kinds);
        return spec;
    }

    /// <summary>
    /// The syscall chip: padding, exit, and call / transfer / finish in each mode (read, journal, log). Its IO-bus
    /// send is the default: on read rows (kind 0) the byte is a function of the offset (an input); on journal rows
    /// (kind 1) it is an output.
    /// </summary>
    public static ChipSpec Syscall()
    {
        var chip = new SyscallChip();
        var spec = Of(chip, assumedEqual: ["offset"], assumedWhy: OffsetArgument);
        var names = chip.Layout.Names;
        int Col(string n) => names.ToList().IndexOf(n) is var i && i >= 0 ? i : throw new ArgumentException($"syscall has no column {n}");
        int real = Col("real"), call = Col("is_call"), xfer = Col("is_transfer"), fin = Col("is_finish"), exit = Col("is_exit");
        int rd = Col("mode_read"), jr = Col("mode_journal"), lg = Col("mode_log");
        int[] all = [real, call, xfer, fin, exit, rd, jr, lg];
        Dictionary<int, long> Kind(params int[] ones) => all.ToDictionary(c => c, c => ones.Contains(c) ? 1L : 0L);
        spec.Kinds.Clear();
        spec.Kinds.Add(new RowKind("padding", Kind()));
        spec.Kinds.Add(new RowKind("exit", Kind(real, exit)));
        foreach (var (row, rowName) in new[] { (call, "call"), (xfer, "transfer"), (fin, "finish") })
            foreach (var (mode, modeName) in new[] { (rd, "read"), (jr, "journal"), (lg, "log") })
                spec.Kinds.Add(new RowKind($"{rowName}/{modeName}", Kind(real, row, mode)));
        return spec;
    }

    /// <summary>
    /// The division chip. The solver cannot do the integer argument that makes quotient and remainder unique (it
    /// times out with exact non-linear products), so q and r are assumed equal by <see cref="DivisionArgument"/> and
    /// the solver proves every other column (carries, sign bits, the overflow and zero-divisor flags and inverses, the
    /// bound limbs, the result).
    /// </summary>
    public static ChipSpec Div() => Family(new DivChip(), assumedEqual: ["q_lo", "q_hi", "rem_lo", "rem_hi"], assumedWhy: DivisionArgument);

    /// <summary>The manual argument behind <see cref="Div"/>: what is not machine-checked.</summary>
    public const string DivisionArgument =
        "Not machine-checked: the division chip's quotient q and remainder r (q_lo, q_hi, rem_lo, rem_hi) are unique. " +
        "Argument: the product gadget gives b0·q0 + 2^16·(b0·q1 + b1·q0) + r − a = 2^32·k over the integers (k < 2^17), and the " +
        "identity constraint b1·q1 + k − sb·q − sq·b + 2^32·sb·sq − sr + sa = ov holds over the integers (every term is below " +
        "2^35), so together b_s·q_s + r_s − a_s = 2^32·ov with X_s = X − 2^32·sX the signed values (sX = 0 on unsigned rows, " +
        "where ov = 0). The overflow flag ov = [a = INT_MIN and b = −1] is determined (machine-checked). For b ≠ 0, |b_s| − " +
        "|r_s| − 1 = diff ≥ 0 and a non-zero r has a's sign, so two solutions for the same a, b satisfy " +
        "b_s·(q_s − q'_s) = r'_s − r_s with |r'_s − r_s| < |b_s|: q_s = q'_s and r_s = r'_s, and the canonical limbs of q and r " +
        "follow. For b = 0 (b_zero = 1, machine-checked), q = 2^32 − 1 is forced and the identity gives r_s = a_s.";

    /// <summary>The manual argument behind <see cref="Syscall"/>'s assumption: what is not machine-checked row by row.</summary>
    public const string OffsetArgument =
        "Cross-row, not machine-checked by the row query: a read or journal-write call row's offset (the cursor before the " +
        "syscall) is pinned by the finish row of the same syscall. The call row sends it in the syscall state; transfer rows " +
        "pass it on as offset + moved; the finish row receives offset + count and checks `cursor before = offset − count` " +
        "against the cursor's value in memory (a memory input). Each syscall-bus tuple (clk, …) is sent by exactly one row, " +
        "the one at clk − 1 (the execution bus gives one row per clock), so the offset the call row sends is the cursor's value.";

    public static ChipSpec Boundary() => Of(new BoundaryChip());
    public static ChipSpec Io() => Of(new IoChip());
    public static ChipSpec MemoryTable() => Of(new MemoryTableChip(), publicInputs: MemoryCircuit.PublicInputCount);
}
