
namespace Verity.Node.Hosting;

/// <summary>A long-running loop (broker maintenance, embedded agents) that the node starts and stops in a fixed order.</summary>
internal sealed class BackgroundLoop
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _task;
    private readonly string _name;
    private readonly ILogger _log;

    public BackgroundLoop(string name, Func<CancellationToken, Task> body, ILogger log)
    {
        _name = name;
        _log = log;
        _task = Task.Run(() => body(_stop.Token), CancellationToken.None);
    }

    /// <summary>Cancels the loop and waits for it to finish (embedded agents hand back their tasks meanwhile).</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try { await _task.ConfigureAwait(false); }
        catch (OperationCanceledException) { }
        catch (Exception e) { _log.LogError(e, "{Loop} ended with an error", _name); }
        _stop.Dispose();
    }
}
