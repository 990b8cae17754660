using System.Runtime.InteropServices;

namespace Verity.Vm;

/// <summary>Pre-decoded operations. <see cref="Illegal"/> and <see cref="NoCode"/> fault when executed.</summary>
internal enum Op : byte
{
    Illegal, NoCode,
    Lui, Auipc, Jal, Jalr,
    Beq, Bne, Blt, Bge, Bltu, Bgeu,
    Lb, Lh, Lw, Lbu, Lhu, Sb, Sh, Sw,
    Addi, Slti, Sltiu, Xori, Ori, Andi, Slli, Srli, Srai,
    Add, Sub, Sll, Slt, Sltu, Xor, Srl, Sra, Or, And,
    Mul, Mulh, Mulhsu, Mulhu, Div, Divu, Rem, Remu,
    Fence, Ecall,
}

/// <summary>
/// One decoded instruction (8 bytes). A destination x0 is decoded as register 32, a sink the machine never reads,
/// so the hot loop needs no x0 special case. For <see cref="Op.Illegal"/>, <see cref="Imm"/> holds the reason code.
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal struct Decoded
{
    public Op Op;
    public byte Rd, Rs1, Rs2;
    public int Imm;

    public const byte Sink = 32;
}

internal static class Decoder
{
    public const int ReasonUnknown = 0, ReasonEbreak = 1, ReasonCsr = 2, ReasonFenceI = 3, ReasonSystem = 4;

    public static string IllegalReason(int code) => code switch
    {
        ReasonEbreak => "EBREAK is not supported",
        ReasonCsr => "CSR instructions are not supported",
        ReasonFenceI => "FENCE.I is not supported (no self-modifying code)",
        ReasonSystem => "privileged/system instruction is not supported",
        _ => "illegal instruction",
    };

    public static Decoded Decode(uint w)
    {
        uint opcode = w & 0x7F;
        byte rd = (byte)((w >> 7) & 31);
        uint f3 = (w >> 12) & 7;
        byte rs1 = (byte)((w >> 15) & 31);
        byte rs2 = (byte)((w >> 20) & 31);
        uint f7 = w >> 25;
        int immI = (int)w >> 20;
        int immS = (((int)w >> 25) << 5) | (int)((w >> 7) & 31);
        int immB = (((int)w >> 31) << 12) | (int)((w >> 7) & 1) << 11 | (int)((w >> 25) & 0x3F) << 5 | (int)((w >> 8) & 0xF) << 1;
        int immU = (int)(w & 0xFFFFF000);
        int immJ = (((int)w >> 31) << 20) | (int)((w >> 12) & 0xFF) << 12 | (int)((w >> 20) & 1) << 11 | (int)((w >> 21) & 0x3FF) << 1;
        byte rdd = rd == 0 ? Decoded.Sink : rd;

        Decoded R(Op op) => new() { Op = op, Rd = rdd, Rs1 = rs1, Rs2 = rs2 };
        Decoded I(Op op, int imm) => new() { Op = op, Rd = rdd, Rs1 = rs1, Imm = imm };
        Decoded Ill(int reason) => new() { Op = Op.Illegal, Imm = reason };

        switch (opcode)
        {
            case 0x37: return new Decoded { Op = Op.Lui, Rd = rdd, Imm = immU };
            case 0x17: return new Decoded { Op = Op.Auipc, Rd = rdd, Imm = immU };
            case 0x6F: return new Decoded { Op = Op.Jal, Rd = rdd, Imm = immJ };
            case 0x67: return f3 == 0 ? I(Op.Jalr, immI) : Ill(ReasonUnknown);
            case 0x63:
                Op b = f3 switch { 0 => Op.Beq, 1 => Op.Bne, 4 => Op.Blt, 5 => Op.Bge, 6 => Op.Bltu, 7 => Op.Bgeu, _ => Op.Illegal };
                return b == Op.Illegal ? Ill(ReasonUnknown) : new Decoded { Op = b, Rs1 = rs1, Rs2 = rs2, Imm = immB };
            case 0x03:
                Op l = f3 switch { 0 => Op.Lb, 1 => Op.Lh, 2 => Op.Lw, 4 => Op.Lbu, 5 => Op.Lhu, _ => Op.Illegal };
                return l == Op.Illegal ? Ill(ReasonUnknown) : I(l, immI);
            case 0x23:
                Op s = f3 switch { 0 => Op.Sb, 1 => Op.Sh, 2 => Op.Sw, _ => Op.Illegal };
                return s == Op.Illegal ? Ill(ReasonUnknown) : new Decoded { Op = s, Rs1 = rs1, Rs2 = rs2, Imm = immS };
            case 0x13:
                switch (f3)
                {
                    case 0: return I(Op.Addi, immI);
                    case 2: return I(Op.Slti, immI);
                    case 3: return I(Op.Sltiu, immI);
                    case 4: return I(Op.Xori, immI);
                    case 6: return I(Op.Ori, immI);
                    case 7: return I(Op.Andi, immI);
                    case 1: return f7 == 0 ? I(Op.Slli, rs2) : Ill(ReasonUnknown);
                    default: return f7 == 0 ? I(Op.Srli, rs2) : f7 == 0x20 ? I(Op.Srai, rs2) : Ill(ReasonUnknown);
                }
            case 0x33:
                if (f7 == 0)
                    return R(f3 switch { 0 => Op.Add, 1 => Op.Sll, 2 => Op.Slt, 3 => Op.Sltu, 4 => Op.Xor, 5 => Op.Srl, 6 => Op.Or, _ => Op.And });
                if (f7 == 1)
                    return R(f3 switch { 0 => Op.Mul, 1 => Op.Mulh, 2 => Op.Mulhsu, 3 => Op.Mulhu, 4 => Op.Div, 5 => Op.Divu, 6 => Op.Rem, _ => Op.Remu });
                if (f7 == 0x20 && f3 == 0) return R(Op.Sub);
                if (f7 == 0x20 && f3 == 5) return R(Op.Sra);
                return Ill(ReasonUnknown);
            case 0x0F:
                return f3 == 0 ? new Decoded { Op = Op.Fence } : f3 == 1 ? Ill(ReasonFenceI) : Ill(ReasonUnknown);
            case 0x73:
                if (w == 0x00000073) return new Decoded { Op = Op.Ecall };
                if (w == 0x00100073) return Ill(ReasonEbreak);
                return f3 != 0 && f3 != 4 ? Ill(ReasonCsr) : Ill(ReasonSystem);
            default:
                return Ill(ReasonUnknown);
        }
    }
}
