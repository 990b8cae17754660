using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Verity.Cli.Commands.Soak;

/// <summary>
/// A `verity node` or `verity agent` child process of the soak: this build's verity.dll run by the dotnet host, with
/// the given VERITY_ settings (the soak's own VERITY_ variables are not passed on), stdout and stderr appended to a log
/// file. <see cref="KillHard"/> is kill -9 of the process tree: no graceful stop, leases stay held.
/// </summary>
internal sealed partial class VerityChild : IDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly object _gate = new();
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _killedByUs;

    private VerityChild(string name, Process process, StreamWriter log)
    {
        Name = name;
        _process = process;
        _log = log;
    }

    public string Name { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>True when the process ended without the soak killing it (a crash, or an exit on an error).</summary>
    public bool ExitedOnItsOwn => !_killedByUs && _process.HasExited;

    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    /// <summary>verity.dll of this build (the entry assembly when run as `verity`; next to the soak's code in tests).</summary>
    public static string VerityDll => typeof(VerityChild).Assembly.Location;

    public static VerityChild Start(string name, IReadOnlyList<string> args, IReadOnlyDictionary<string, string> settings, string logFile)
    {
        if (!File.Exists(VerityDll)) throw new CliFailureException($"cannot start a child verity: '{VerityDll}' does not exist");
        var psi = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(VerityDll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("VERITY_", StringComparison.OrdinalIgnoreCase)).ToList())
            psi.Environment.Remove(key);
        psi.Environment["NO_COLOR"] = "1";
        // Several nodes and agents share the machine with the soak: workstation GC keeps each one's memory small.
        psi.Environment["DOTNET_gcServer"] = "0";
        foreach (var (key, value) in settings) psi.Environment["VERITY_" + key.Replace(":", "__", StringComparison.Ordinal)] = value;

        var log = new StreamWriter(new FileStream(logFile, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var child = new VerityChild(name, process, log);
        process.OutputDataReceived += (_, e) => child.Line(e.Data);
        process.ErrorDataReceived += (_, e) => child.Line(e.Data);
        child.Write($"--- soak: starting verity {string.Join(' ', args)}");
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.Exited += (_, _) =>
        {
            child.Write($"--- soak: {name} (pid {process.Id}) exited with code {process.ExitCode}{(child._killedByUs ? " (killed by the soak)" : "")}");
            child._listening.TrySetException(new CliFailureException($"{name} exited ({process.ExitCode}) before it listened; see {logFile}"));
        };
        return child;
    }

    /// <summary>The URL a node says it listens on (its "listening on URL" line).</summary>
    public async Task<Uri> ListeningAsync(TimeSpan timeout, CancellationToken ct)
    {
        var done = await Task.WhenAny(_listening.Task, Task.Delay(timeout, ct)).ConfigureAwait(false);
        ct.ThrowIfCancellationRequested();
        if (done != _listening.Task) throw new CliFailureException($"{Name} did not say it listens within {timeout.TotalSeconds:0} s");
        return await _listening.Task.ConfigureAwait(false);
    }

    /// <summary>kill -9 of the process and its children; returns once it is gone.</summary>
    public void KillHard()
    {
        _killedByUs = true;
        if (_process.HasExited) return;
        try { _process.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { return; } // exited meanwhile
        if (!_process.WaitForExit(TimeSpan.FromSeconds(30))) throw new CliFailureException($"{Name} (pid {_process.Id}) did not die after SIGKILL");
        _process.WaitForExit(); // drains the redirected output
    }

    public void Dispose()
    {
        try { KillHard(); }
        catch (InvalidOperationException) { }
        _process.Dispose();
        lock (_gate) _log.Dispose();
    }

    private void Line(string? line)
    {
        if (line == null) return;
        if (!_listening.Task.IsCompleted && ListeningLine().Match(line) is { Success: true } m) _listening.TrySetResult(new Uri(m.Groups[1].Value));
        Write(line);
    }

    private void Write(string line)
    {
        lock (_gate)
        {
            try { _log.WriteLine(line); }
            catch (ObjectDisposedException) { }
        }
    }

    /// <summary>The dotnet host: this process when it is one (`dotnet verity.dll`, the test host's), else the one on PATH.</summary>
    private static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)) return host;
        string? self = Environment.ProcessPath;
        if (self != null && Path.GetFileNameWithoutExtension(self).Equals("dotnet", StringComparison.OrdinalIgnoreCase)) return self;
        return "dotnet";
    }

    [GeneratedRegex(@"listening on (http://\S+)")]
    private static partial Regex ListeningLine();
}
