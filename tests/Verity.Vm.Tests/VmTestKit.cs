using static Verity.Vm.Tests.Rv32Assembler;

namespace Verity.Vm.Tests;

internal static class VmTestKit
{
    /// <summary>Runs <paramref name="body"/> followed by exit(0) and returns the final registers.</summary>
    public static uint[] Regs(Action<Rv32Assembler> body, byte[]? input = null, ExecutionOptions? options = null)
    {
        var asm = new Rv32Assembler();
        body(asm);
        asm.Exit(0);
        ExecutionResult r = Executor.Run(ElfBuilder.Program(asm), input ?? [], options);
        Assert.Equal(0, r.ExitCode);
        return r.Segments[^1].EndRegisters;
    }

    public static ExecutionResult Run(Action<Rv32Assembler> body, byte[]? input = null, ExecutionOptions? options = null, byte[]? data = null)
    {
        var asm = new Rv32Assembler();
        body(asm);
        return Executor.Run(ElfBuilder.Program(asm, data), input ?? [], options);
    }

    /// <summary>x[T2] = op(a, b) for a register-register instruction.</summary>
    public static uint RR(string op, uint a, uint b) =>
        Regs(s => s.Li(T0, a).Li(T1, b).Op(op, T2, T0, T1))[T2];

    public static ExecutionException Fails(Action<Rv32Assembler> body, byte[]? input = null, ExecutionOptions? options = null) =>
        Assert.Throws<ExecutionException>(() => Run(body, input, options));
}
