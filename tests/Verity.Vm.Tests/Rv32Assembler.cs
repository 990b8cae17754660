using System.Buffers.Binary;

namespace Verity.Vm.Tests;

/// <summary>A tiny RV32IM assembler for tests: encodes the R/I/S/B/U/J formats, with labels for branches and jumps.</summary>
public sealed class Rv32Assembler
{
    public const int Zero = 0, Ra = 1, Sp = 2, A0 = 10, A1 = 11, A2 = 12, A7 = 17;
    public const int T0 = 5, T1 = 6, T2 = 7, S0 = 8, S1 = 9, T3 = 28, T4 = 29, T5 = 30, T6 = 31;

    private readonly List<uint> _words = [];
    private readonly Dictionary<string, int> _labels = [];
    private readonly List<(int At, string Label, Func<int, uint> Encode)> _fixups = [];

    public Rv32Assembler(uint baseAddress = 0x10000) { Base = baseAddress; }

    public uint Base { get; }
    public uint Pc => Base + (uint)(4 * _words.Count);
    public int Count => _words.Count;

    public static uint R(uint op, int rd, uint f3, int rs1, int rs2, uint f7) =>
        (f7 << 25) | ((uint)rs2 << 20) | ((uint)rs1 << 15) | (f3 << 12) | ((uint)rd << 7) | op;
    public static uint I(uint op, int rd, uint f3, int rs1, int imm) =>
        ((uint)(imm & 0xFFF) << 20) | ((uint)rs1 << 15) | (f3 << 12) | ((uint)rd << 7) | op;
    public static uint S(uint op, uint f3, int rs1, int rs2, int imm) =>
        ((uint)((imm >> 5) & 0x7F) << 25) | ((uint)rs2 << 20) | ((uint)rs1 << 15) | (f3 << 12) | ((uint)(imm & 31) << 7) | op;
    public static uint B(uint f3, int rs1, int rs2, int imm) =>
        ((uint)((imm >> 12) & 1) << 31) | ((uint)((imm >> 5) & 0x3F) << 25) | ((uint)rs2 << 20) | ((uint)rs1 << 15)
        | (f3 << 12) | ((uint)((imm >> 1) & 0xF) << 8) | ((uint)((imm >> 11) & 1) << 7) | 0x63;
    public static uint U(uint op, int rd, uint imm) => (imm & 0xFFFFF000) | ((uint)rd << 7) | op;
    public static uint J(int rd, int imm) =>
        ((uint)((imm >> 20) & 1) << 31) | ((uint)((imm >> 1) & 0x3FF) << 21) | ((uint)((imm >> 11) & 1) << 20)
        | ((uint)((imm >> 12) & 0xFF) << 12) | ((uint)rd << 7) | 0x6F;

    public Rv32Assembler Word(uint w) { _words.Add(w); return this; }

    public Rv32Assembler Label(string name) { _labels.Add(name, _words.Count); return this; }

    private Rv32Assembler Fix(string label, Func<int, uint> encode)
    {
        _fixups.Add((_words.Count, label, encode));
        _words.Add(0);
        return this;
    }

    // U and J
    public Rv32Assembler Lui(int rd, uint imm) => Word(U(0x37, rd, imm));
    public Rv32Assembler Auipc(int rd, uint imm) => Word(U(0x17, rd, imm));
    public Rv32Assembler Jal(int rd, int offset) => Word(J(rd, offset));
    public Rv32Assembler Jal(int rd, string label) => Fix(label, off => J(rd, off));
    public Rv32Assembler Jalr(int rd, int rs1, int imm) => Word(I(0x67, rd, 0, rs1, imm));

    // branches
    public Rv32Assembler Beq(int a, int b, string l) => Fix(l, off => B(0, a, b, off));
    public Rv32Assembler Bne(int a, int b, string l) => Fix(l, off => B(1, a, b, off));
    public Rv32Assembler Blt(int a, int b, string l) => Fix(l, off => B(4, a, b, off));
    public Rv32Assembler Bge(int a, int b, string l) => Fix(l, off => B(5, a, b, off));
    public Rv32Assembler Bltu(int a, int b, string l) => Fix(l, off => B(6, a, b, off));
    public Rv32Assembler Bgeu(int a, int b, string l) => Fix(l, off => B(7, a, b, off));
    public Rv32Assembler Branch(uint f3, int a, int b, int offset) => Word(B(f3, a, b, offset));

