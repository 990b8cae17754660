using Verity.Node.Configuration;
using Verity.Node.Hosting;

namespace Verity.Cli.Commands;

/// <summary>
/// A throwaway node inside this process (for <c>verity bench -c</c> without --node, and the README's first job):
/// SQLite and filesystem blobs in a fresh temporary data directory, embedded agents, listening on 127.0.0.1 on a free
/// port. Disposing it stops the node gracefully and deletes the directory.
/// </summary>
internal sealed class EmbeddedNode : IAsyncDisposable
{
    private readonly RunningNode _node;
    private readonly string _dataDir;

    private EmbeddedNode(RunningNode node, string dataDir)
    {
        _node = node;
        _dataDir = dataDir;
    }

    public Uri BaseAddress => _node.BaseAddress;
    public string ApiKey => _node.ApiKey;

    /// <param name="agents">Embedded agents (each runs one task at a time over the in-process broker connection).</param>
    /// <param name="log">Where the node's log lines go (null: nowhere).</param>
    public static async Task<EmbeddedNode> StartTemporaryAsync(int agents, Action<string>? log, CancellationToken ct)
    {
        if (agents < 0) throw new CliException($"an embedded node needs 0 or more agents, got {agents}.");
        string dir = Path.Combine(Path.GetTempPath(), $"verity-node-{Guid.NewGuid():N}");
        try
        {
            var options = new NodeOptions
            {
                DataDir = dir,
                Db = "sqlite",
                Blobs = "fs",
                Agents = agents,
                Listen = "http://127.0.0.1:0",
            };
            var node = await NodeHost.StartAsync(options, DefaultComponents.Create(), log, ct).ConfigureAwait(false);
            return new EmbeddedNode(node, dir);
        }
        catch
        {
            DeleteDirectory(dir);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _node.StopAsync().ConfigureAwait(false);
            await _node.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            DeleteDirectory(_dataDir);
        }
    }

    private static void DeleteDirectory(string dir)
    {
        try
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
        catch (IOException e) { Console.Error.WriteLine($"warning: could not delete the embedded node's data in {dir}: {e.Message}"); }
        catch (UnauthorizedAccessException e) { Console.Error.WriteLine($"warning: could not delete the embedded node's data in {dir}: {e.Message}"); }
    }
}
