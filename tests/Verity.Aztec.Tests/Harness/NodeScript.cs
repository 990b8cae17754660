using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

namespace Verity.Aztec.Tests.Harness;

/// <summary>
/// One `node` process running a harness script, its stdout and stderr collected line by line (for the failure
/// message) and offered to a callback; killed with its children when disposed.
/// </summary>
internal sealed class NodeScript : IAsyncDisposable
{
    /// <summary>How long any harness run may take before the test calls it hung.</summary>
    public static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(240);

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly Task _stdout;
    private readonly Task _stderr;

    private NodeScript(Process process, Func<string, Task>? onStdoutLine)
    {
        _process = process;
        _stdout = PumpAsync(process.StandardOutput, "", onStdoutLine);
        _stderr = PumpAsync(process.StandardError, "[stderr] ", null);
    }

    public string Output => string.Join('\n', _output);

    public static NodeScript Start(string script, IEnumerable<string> args, Func<string, Task>? onStdoutLine = null)
    {
        var info = new ProcessStartInfo("node")
        {
            WorkingDirectory = AztecTools.Directory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(AztecTools.Script(script));
        foreach (string a in args) info.ArgumentList.Add(a);
        info.Environment["LOG_LEVEL"] = Environment.GetEnvironmentVariable("VERITY_AZTEC_LOG_LEVEL") ?? "warn";
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start node");
        return new NodeScript(process, onStdoutLine);
    }

    /// <summary>Writes a line to the script's stdin.</summary>
    public async Task WriteLineAsync(string line)
    {
        await _process.StandardInput.WriteLineAsync(line);
        await _process.StandardInput.FlushAsync();
    }

    /// <summary>Waits for the script to exit under the hang guard; returns its exit code.</summary>
    public async Task<int> WaitAsync(TimeSpan? guard = null)
    {
        using var cts = new CancellationTokenSource(guard ?? HangGuard);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"hang guard: node {_process.StartInfo.ArgumentList[0]} still running after {guard ?? HangGuard}\n{Output}");
        }
        await Task.WhenAll(_stdout, _stderr);
        return _process.ExitCode;
    }

    private async Task PumpAsync(StreamReader reader, string prefix, Func<string, Task>? onLine)
    {
        string? line;
        while ((line = await reader.ReadLineAsync()) != null)
        {
            _output.Enqueue(prefix + line);
            if (onLine != null) await onLine(line);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            try { _process.Kill(entireProcessTree: true); }
            catch (InvalidOperationException) { }
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
