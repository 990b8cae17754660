using Verity.Algebra;
using Verity.Vm;

namespace Verity.Zkvm.Programs;

/// <summary>
/// The program ROM: one row per word of every executable region of the image (pc, code, rd, rs1, rs2, imm), decoded
/// exactly as the executor decodes it. It becomes the preprocessed columns of the segment AIR's program table, so
/// the AIR (and its identity) is specific to the program. Padding rows hold code 0 (illegal), which no chip sends,
/// and each its own pc 4·row + 1 (never a word address, so never an instruction's): with every tuple distinct, the
/// LogUp balance forces each padding row's multiplicity to 0 rather than only their sum. Like every zkVM table it has at least
/// 2^<see cref="Proving.ReceiptSecurity.MinLogTableHeight"/> rows.
/// </summary>
internal sealed class ProgramRom
{
    private readonly Dictionary<uint, int> _rowOfPc = [];

    public ProgramRom(ProgramImage image)
    {
        Image = image;
        var rows = new List<(uint Pc, Decoded D)>();
        foreach (var s in image.Segments)
        {
            if (!s.Executable) continue;
            for (uint i = 0; i < s.Length; i += 4)
            {
                uint pc = s.Address + i;
                _rowOfPc[pc] = rows.Count;
                rows.Add((pc, Decoder.Decode(s.WordAt(i))));
            }
        }
        Rows = [.. rows];
        Height = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(1 << Proving.ReceiptSecurity.MinLogTableHeight, rows.Count));
        Columns = BuildColumns();
    }

    public ProgramImage Image { get; }
    public (uint Pc, Decoded D)[] Rows { get; }
    public int Height { get; }

    /// <summary>Preprocessed columns: pc, code, rd, rs1, rs2, imm.</summary>
    public Goldilocks[][] Columns { get; }

    public const int PcColumn = 0, CodeColumn = 1, RdColumn = 2, Rs1Column = 3, Rs2Column = 4, ImmColumn = 5, Width = 6;

    public int RowOf(uint pc) => _rowOfPc.TryGetValue(pc, out int r) ? r : throw new InvalidOperationException($"pc 0x{pc:x8} is not in the program ROM");

    public Decoded At(uint pc) => Rows[RowOf(pc)].D;

    private Goldilocks[][] BuildColumns()
    {
        var cols = new Goldilocks[Width][];
        for (int c = 0; c < Width; c++) cols[c] = new Goldilocks[Height];
        for (int r = 0; r < Rows.Length; r++)
        {
            var (pc, d) = Rows[r];
            bool executable = d.Op is not (Op.Illegal or Op.NoCode);
            cols[PcColumn][r] = new Goldilocks(pc);
            cols[CodeColumn][r] = executable ? Goldilocks.FromInt64(RomCode.Of(d)) : Goldilocks.Zero;
            cols[RdColumn][r] = executable ? new Goldilocks(RomCode.Rd(d)) : Goldilocks.Zero;
            cols[Rs1Column][r] = executable ? new Goldilocks(d.Rs1) : Goldilocks.Zero;
            cols[Rs2Column][r] = executable ? new Goldilocks(d.Rs2) : Goldilocks.Zero;
            cols[ImmColumn][r] = executable ? new Goldilocks((uint)d.Imm) : Goldilocks.Zero;
        }
        for (int r = Rows.Length; r < Height; r++) cols[PcColumn][r] = new Goldilocks(4UL * (ulong)r + 1);
        return cols;
    }
}
