using System.ComponentModel;
using System.Diagnostics;

namespace Verity.Cli.Commands.Aztec;

/// <summary>
/// Where `verity bench aztec` finds Aztec's own code and the JavaScript harness (tools/aztec: harness/*.mjs and the
/// node_modules that scripts/install-aztec-tools.sh installs), and the `node` that runs them.
/// </summary>
internal static class AztecBenchTools
{
    /// <summary>The variable the Aztec tests read too: the tools folder when --tools is not given.</summary>
    public const string Variable = "VERITY_AZTEC_TOOLS";

    private const string InstallHint = "run scripts/install-aztec-tools.sh in the repository";

    /// <summary>
    /// The tools folder: <paramref name="given"/>, else $VERITY_AZTEC_TOOLS, else tools/aztec in the current directory or
    /// above it, or above this program. Fails with what to do when it or Aztec's packages are missing.
    /// </summary>
    public static string Locate(string? given)
    {
        string? dir = !string.IsNullOrWhiteSpace(given) ? given : Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrWhiteSpace(dir))
        {
            dir = FindAbove(Environment.CurrentDirectory) ?? FindAbove(AppContext.BaseDirectory)
                ?? throw new CliException($"the Aztec tools folder (tools/aztec) was not found above {Environment.CurrentDirectory}: give --tools DIR or set {Variable}, and {InstallHint}.");
        }
        dir = Path.GetFullPath(dir);
        if (!File.Exists(Path.Combine(dir, "harness", "bench.mjs")))
            throw new CliException($"{dir} is not the Aztec tools folder (no harness/bench.mjs): give the repository's tools/aztec.");
        if (!File.Exists(Path.Combine(dir, "node_modules", "@aztec", "prover-client", "package.json")))
            throw new CliException($"Aztec's packages are not installed in {dir}: {InstallHint}.");
        return dir;
    }

    /// <summary>Checks that `node` runs; returns its version.</summary>
    public static string NodeVersion()
    {
        var info = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("--version");
        try
        {
            using var process = Process.Start(info) ?? throw new CliFailureException("could not start node");
            string version = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            if (process.ExitCode != 0) throw new CliFailureException($"`node --version` exited with {process.ExitCode}");
            return version;
        }
        catch (Win32Exception e)
        {
            throw new CliFailureException($"node (Node.js 20 or newer) is needed to run Aztec's agents and broker, and was not found on PATH: {e.Message}. scripts/install-test-deps.sh installs it.");
        }
    }

    private static string? FindAbove(string start)
    {
        for (var d = new DirectoryInfo(start); d != null; d = d.Parent)
        {
            string candidate = Path.Combine(d.FullName, "tools", "aztec");
            if (File.Exists(Path.Combine(candidate, "harness", "bench.mjs"))) return candidate;
        }
        return null;
    }
}
