using Verity.Broker.Config;

namespace Verity.Broker.Tests.Config;

/// <summary>Hot reload: each test waits on the watcher's events with a hang guard, never on a sleep.</summary>
public sealed class BrokerConfigWatcherTests : IDisposable
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("verity-broker-watch-");
    private string ConfigPath => Path.Combine(_dir.FullName, "broker.toml");

    private (BrokerConfigSource Source, BrokerConfigWatcher Watcher) Start(string text)
    {
        File.WriteAllText(ConfigPath, text);
        var source = new BrokerConfigSource(BrokerConfigLoader.Load(ConfigPath).Config);
        return (source, new BrokerConfigWatcher(ConfigPath, source, debounce: TimeSpan.FromMilliseconds(50)));
    }

    /// <summary>Completes with the first reload whose configuration satisfies <paramref name="match"/>.</summary>
    private static Task<(BrokerConfig Config, IReadOnlyList<string> Changes)> ReloadedWhen(BrokerConfigWatcher w, Func<BrokerConfig, bool> match)
    {
        var done = new TaskCompletionSource<(BrokerConfig, IReadOnlyList<string>)>(TaskCreationOptions.RunContinuationsAsynchronously);
        w.Reloaded += (c, changes) => { if (match(c)) done.TrySetResult((c, changes)); };
        return done.Task.WaitAsync(HangGuard);
    }

    private static Task<IReadOnlyList<string>> Failed(BrokerConfigWatcher w)
    {
        var done = new TaskCompletionSource<IReadOnlyList<string>>(TaskCreationOptions.RunContinuationsAsynchronously);
        w.ReloadFailed += problems => done.TrySetResult(problems);
        return done.Task.WaitAsync(HangGuard);
    }

    [Fact]
    public async Task AnEditedFileReplacesTheConfiguration()
    {
        var (source, watcher) = Start("[market]\nmax_concurrent_proofs = 2\n");
        using var _ = watcher;
        var changed = new TaskCompletionSource<BrokerConfig>(TaskCreationOptions.RunContinuationsAsynchronously);
        source.Changed += c => changed.TrySetResult(c);
        var reloaded = ReloadedWhen(watcher, c => c.Market.MaxConcurrentProofs == 0);

        File.WriteAllText(ConfigPath, "[market]\nmax_concurrent_proofs = 0\nmcycle_price = \"2 gwei\"\n");

        var (config, changes) = await reloaded;
        Assert.Same(config, source.Current);
        Assert.Same(config, await changed.Task.WaitAsync(HangGuard));
        Assert.Contains("[market] max_concurrent_proofs: 2 → 0", changes);
        Assert.Contains("[market] mcycle_price: 10000000000000 → 2000000000", changes);
    }

    [Fact]
    public async Task ABadEditKeepsTheOldConfiguration()
    {
        var (source, watcher) = Start("[market]\nmax_concurrent_proofs = 2\n");
        using var _ = watcher;
        var before = source.Current;
        var failed = Failed(watcher);

        File.WriteAllText(ConfigPath, "[market]\nmax_concurrent_proofs = -1\n");

        var problems = await failed;
        Assert.StartsWith("broker.toml:2: [market] max_concurrent_proofs: must be ≥ 0", Assert.Single(problems));
        Assert.Same(before, source.Current);

        // Fixing the file applies it.
        var reloaded = ReloadedWhen(watcher, c => c.Market.MaxConcurrentProofs == 5);
        File.WriteAllText(ConfigPath, "[market]\nmax_concurrent_proofs = 5\n");
        await reloaded;
        Assert.Equal(5, source.Current.Market.MaxConcurrentProofs);
    }

    [Fact]
    public async Task AFileReplacedByRenameIsSeen()
    {
        var (source, watcher) = Start("[batcher]\nmax_batch_size = 10\n");
        using var _ = watcher;
        var reloaded = ReloadedWhen(watcher, c => c.Batcher.MaxBatchSize == 20);

        // What editors do: write a new file beside the old one, then rename it over.
        var temp = Path.Combine(_dir.FullName, ".broker.toml.swp");
        File.WriteAllText(temp, "[batcher]\nmax_batch_size = 20\n");
        File.Move(temp, ConfigPath, overwrite: true);

        await reloaded;
        Assert.Equal(20, source.Current.Batcher.MaxBatchSize);
    }

    [Fact]
    public void ReloadNowReadsTheFileAtOnce()
    {
        var (source, watcher) = Start("[prover]\nsegment_po2 = 18\n");
        watcher.Dispose(); // no file events: only ReloadNow reads
        var reloads = new List<IReadOnlyList<string>>();
        var failures = new List<IReadOnlyList<string>>();
        watcher.Reloaded += (_, changes) => reloads.Add(changes);
        watcher.ReloadFailed += failures.Add;
        var before = source.Current;

        Assert.True(watcher.ReloadNow());
        Assert.Empty(Assert.Single(reloads)); // nothing changed: the source keeps its object
        Assert.Same(before, source.Current);

        File.WriteAllText(ConfigPath, "[prover]\nsegment_po2 = 19\n");
        Assert.True(watcher.ReloadNow());
        Assert.Equal(["[prover] segment_po2: 18 → 19"], reloads[1]);
        Assert.Equal(19, source.Current.Prover.SegmentPo2);

        File.Delete(ConfigPath);
        Assert.False(watcher.ReloadNow());
        Assert.Contains("no such file", Assert.Single(Assert.Single(failures)));
        Assert.Equal(19, source.Current.Prover.SegmentPo2);
    }

    public void Dispose()
    {
        try { _dir.Delete(recursive: true); }
        catch (IOException) { }
    }
}
