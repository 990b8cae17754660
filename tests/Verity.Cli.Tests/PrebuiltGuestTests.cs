using System.Diagnostics;
using Verity.Guests;

namespace Verity.Cli.Tests;

/// <summary>
/// The guests checked in under guest/prebuilt and embedded in the CLI (src/Verity.Guests) are exactly what
/// <c>make -C guest prebuilt</c> makes from the current sources: needs the RISC-V toolchain, skipped without it.
/// </summary>
public sealed class PrebuiltGuestTests
{
    [Fact]
    public void The_embedded_guests_are_the_checked_in_prebuilt_files()
    {
        foreach (var guest in ExampleGuests.All)
            Assert.True(guest.Elf.AsSpan().SequenceEqual(File.ReadAllBytes(InProcessCli.RepoFile(Path.Combine("guest", "prebuilt", guest.FileName)))),
                $"the embedded {guest.Name} differs from guest/prebuilt/{guest.FileName}: rebuild");
        Assert.Equal(["sha256", "loop", "fibonacci"], ExampleGuests.All.Select(g => g.Name));
        Assert.Throws<ArgumentException>(() => ExampleGuests.Get("lz"));
    }

    [ToolchainFact]
    public void The_prebuilt_guests_equal_a_fresh_make_prebuilt_from_the_sources()
    {
        string guestDir = Path.GetDirectoryName(InProcessCli.RepoFile(Path.Combine("guest", "Makefile")))!;
        string temp = Path.Combine(Path.GetTempPath(), $"verity-prebuilt-{Guid.NewGuid():N}");
        try
        {
            // Build into a temporary directory so the checked-in files are left alone.
            var psi = new ProcessStartInfo("make") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { "-C", guestDir, "-s", "prebuilt", $"BUILD={Path.Combine(temp, "build")}", $"PREBUILT={Path.Combine(temp, "prebuilt")}" })
                psi.ArgumentList.Add(a);
            using var make = Process.Start(psi)!;
            var stdout = make.StandardOutput.ReadToEndAsync();
            var stderr = make.StandardError.ReadToEndAsync();
            Assert.True(make.WaitForExit(TimeSpan.FromMinutes(5)), "make prebuilt hung");
            Assert.True(make.ExitCode == 0, $"make prebuilt failed: {stderr.Result}{stdout.Result}");
            foreach (var guest in ExampleGuests.All)
            {
                byte[] fresh = File.ReadAllBytes(Path.Combine(temp, "prebuilt", guest.FileName));
                Assert.True(fresh.AsSpan().SequenceEqual(guest.Elf),
                    $"guest/prebuilt/{guest.FileName} is not what `make -C guest prebuilt` builds from guest/examples/{guest.Name}.c: run it and commit the result");
            }
        }
        finally
        {
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        }
    }
}

/// <summary>A fact that needs the RISC-V cross toolchain (riscv64-unknown-elf-gcc, objcopy and make on PATH).</summary>
public sealed class ToolchainFactAttribute : FactAttribute
{
    public ToolchainFactAttribute()
    {
        string[] tools = ["make", "riscv64-unknown-elf-gcc", "riscv64-unknown-elf-objcopy"];
        var missing = tools.Where(t => !OnPath(t)).ToList();
        if (missing.Count > 0)
            Skip = $"the RISC-V toolchain is not installed ({string.Join(", ", missing)} not on PATH; scripts/install-test-deps.sh installs it)";
    }

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, tool)));
}
