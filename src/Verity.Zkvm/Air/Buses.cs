namespace Verity.Zkvm.Air;

/// <summary>
/// LogUp bus numbers of the zkVM circuit (docs/ZKVM.md, "Proving"). Local buses balance inside one segment proof;
/// global buses use the run's global challenge and balance across all segment proofs plus the memory proof and
/// the verifier's own terms.
/// </summary>
public static class Buses
{
    /// <summary>Execution state (pc, clk, halted): every cycle's row receives its state and sends the next.</summary>
    public const int Execution = 1;
    /// <summary>Program ROM lookups (pc, code, rd, rs1, rs2, imm).</summary>
    public const int Program = 2;
    /// <summary>Offline memory checking (address, value, ro, time): accesses remove the previous version and add the new one.</summary>
    public const int Memory = 3;
    /// <summary>16-bit range checks (value).</summary>
    public const int Range16 = 4;
    /// <summary>Byte AND lookups (x, y, x AND y); also range-checks x and y as bytes.</summary>
    public const int ByteAnd = 5;
    /// <summary>Bytes moved by read/write syscalls, between syscall rows and the segment's IO table (kind, offset, byte).</summary>
    public const int Io = 6;
    /// <summary>The exit syscall's result (exit code, input consumed, journal length), received by the statement.</summary>
    public const int Halt = 7;
    /// <summary>Syscall continuation: state passed from a syscall's row to its next cycle's row.</summary>
    public const int Syscall = 8;

    /// <summary>Global memory (address, value, ro, time): segment boundary rows and the run's memory table.</summary>
    public const int GlobalMemory = 32;
    /// <summary>Global IO (kind, offset, byte): segment IO rows against the verifier's input and journal bytes.</summary>
    public const int GlobalIo = 33;
    /// <summary>Image words (address, value, ro) the memory table must initialise from the program image.</summary>
    public const int ImageWords = 34;
}
