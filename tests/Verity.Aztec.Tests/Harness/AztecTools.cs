namespace Verity.Aztec.Tests.Harness;

/// <summary>
/// Where Aztec's own code and the JavaScript harness live: VERITY_AZTEC_TOOLS (test.sh sets it), else the repository's
/// tools/aztec found above the test binaries. Missing tools fail the tests, never skip them.
/// </summary>
internal static class AztecTools
{
    public const string Variable = "VERITY_AZTEC_TOOLS";

    public static string Directory { get; } = Locate();

    public static string Script(string name) => Path.Combine(Directory, "harness", name);

    private static string Locate()
    {
        string? dir = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrWhiteSpace(dir))
        {
            for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
            {
                string candidate = Path.Combine(d.FullName, "tools", "aztec");
                if (File.Exists(Path.Combine(candidate, "package.json"))) { dir = candidate; break; }
            }
        }
        if (dir == null || !File.Exists(Path.Combine(dir, "harness", "harness.mjs")))
            throw new InvalidOperationException($"tools/aztec not found: set {Variable} or run ./test.sh");
        if (!File.Exists(Path.Combine(dir, "node_modules", "@aztec", "prover-client", "package.json")))
            throw new InvalidOperationException($"Aztec's packages are not installed in {dir}: run scripts/install-aztec-tools.sh");
        return dir;
    }
}
