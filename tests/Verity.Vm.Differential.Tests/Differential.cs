using System.Text;

namespace Verity.Vm.Differential.Tests;

/// <summary>The outcome of one run, from either machine.</summary>
public sealed record RunOutcome(int ExitCode, byte[] Journal, string Detail);

/// <summary>Runs one ELF on qemu-riscv32 and on the Verity executor and compares the results.</summary>
public static class Differential
{
    public static readonly TimeSpan QemuTimeout = TimeSpan.FromSeconds(60);

    /// <summary>qemu-riscv32 (Linux user mode): input on stdin, journal = stdout, exit code = process exit status.</summary>
    public static RunOutcome RunQemu(string elfPath, byte[] input)
    {
        var r = ProcessRunner.Run("qemu-riscv32", [elfPath], Path.GetDirectoryName(elfPath)!, QemuTimeout, input);
        return new RunOutcome(r.ExitCode, r.StdOut, r.StdErrText);
    }

    /// <summary>The Verity executor, in preflight mode by default.</summary>
    public static (RunOutcome Outcome, ExecutionResult Result) RunVerity(string elfPath, byte[] input, ExecutionOptions? options = null)
    {
        var image = ElfLoader.Load(File.ReadAllBytes(elfPath));
        var result = Executor.Run(image, input, options ?? new ExecutionOptions { MaxCycles = 2_000_000_000 });
        return (new RunOutcome(result.ExitCode, result.Journal, Encoding.UTF8.GetString(result.Log)), result);
    }

    /// <summary>
    /// Asserts the same exit code and journal on both machines. Exit codes compare modulo 256: Linux keeps
    /// only the low 8 bits of the exit status. <paramref name="describeDifference"/> (qemu journal, verity journal)
    /// explains a journal mismatch. Returns the executor's result for further checks.
    /// </summary>
    public static ExecutionResult AssertSame(string elfPath, byte[] input, string label, ExecutionOptions? options = null,
        Func<byte[], byte[], string>? describeDifference = null)
    {
        GuestToolchain.EnsureReady();
        var qemu = RunQemu(elfPath, input);
        RunOutcome verity;
        ExecutionResult result;
        try
        {
            (verity, result) = RunVerity(elfPath, input, options);
        }
        catch (ExecutionException e)
        {
            throw new Xunit.Sdk.XunitException(
                $"{label}: the Verity executor stopped with an error but qemu exited with code {qemu.ExitCode} " +
                $"and a {qemu.Journal.Length}-byte journal.\nexecutor: {e.Message}\nqemu stderr: {qemu.Detail}\nELF: {elfPath}");
        }

        var problems = new List<string>();
        if ((verity.ExitCode & 0xff) != qemu.ExitCode)
            problems.Add($"exit code: qemu {qemu.ExitCode}, verity {verity.ExitCode}");
        if (!verity.Journal.AsSpan().SequenceEqual(qemu.Journal))
        {
            problems.Add($"journal: qemu {qemu.Journal.Length} bytes, verity {verity.Journal.Length} bytes, first difference at byte {FirstDifference(qemu.Journal, verity.Journal)}");
            if (describeDifference is not null)
                problems.Add(describeDifference(qemu.Journal, verity.Journal));
            else
                problems.Add($"qemu:   {Hex(qemu.Journal, 256)}\nverity: {Hex(verity.Journal, 256)}");
        }
        if (problems.Count > 0)
            throw new Xunit.Sdk.XunitException(
                $"{label}: qemu and the Verity executor disagree ({result.Cycles} cycles on verity)\n" +
                string.Join("\n", problems) + $"\nELF: {elfPath}\nqemu stderr: {qemu.Detail}\nverity log: {verity.Detail}");
        return result;
    }

    private static int FirstDifference(byte[] a, byte[] b)
    {
        int n = Math.Min(a.Length, b.Length);
        for (int i = 0; i < n; i++)
            if (a[i] != b[i]) return i;
        return n;
    }

    public static string Hex(byte[] bytes, int max)
        => Convert.ToHexString(bytes, 0, Math.Min(bytes.Length, max)).ToLowerInvariant() + (bytes.Length > max ? "…" : "");
}
