using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace Verity.Chain.Anvil;

/// <summary>
/// A local anvil (Foundry's development chain) owned by this process: started on a free loopback port,
/// killed on dispose. Tests start one per fixture; <c>verity devnet up</c> starts a detached one instead
/// (<see cref="StartDetached"/>).
/// </summary>
public sealed partial class AnvilProcess : IAsyncDisposable
{
    /// <summary>anvil's chain id, the only one the development verifier deploys on.</summary>
    public const long DevelopmentChainId = 31337;

    /// <summary>The anvil version <c>contracts/package.json</c> pins.</summary>
    public const string PinnedVersion = "1.7.1";

    private readonly Process _process;
    private readonly StringBuilder _log;

    private AnvilProcess(Process process, StringBuilder log, int port)
    {
        _process = process;
        _log = log;
        Port = port;
    }

    public int Port { get; }
    public string RpcUrl => $"http://127.0.0.1:{Port}";
    public string Log { get { lock (_log) return _log.ToString(); } }

    /// <summary>
    /// Where the anvil binary is: <c>VERITY_ANVIL</c>, then <c>contracts/node_modules/.bin/anvil</c> in the
    /// repository above the working directory or the executable, then <c>anvil</c> on PATH; null when none.
    /// </summary>
    public static string? Locate()
    {
        var fromEnv = Environment.GetEnvironmentVariable("VERITY_ANVIL");
        if (!string.IsNullOrEmpty(fromEnv)) return File.Exists(fromEnv) ? Path.GetFullPath(fromEnv) : null;
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "contracts", "node_modules", ".bin", "anvil");
                if (File.Exists(candidate)) return candidate;
            }
        }
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            if (dir.Length == 0) continue;
            var candidate = Path.Combine(dir, "anvil");
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>Starts anvil on a free loopback port and waits until it listens.</summary>
    /// <param name="binary">the anvil executable (<see cref="Locate"/> when null).</param>
    /// <param name="chainId">another chain id than 31337 (to test what refuses to run elsewhere).</param>
    /// <param name="extraArgs">more anvil flags, e.g. <c>--no-mining</c>, <c>--state FILE</c>.</param>
    /// <param name="port">a loopback port (0: a free one), e.g. the port of an anvil stopped to be started again.</param>
    public static async Task<AnvilProcess> StartAsync(string? binary = null, long? chainId = null,
        IEnumerable<string>? extraArgs = null, CancellationToken ct = default, int port = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        binary ??= Locate() ?? throw new FileNotFoundException(
            "anvil not found: set VERITY_ANVIL, run scripts/install-chain-tools.sh, or put anvil on PATH");
        var psi = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "--host", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture) }) psi.ArgumentList.Add(a);
        if (chainId is { } id) { psi.ArgumentList.Add("--chain-id"); psi.ArgumentList.Add(id.ToString()); }
        foreach (var a in extraArgs ?? []) psi.ArgumentList.Add(a);

        var log = new StringBuilder();
        var listening = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        void OnLine(string? line)
        {
            if (line == null) return;
            lock (log) log.AppendLine(line);
            var m = ListeningLine().Match(line);
            if (m.Success) listening.TrySetResult(int.Parse(m.Groups[1].Value));
        }
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException(
            $"anvil exited before listening (exit {SafeExitCode(process)}): {Tail(log)}"));
        if (!process.Start()) throw new InvalidOperationException($"could not start {binary}");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            // A hang guard only: anvil listens within about a second.
            var listeningPort = await listening.Task.WaitAsync(TimeSpan.FromSeconds(60), ct);
            return new AnvilProcess(process, log, listeningPort);
        }
        catch
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            process.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Stops anvil the way an operator does (SIGTERM on Unix), so that <c>--state</c> / <c>--dump-state</c> writes
    /// the chain to disk before it exits; killed when it has not exited after <paramref name="grace"/> (a hang guard).
    /// </summary>
    public async Task StopAsync(TimeSpan? grace = null)
    {
        if (_process.HasExited) return;
        if (OperatingSystem.IsWindows() || SysKill(_process.Id, SigTerm) != 0)
        {
            _process.Kill(entireProcessTree: true);
        }
        try { await _process.WaitForExitAsync().WaitAsync(grace ?? TimeSpan.FromSeconds(60)); }
        catch (TimeoutException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
            throw new InvalidOperationException($"anvil did not exit within {(grace ?? TimeSpan.FromSeconds(60)).TotalSeconds} s of SIGTERM; killed");
        }
    }

    /// <summary>Whether the process has exited (stopped, or crashed).</summary>
    public bool HasExited => _process.HasExited;

    private const int SigTerm = 15;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SysKill(int pid, int signal);

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (InvalidOperationException) { }
        catch (TimeoutException) { }
        _process.Dispose();
    }

    private static string SafeExitCode(Process p)
    {
        try { return p.ExitCode.ToString(); } catch (InvalidOperationException) { return "?"; }
    }

    private static string Tail(StringBuilder log)
    {
        lock (log)
        {
            var s = log.ToString();
            return s.Length <= 2000 ? s : s[^2000..];
        }
    }

    [GeneratedRegex(@"Listening on 127\.0\.0\.1:(\d+)")]
    private static partial Regex ListeningLine();
}