    // loads and stores
    public Rv32Assembler Lb(int rd, int rs1, int imm) => Word(I(0x03, rd, 0, rs1, imm));
    public Rv32Assembler Lh(int rd, int rs1, int imm) => Word(I(0x03, rd, 1, rs1, imm));
    public Rv32Assembler Lw(int rd, int rs1, int imm) => Word(I(0x03, rd, 2, rs1, imm));
    public Rv32Assembler Lbu(int rd, int rs1, int imm) => Word(I(0x03, rd, 4, rs1, imm));
    public Rv32Assembler Lhu(int rd, int rs1, int imm) => Word(I(0x03, rd, 5, rs1, imm));
    public Rv32Assembler Sb(int rs2, int rs1, int imm) => Word(S(0x23, 0, rs1, rs2, imm));
    public Rv32Assembler Sh(int rs2, int rs1, int imm) => Word(S(0x23, 1, rs1, rs2, imm));
    public Rv32Assembler Sw(int rs2, int rs1, int imm) => Word(S(0x23, 2, rs1, rs2, imm));

    // immediate ALU
    public Rv32Assembler Addi(int rd, int rs1, int imm) => Word(I(0x13, rd, 0, rs1, imm));
    public Rv32Assembler Slti(int rd, int rs1, int imm) => Word(I(0x13, rd, 2, rs1, imm));
    public Rv32Assembler Sltiu(int rd, int rs1, int imm) => Word(I(0x13, rd, 3, rs1, imm));
    public Rv32Assembler Xori(int rd, int rs1, int imm) => Word(I(0x13, rd, 4, rs1, imm));
    public Rv32Assembler Ori(int rd, int rs1, int imm) => Word(I(0x13, rd, 6, rs1, imm));
    public Rv32Assembler Andi(int rd, int rs1, int imm) => Word(I(0x13, rd, 7, rs1, imm));
    public Rv32Assembler Slli(int rd, int rs1, int sh) => Word(I(0x13, rd, 1, rs1, sh));
    public Rv32Assembler Srli(int rd, int rs1, int sh) => Word(I(0x13, rd, 5, rs1, sh));
    public Rv32Assembler Srai(int rd, int rs1, int sh) => Word(I(0x13, rd, 5, rs1, sh | 0x400));

    // register ALU
    public Rv32Assembler Op(string name, int rd, int rs1, int rs2) => Word(name switch
    {
        "add" => R(0x33, rd, 0, rs1, rs2, 0),
        "sub" => R(0x33, rd, 0, rs1, rs2, 0x20),
        "sll" => R(0x33, rd, 1, rs1, rs2, 0),
        "slt" => R(0x33, rd, 2, rs1, rs2, 0),
        "sltu" => R(0x33, rd, 3, rs1, rs2, 0),
        "xor" => R(0x33, rd, 4, rs1, rs2, 0),
        "srl" => R(0x33, rd, 5, rs1, rs2, 0),
        "sra" => R(0x33, rd, 5, rs1, rs2, 0x20),
        "or" => R(0x33, rd, 6, rs1, rs2, 0),
        "and" => R(0x33, rd, 7, rs1, rs2, 0),
        "mul" => R(0x33, rd, 0, rs1, rs2, 1),
        "mulh" => R(0x33, rd, 1, rs1, rs2, 1),
        "mulhsu" => R(0x33, rd, 2, rs1, rs2, 1),
        "mulhu" => R(0x33, rd, 3, rs1, rs2, 1),
        "div" => R(0x33, rd, 4, rs1, rs2, 1),
        "divu" => R(0x33, rd, 5, rs1, rs2, 1),
        "rem" => R(0x33, rd, 6, rs1, rs2, 1),
        "remu" => R(0x33, rd, 7, rs1, rs2, 1),
        _ => throw new ArgumentException(name),
    });
    public Rv32Assembler Add(int rd, int rs1, int rs2) => Op("add", rd, rs1, rs2);

    public Rv32Assembler Fence() => Word(0x0FF0000F);
    public Rv32Assembler Ecall() => Word(0x00000073);

    /// <summary>Loads a 32-bit constant with LUI + ADDI (always two instructions).</summary>
    public Rv32Assembler Li(int rd, uint value)
    {
        uint hi = (value + 0x800) & 0xFFFFF000;
        int lo = (int)(value - hi);
        return Lui(rd, hi).Addi(rd, rd, lo);
    }
    public Rv32Assembler Li(int rd, int value) => Li(rd, (uint)value);

    public Rv32Assembler Exit(int code) => Li(A0, code).Li(A7, 93).Ecall();
    public Rv32Assembler ExitWithReg(int reg) => Addi(A0, reg, 0).Li(A7, 93).Ecall();

    public Rv32Assembler Syscall(int number, int a0, uint a1, uint a2) =>
        Li(A0, a0).Li(A1, a1).Li(A2, a2).Li(A7, number).Ecall();

    public byte[] ToBytes()
    {
        foreach ((int at, string label, Func<int, uint> encode) in _fixups)
        {
            if (!_labels.TryGetValue(label, out int target)) throw new InvalidOperationException($"undefined label {label}");
            _words[at] = encode(4 * (target - at));
        }
        var bytes = new byte[4 * _words.Count];
        for (int i = 0; i < _words.Count; i++) BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4 * i), _words[i]);
        return bytes;
    }
}
