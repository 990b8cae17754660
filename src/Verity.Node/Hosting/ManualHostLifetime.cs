
namespace Verity.Node.Hosting;

/// <summary>
/// Replaces the console lifetime: the node is stopped by its owner (<see cref="RunningNode.StopAsync"/> or the token
/// given to <see cref="RunningNode.WaitForShutdownAsync"/>), which stops the agents before Kestrel. Signals are the
/// caller's to handle, and several nodes can live in one process (tests).
/// </summary>
internal sealed class ManualHostLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
