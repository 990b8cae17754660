using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Verity.Cluster.EndToEnd.Tests.Infrastructure;

/// <summary>
/// A real `dotnet verity.dll ...` process (the CLI the project reference copies next to the tests): node, agent or job
/// commands, with their output collected line by line. Settings go in as VERITY_ environment variables; the test
/// process's own VERITY_ variables are not passed on. <see cref="Kill"/> is a hard kill (SIGKILL, no clean-up).
/// </summary>
public sealed partial class VerityProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly string _name;
    private readonly Action<string> _log;

    private VerityProcess(string name, Process process, Action<string> log)
    {
        _name = name;
        _process = process;
        _log = log;
    }

    /// <summary>verity.dll next to the tests.</summary>
    public static string VerityDll { get; } = Path.Combine(AppContext.BaseDirectory, "verity.dll");

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Everything the process wrote so far (stdout and stderr, in arrival order).</summary>
    public string Output
    {
        get { lock (_lines) return string.Join('\n', _lines); }
    }

    public static VerityProcess Start(string name, IEnumerable<string> args, IReadOnlyDictionary<string, string>? settings, Action<string> log)
    {
        if (!File.Exists(VerityDll)) throw new FileNotFoundException($"verity.dll is not next to the tests ({VerityDll}); the project reference to Verity.Cli copies it", VerityDll);
        // The dotnet test host names the muxer it runs under; else the one on PATH.
        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
        var psi = new ProcessStartInfo(dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        psi.ArgumentList.Add(VerityDll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("VERITY_", StringComparison.OrdinalIgnoreCase)).ToList())
            psi.Environment.Remove(key);
        psi.Environment["NO_COLOR"] = "1";
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
            psi.Environment["VERITY_" + key.Replace(":", "__", StringComparison.Ordinal)] = value;

        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var result = new VerityProcess(name, process, log);
        process.OutputDataReceived += (_, e) => result.Add(e.Data);
        process.ErrorDataReceived += (_, e) => result.Add(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        log($"[{name}] started pid {process.Id}: verity {string.Join(' ', args)}");
        return result;
    }

    /// <summary>Runs a short command (e.g. `job status`) to its end; returns the exit code and the output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string name, IEnumerable<string> args, Action<string> log, TimeSpan? timeout = null)
    {
        await using var p = Start(name, args, null, log);
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try { await p._process.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { throw new TimeoutException($"verity {string.Join(' ', args)} did not exit; output:\n{p.Output}"); }
        return (p._process.ExitCode, p.Output);
    }

    /// <summary>Waits for an output line matching <paramref name="pattern"/>; fails if the process exits first.</summary>
    public async Task<Match> WaitForOutputAsync(Regex pattern, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            lock (_lines)
            {
                foreach (var line in _lines)
                    if (pattern.Match(line) is { Success: true } m) return m;
            }
            if (_process.HasExited)
                throw new InvalidOperationException($"{_name} exited ({_process.ExitCode}) before printing /{pattern}/; output:\n{Output}");
            if (DateTime.UtcNow >= until)
                throw new TimeoutException($"{_name} did not print /{pattern}/ within {timeout.TotalSeconds:0} s; output:\n{Output}");
            await Task.Delay(50);
        }
    }

    /// <summary>The URL a `verity node` process says it listens on.</summary>
    public async Task<Uri> ListeningUrlAsync(TimeSpan timeout) =>
        new((await WaitForOutputAsync(ListeningLine(), timeout)).Groups[1].Value);

    /// <summary>Kills the process and its children at once (no graceful stop: leases stay held until they expire).</summary>
    public void Kill()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        if (!_process.WaitForExit(TimeSpan.FromSeconds(30))) throw new TimeoutException($"{_name} (pid {_process.Id}) did not die");
        _process.WaitForExit(); // drains the redirected output
        _log($"[{_name}] killed");
    }

    public ValueTask DisposeAsync()
    {
        try { Kill(); }
        catch (InvalidOperationException) { /* never started */ }
        _process.Dispose();
        return ValueTask.CompletedTask;
    }

    private void Add(string? line)
    {
        if (line == null) return;
        lock (_lines) _lines.Add(line);
        _log($"[{_name}] {line}");
    }

    [GeneratedRegex(@"listening on (http://\S+)")]
    private static partial Regex ListeningLine();
}
