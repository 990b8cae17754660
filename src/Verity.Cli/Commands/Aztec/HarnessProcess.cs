using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;

namespace Verity.Cli.Commands.Aztec;

/// <summary>
/// One `node` process running a script of tools/aztec/harness: its stdout lines offered to a callback and, with
/// stderr, kept for the error message; its CPU time readable while it runs; stopped by closing its stdin (the harness
/// scripts' way to stop), then killed with its children if it lingers.
/// </summary>
internal sealed class HarnessProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly Task _pumps;

    private HarnessProcess(Process process, Action<string>? onStdoutLine)
    {
        _process = process;
        _pumps = Task.WhenAll(PumpAsync(process.StandardOutput, "", onStdoutLine), PumpAsync(process.StandardError, "[stderr] ", null));
    }

    public string Script => _process.StartInfo.ArgumentList[0];

    /// <summary>What the script printed so far (the last 40 lines), for error messages.</summary>
    public string Output => string.Join('\n', _output.TakeLast(40));

    public static HarnessProcess Start(string toolsDir, string script, IEnumerable<string> args, Action<string>? onStdoutLine = null)
    {
        var info = new ProcessStartInfo("node")
        {
            WorkingDirectory = toolsDir,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(toolsDir, "harness", script));
        foreach (string a in args) info.ArgumentList.Add(a);
        info.Environment["LOG_LEVEL"] = "error";
        try
        {
            var process = Process.Start(info) ?? throw new CliFailureException($"could not start node {script}");
            return new HarnessProcess(process, onStdoutLine);
        }
        catch (Win32Exception e)
        {
            throw new CliFailureException($"could not start node for {script}: {e.Message}");
        }
    }

    /// <summary>User plus system CPU time of the process so far (all its threads); it must still be running.</summary>
    public TimeSpan CpuTime()
    {
        _process.Refresh();
        return _process.TotalProcessorTime;
    }

    /// <summary>Waits for the script to exit, at most <paramref name="guard"/>; returns its exit code.</summary>
    public async Task<int> WaitAsync(TimeSpan guard, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(guard);
        try
        {
            await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new CliFailureException($"node {Path.GetFileName(Script)} still running after {guard.TotalSeconds:F0} s\n{Output}");
        }
        await _pumps.ConfigureAwait(false);
        return _process.ExitCode;
    }

    private async Task PumpAsync(StreamReader reader, string prefix, Action<string>? onLine)
    {
        string? line;
        while ((line = await reader.ReadLineAsync().ConfigureAwait(false)) != null)
        {
            _output.Enqueue(prefix + line);
            while (_output.Count > 200) _output.TryDequeue(out _);
            onLine?.Invoke(line);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            try { _process.StandardInput.Close(); }
            catch (IOException) { }
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try { await _process.WaitForExitAsync(grace.Token).ConfigureAwait(false); }
            catch (OperationCanceledException)
            {
                try { _process.Kill(entireProcessTree: true); }
                catch (InvalidOperationException) { }
                await _process.WaitForExitAsync().ConfigureAwait(false);
            }
        }
        _process.Dispose();
    }
}
