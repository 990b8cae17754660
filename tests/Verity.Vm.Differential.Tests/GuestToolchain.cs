using System.Diagnostics;
using System.Text;

namespace Verity.Vm.Differential.Tests;

/// <summary>
/// The outside tools the differential tests need: the RISC-V cross toolchain, picolibc, make and qemu-riscv32
/// (installed by scripts/install-test-deps.sh when missing), and the example guests (built by make -C guest).
/// Prepared once per process, lazily, the first time a test attribute or a test asks.
/// </summary>
public static class GuestToolchain
{
    private static readonly Lazy<State> Prepared = new(Prepare, LazyThreadSafetyMode.ExecutionAndPublication);

    private sealed record State(string? SkipReason, string? Failure);

    /// <summary>The repository root (the folder holding guest/Makefile and scripts/install-test-deps.sh).</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string GuestDir => Path.Combine(RepoRoot, "guest");
    public static string LinkerScript => Path.Combine(GuestDir, "link.ld");

    public static string GuestElf(string name) => Path.Combine(GuestDir, "build", name + ".elf");

    /// <summary>
    /// Why the tests are skipped, or null when they run. Only a failed installation outside CI skips; in CI
    /// (CI or VERITY_REQUIRE_QEMU set) a failed installation makes every test fail instead.
    /// </summary>
    public static string? SkipReason => Prepared.Value.SkipReason;

    /// <summary>Throws with the reason when the tools or the guests are not usable (called at the start of each test).</summary>
    public static void EnsureReady()
    {
        var s = Prepared.Value;
        if (s.Failure is not null) throw new InvalidOperationException(s.Failure);
        if (s.SkipReason is not null) throw new InvalidOperationException(s.SkipReason);
    }

    private static bool RequireTools()
    {
        static bool Set(string name)
        {
            var v = Environment.GetEnvironmentVariable(name);
            return !string.IsNullOrEmpty(v) && !v.Equals("false", StringComparison.OrdinalIgnoreCase) && v != "0";
        }
        return Set("CI") || Set("VERITY_REQUIRE_QEMU") || Set("GITHUB_ACTIONS");
    }

    private static State Prepare()
    {
        var script = Path.Combine(RepoRoot, "scripts", "install-test-deps.sh");
        var install = ProcessRunner.Run("bash", [script], RepoRoot, TimeSpan.FromMinutes(10));
        if (install.ExitCode != 0)
        {
            var msg = $"scripts/install-test-deps.sh failed (exit {install.ExitCode}), so the RISC-V toolchain or qemu-riscv32 " +
                      $"is missing and the differential tests cannot run:\n{install.StdErrText}{install.StdOutText}";
            return RequireTools() ? new State(null, msg) : new State(msg, null);
        }
        var make = ProcessRunner.Run("make", ["-C", GuestDir, "-s", "-j2"], RepoRoot, TimeSpan.FromMinutes(5));
        if (make.ExitCode != 0)
            return new State(null, $"make -C guest failed (exit {make.ExitCode}):\n{make.StdErrText}{make.StdOutText}");
        return new State(null, null);
    }

    /// <summary>Assembles and links a standalone .S program (its own _start) with guest/link.ld.</summary>
    public static void AssembleProgram(string sourcePath, string elfPath)
    {
        var r = ProcessRunner.Run("riscv64-unknown-elf-gcc",
            ["-march=rv32im", "-mabi=ilp32", "-nostdlib", "-nostartfiles", "-static", "-T", LinkerScript,
             "-o", elfPath, sourcePath],
            Path.GetDirectoryName(sourcePath)!, TimeSpan.FromMinutes(1));
        if (r.ExitCode != 0)
            throw new InvalidOperationException($"assembling {sourcePath} failed (exit {r.ExitCode}):\n{r.StdErrText}{r.StdOutText}");
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "guest", "Makefile")) &&
                File.Exists(Path.Combine(dir.FullName, "scripts", "install-test-deps.sh")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"cannot find the repository root (guest/Makefile) above {AppContext.BaseDirectory}");
    }
}

/// <summary>A fact that is skipped (with the reason) only when the toolchain could not be installed outside CI.</summary>
public sealed class QemuFactAttribute : FactAttribute
{
    public QemuFactAttribute()
    {
        if (GuestToolchain.SkipReason is { } reason) Skip = reason;
    }
}

/// <summary>A theory that is skipped (with the reason) only when the toolchain could not be installed outside CI.</summary>
public sealed class QemuTheoryAttribute : TheoryAttribute
{
    public QemuTheoryAttribute()
    {
        if (GuestToolchain.SkipReason is { } reason) Skip = reason;
    }
}

public sealed record ProcessResult(int ExitCode, byte[] StdOut, byte[] StdErr)
{
    public string StdOutText => Encoding.UTF8.GetString(StdOut);
    public string StdErrText => Encoding.UTF8.GetString(StdErr);
}

public static class ProcessRunner
{
    /// <summary>Runs a program with the given stdin bytes, capturing stdout and stderr as bytes.</summary>
    public static ProcessResult Run(string file, IEnumerable<string> args, string workingDirectory, TimeSpan timeout, byte[]? stdin = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["DEBIAN_FRONTEND"] = "noninteractive";

        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
        var stdout = new MemoryStream();
        var stderr = new MemoryStream();
        var outTask = p.StandardOutput.BaseStream.CopyToAsync(stdout);
        var errTask = p.StandardError.BaseStream.CopyToAsync(stderr);
        var inTask = Task.Run(() =>
        {
            try
            {
                if (stdin is { Length: > 0 }) p.StandardInput.BaseStream.Write(stdin);
            }
            catch (IOException)
            {
                // The program exited without reading all of its input; that is its business.
            }
            finally
            {
                try { p.StandardInput.Close(); } catch (IOException) { }
            }
        });
        if (!p.WaitForExit(timeout))
        {
            try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish within {timeout}");
        }
        p.WaitForExit();
        Task.WaitAll(outTask, errTask, inTask);
        return new ProcessResult(p.ExitCode, stdout.ToArray(), stderr.ToArray());
    }
}
