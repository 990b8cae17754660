namespace Verity.Cluster.Tests.Runners;

/// <summary>Locates the example guests (built by <c>make -C guest</c>, which test.sh runs).</summary>
internal static class TestGuests
{
    public static string RepoRoot { get; } = Find();

    public static string ElfPath(string name) => Path.Combine(RepoRoot, "guest", "build", name + ".elf");

    public static byte[] Elf(string name) => File.ReadAllBytes(ElfPath(name));

    /// <summary>Why guest tests are skipped: only when the guests are not built and the run does not require them.</summary>
    public static string? SkipReason =>
        File.Exists(ElfPath("loop")) ? null
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

/// <summary>A fact skipped (with the reason) only when the example guests are not built outside CI.</summary>
public sealed class GuestFactAttribute : FactAttribute
{
    public GuestFactAttribute()
    {
        if (TestGuests.SkipReason is { } reason) Skip = reason;
    }
}
