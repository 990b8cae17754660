using Verity.Vm;

namespace Verity.Zkvm.Programs;

/// <summary>
/// The instruction code a ROM row holds: the operation number plus 64·(reads rs1 + 2·reads rs2 + 4·writes rd),
/// where each flag is set only when the register is used and is not x0 (x0 is never a memory access: it reads 0
/// and discards writes, exactly as the executor records).
/// </summary>
internal static class RomCode
{
    public const int FlagsShift = 64;

    public static bool ReadsRs1(Op op) => op is Op.Jalr
        or >= Op.Beq and <= Op.Bgeu
        or >= Op.Lb and <= Op.Sw
        or >= Op.Addi and <= Op.Srai
        or >= Op.Add and <= Op.Remu;

    public static bool ReadsRs2(Op op) => op is >= Op.Beq and <= Op.Bgeu
        or >= Op.Sb and <= Op.Sw
        or >= Op.Add and <= Op.Remu;

    public static bool WritesRd(Op op) => op is >= Op.Lui and <= Op.Jalr
        or >= Op.Lb and <= Op.Lhu
        or >= Op.Addi and <= Op.Srai
        or >= Op.Add and <= Op.Remu;

    public static (bool R1, bool R2, bool W) Flags(in Decoded d) =>
        (ReadsRs1(d.Op) && d.Rs1 != 0, ReadsRs2(d.Op) && d.Rs2 != 0, WritesRd(d.Op) && d.Rd != Decoded.Sink);

    public static long Of(Op op, bool r1, bool r2, bool w) => (long)op + FlagsShift * ((r1 ? 1 : 0) + (r2 ? 2 : 0) + (w ? 4 : 0));

    public static long Of(in Decoded d)
    {
        var (r1, r2, w) = Flags(d);
        return Of(d.Op, r1, r2, w);
    }

    /// <summary>Register index as the ROM stores it: x0 for the executor's write sink.</summary>
    public static uint Rd(in Decoded d) => d.Rd == Decoded.Sink ? 0u : d.Rd;
}
