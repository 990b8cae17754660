using System.Diagnostics;
using System.Text.RegularExpressions;
using Verity.Chain.Anvil;

namespace Verity.Market.Devnet;

/// <summary>
/// The devnet's anvil, started detached so that it outlives the CLI: its own session (setsid), output to
/// <c>anvil.log</c>, pid in <c>anvil.pid</c>, both in the devnet directory. <c>devnet down</c> finds it by that pid.
/// </summary>
public static partial class DevnetProcess
{
    public const string PidFile = "anvil.pid";
    public const string LogFile = "anvil.log";
    public const string AnvilPackage = "@foundry-rs/anvil-linux-amd64";

    /// <summary>The running devnet's pid, or null. A pid whose process is gone or is not anvil (reused) counts as none.</summary>
    public static int? RunningPid(string dir)
    {
        var file = Path.Combine(dir, PidFile);
        if (!File.Exists(file) || !int.TryParse(File.ReadAllText(file).Trim(), out int pid)) return null;
        try
        {
            using var p = Process.GetProcessById(pid);
            if (p.HasExited) return null;
            // A recycled pid belongs to some other program: /proc/<pid>/cmdline names the executable.
            var cmdline = $"/proc/{pid}/cmdline";
            if (File.Exists(cmdline) && !File.ReadAllText(cmdline).Contains("anvil", StringComparison.Ordinal)) return null;
            return pid;
        }
        catch (ArgumentException) { return null; }
        catch (InvalidOperationException) { return null; }
    }

    /// <summary>
    /// anvil from <see cref="AnvilProcess.Locate"/>, else from <c>&lt;dir&gt;/tools</c>, installing the pinned package there
    /// with npm when it is missing.
    /// </summary>
    public static async Task<string> LocateOrInstallAnvilAsync(string dir, Action<string> say, CancellationToken ct)
    {
        if (AnvilProcess.Locate() is { } found) return found;
        var tools = Path.Combine(dir, "tools");
        var local = Path.Combine(tools, "node_modules", ".bin", "anvil");
        if (File.Exists(local)) return local;
        Directory.CreateDirectory(tools);
        say($"anvil not found; installing {AnvilPackage}@{AnvilProcess.PinnedVersion} into {tools} with npm");
        var psi = new ProcessStartInfo("npm") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "install", "--prefix", tools, "--no-audit", "--no-fund", "--loglevel=error", $"{AnvilPackage}@{AnvilProcess.PinnedVersion}" })
            psi.ArgumentList.Add(a);
        Process npm;
        try { npm = Process.Start(psi) ?? throw new InvalidOperationException("npm did not start"); }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new DevnetException($"anvil not found and npm is not available to install it ({e.Message}): install Foundry's anvil, or set VERITY_ANVIL");
        }
        using (npm)
        {
            var output = npm.StandardOutput.ReadToEndAsync(ct);
            var error = npm.StandardError.ReadToEndAsync(ct);
            await npm.WaitForExitAsync(ct).ConfigureAwait(false);
            if (npm.ExitCode != 0)
                throw new DevnetException($"npm install {AnvilPackage}@{AnvilProcess.PinnedVersion} failed (exit {npm.ExitCode}): {Tail(await error + await output)}");
        }
        if (!File.Exists(local)) throw new DevnetException($"npm installed {AnvilPackage} but {local} is missing");
        return local;
    }

    /// <summary>Starts anvil detached on 127.0.0.1:<paramref name="port"/>, waits until it listens, and records its pid.</summary>
    public static async Task<int> StartDetachedAsync(string anvil, string dir, int port, CancellationToken ct)
    {
        Directory.CreateDirectory(dir);
        var log = Path.Combine(dir, LogFile);
        File.WriteAllText(log, "");
        // sh starts anvil in the background in a session of its own with its output in the log (not our pipes, or a
        // caller reading our output would wait for anvil to exit), prints its pid and exits.
        var psi = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("log=\"$1\"; shift; setsid \"$@\" >>\"$log\" 2>&1 </dev/null & echo $!");
        psi.ArgumentList.Add("verity-devnet");
        foreach (var a in new[] { log, anvil, "--host", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture) })
            psi.ArgumentList.Add(a);
        using var sh = Process.Start(psi) ?? throw new DevnetException("could not start /bin/sh to launch anvil");
        var pidText = await sh.StandardOutput.ReadToEndAsync(ct).ConfigureAwait(false);
        var shError = await sh.StandardError.ReadToEndAsync(ct).ConfigureAwait(false);
        await sh.WaitForExitAsync(ct).ConfigureAwait(false);
        if (!int.TryParse(pidText.Trim(), out int pid)) throw new DevnetException($"could not start anvil: {shError.Trim()}");
        File.WriteAllText(Path.Combine(dir, PidFile), pid.ToString(System.Globalization.CultureInfo.InvariantCulture));

        // Wait for the "Listening on" line; a hang guard only (anvil listens within about a second).
        var guard = Stopwatch.StartNew();
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            string text = ReadShared(log);
            if (ListeningLine().IsMatch(text)) return pid;
            if (!IsAlive(pid))
            {
                File.Delete(Path.Combine(dir, PidFile));
                throw new DevnetException($"anvil exited before listening on port {port}: {Tail(text)}");
            }
            if (guard.Elapsed > TimeSpan.FromSeconds(60))
            {
                Kill(pid);
                File.Delete(Path.Combine(dir, PidFile));
                throw new DevnetException($"anvil did not listen on port {port} within 60 s: {Tail(text)}");
            }
            await Task.Delay(50, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Stops the devnet's anvil (SIGKILL; its state lives in memory only) and waits for it to go; false when none ran.</summary>
    public static async Task<bool> StopAsync(string dir, CancellationToken ct)
    {
        var pid = RunningPid(dir);
        File.Delete(Path.Combine(dir, PidFile));
        if (pid is null) return false;
        Kill(pid.Value);
        var guard = Stopwatch.StartNew();
        while (IsAlive(pid.Value))
        {
            if (guard.Elapsed > TimeSpan.FromSeconds(30)) throw new DevnetException($"anvil (pid {pid}) did not exit");
            await Task.Delay(20, ct).ConfigureAwait(false);
        }
        return true;
    }

    private static void Kill(int pid)
    {
        try { using var p = Process.GetProcessById(pid); p.Kill(); }
        catch (ArgumentException) { }
        catch (InvalidOperationException) { }
    }

    private static bool IsAlive(int pid)
    {
        // A killed child of ours would linger as a zombie; anvil is not our child (setsid, sh exited), so /proc tells.
        var stat = $"/proc/{pid}/stat";
        if (File.Exists(stat))
        {
            try
            {
                var text = File.ReadAllText(stat);
                var state = text[(text.LastIndexOf(')') + 2)..].Split(' ')[0];
                return state != "Z" && state != "X";
            }
            catch (IOException) { return false; }
        }
        try { using var p = Process.GetProcessById(pid); return !p.HasExited; }
        catch (ArgumentException) { return false; }
    }

    private static string ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static string Tail(string text)
    {
        text = text.Trim();
        return text.Length <= 1500 ? text : "…" + text[^1500..];
    }

    [GeneratedRegex(@"Listening on 127\.0\.0\.1:\d+")]
    private static partial Regex ListeningLine();
}

/// <summary>The devnet could not be started, stopped or set up: the message says why.</summary>
public sealed class DevnetException(string message) : Exception(message);
