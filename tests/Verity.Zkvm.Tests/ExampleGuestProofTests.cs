using System.Security.Cryptography;
using System.Text;
using Verity.Vm;
using static Verity.Zkvm.Tests.ZkvmTestKit;

namespace Verity.Zkvm.Tests;

/// <summary>Every example guest (built by `make -C guest`) proves and verifies, in one segment and in many.</summary>
public class ExampleGuestProofTests
{
    public static TheoryData<string, string, int> Cases => new()
    {
        { "fibonacci", "0a000000", 9 },
        { "fibonacci", "0a000000", 5 },
        { "sha256", Convert.ToHexString(Encoding.ASCII.GetBytes("abc")), 14 },
        { "sha256", Convert.ToHexString(Encoding.ASCII.GetBytes("Verity proves RV32IM programs, segment by segment.")), 11 },
        { "loop", "20000000", 12 },
        { "loop", "20000000", 8 },
        { "lz", Convert.ToHexString(Encoding.ASCII.GetBytes("abracadabra abracadabra abracadabra")), 18 },
        { "lz", Convert.ToHexString(Encoding.ASCII.GetBytes("abracadabra abracadabra abracadabra")), 15 },
    };

    [GuestTheory]
    [MemberData(nameof(Cases))]
    public void ExampleGuestProvesAndVerifies(string guest, string inputHex, int po2)
    {
        var image = ElfLoader.Load(File.ReadAllBytes(GuestFiles.Elf(guest)));
        var input = Convert.FromHexString(inputHex);
        var expected = Executor.Run(image, input, new ExecutionOptions { SegmentPo2 = po2 });
        var receipt = Prove(image, input, po2);
        Assert.Equal(expected.Segments.Count, receipt.Segments.Length);
        var v = Verify(receipt, image);
        Assert.True(v.IsValid, v.Error);
        Assert.Equal(expected.Journal, v.Claim!.Journal);
        Assert.Equal((uint)expected.ExitCode, v.Claim.ExitCode);
        if (guest == "sha256") Assert.Equal(SHA256.HashData(input), v.Claim.Journal);
    }
}

public class PrebuiltGuestTests
{
    /// <summary>The demo guest checked in under guest/prebuilt (embedded in the CLI) is the current source's build.</summary>
    [GuestTheory]
    [InlineData("sha256")]
    public void PrebuiltDemoGuestMatchesAFreshBuild(string name)
    {
        var prebuilt = ElfLoader.Load(File.ReadAllBytes(Path.Combine(GuestFiles.RepoRoot, "guest", "prebuilt", name + ".elf")));
        var fresh = ElfLoader.Load(File.ReadAllBytes(GuestFiles.Elf(name)));
        Assert.Equal(fresh.ImageId, prebuilt.ImageId);
    }
}

/// <summary>Locates the example guests; they are built by test.sh (make -C guest).</summary>
internal static class GuestFiles
{
    public static string RepoRoot { get; } = Find();

    public static string Elf(string name) => Path.Combine(RepoRoot, "guest", "build", name + ".elf");

    public static string? SkipReason =>
        File.Exists(Elf("loop")) ? null
        : Environment.GetEnvironmentVariable("VERITY_REQUIRE_QEMU") == "1"
            ? null // required: let the test fail on the missing file
            : "example guests are not built (run `make -C guest`, or ./test.sh)";

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "guest", "Makefile"))) return dir.FullName;
        return AppContext.BaseDirectory;
    }
}

/// <summary>A theory skipped (with the reason) only when the example guests are not built outside CI.</summary>
public sealed class GuestTheoryAttribute : TheoryAttribute
{
    public GuestTheoryAttribute()
    {
        if (GuestFiles.SkipReason is { } reason) Skip = reason;
    }
}
