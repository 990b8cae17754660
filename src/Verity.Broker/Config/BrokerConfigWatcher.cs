using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Verity.Broker.Config;

/// <summary>
/// Hot reload of broker.toml (docs/BROKER.md §5): watches the file's directory (so an editor that writes a new file and
/// renames it over the old one is seen too), waits until the events stop for <c>debounce</c>, re-reads the file and, when
/// it is valid, replaces the whole configuration in the <see cref="BrokerConfigSource"/> and logs each changed key. An
/// invalid file is logged with all its problems and the configuration in force stays.
/// </summary>
public sealed class BrokerConfigWatcher : IDisposable
{
    private readonly BrokerConfigSource _source;
    private readonly ILogger _logger;
    private readonly TimeSpan _debounce;
    private readonly FileSystemWatcher _watcher;
    private readonly Timer _timer;
    private readonly Lock _reloadLock = new();
    private volatile bool _disposed;

    /// <param name="path">The broker.toml the source was loaded from.</param>
    /// <param name="source">The configuration in force; replaced on each valid change.</param>
    /// <param name="logger">Where changes and problems are logged.</param>
    /// <param name="debounce">Quiet time after the last file event before the file is read (default 250 ms).</param>
    public BrokerConfigWatcher(string path, BrokerConfigSource source, ILogger? logger = null, TimeSpan? debounce = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(source);
        Path = System.IO.Path.GetFullPath(path);
        _source = source;
        _logger = logger ?? NullLogger.Instance;
        _debounce = debounce ?? TimeSpan.FromMilliseconds(250);
        if (_debounce < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(debounce), _debounce, "the debounce must not be negative");
        string directory = System.IO.Path.GetDirectoryName(Path)!;
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"cannot watch {Path}: its directory does not exist");
        _timer = new Timer(_ => OnQuiet(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _watcher = new FileSystemWatcher(directory)
        {
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime,
            IncludeSubdirectories = false,
        };
        _watcher.Changed += OnEvent;
        _watcher.Created += OnEvent;
        _watcher.Renamed += OnEvent;
        _watcher.Error += (_, e) =>
        {
            // Events were lost (buffer overflow): read the file anyway.
            _logger.LogWarning("watching {File} lost events ({Error}); reading it again", Path, e.GetException().Message);
            Schedule();
        };
        _watcher.EnableRaisingEvents = true;
    }

    /// <summary>The watched file (full path).</summary>
    public string Path { get; }

    /// <summary>After a valid read: the new configuration and the changed keys (empty when nothing changed; then the
    /// source is left as it was). Raised on the reloading thread.</summary>
    public event Action<BrokerConfig, IReadOnlyList<string>>? Reloaded;

    /// <summary>After a read that failed (missing file, syntax, bad values): every problem. The old configuration stays.</summary>
    public event Action<IReadOnlyList<string>>? ReloadFailed;

    /// <summary>Reads the file now (what a file event does after the debounce). True when it was valid.</summary>
    public bool ReloadNow()
    {
        lock (_reloadLock)
        {
            BrokerConfig config;
            IReadOnlyList<string> warnings;
            try
            {
                (config, warnings) = BrokerConfigLoader.Load(Path);
            }
            catch (BrokerConfigException e)
            {
                _logger.LogError("{File} was not reloaded; the configuration in force stays: {Problems}", Path, string.Join("; ", e.Problems));
                ReloadFailed?.Invoke(e.Problems);
                return false;
            }
            foreach (var w in warnings) _logger.LogWarning("{Warning}", w);
            var changes = BrokerConfigDiff.Changes(_source.Current, config);
            if (changes.Count > 0)
            {
                _source.Set(config);
                foreach (var change in changes) _logger.LogInformation("{File} reloaded: {Change}", Path, change);
            }
            else
            {
                _logger.LogDebug("{File} re-read: nothing changed", Path);
            }
            Reloaded?.Invoke(config, changes);
            return true;
        }
    }

    private void OnEvent(object sender, FileSystemEventArgs e)
    {
        if (string.Equals(e.FullPath, Path, StringComparison.Ordinal)) Schedule();
    }

    private void Schedule()
    {
        if (_disposed) return;
        try { _timer.Change(_debounce, Timeout.InfiniteTimeSpan); }
        catch (ObjectDisposedException) { }
    }

    private void OnQuiet()
    {
        if (_disposed) return;
        try
        {
            ReloadNow();
        }
        catch (Exception e)
        {
            // A timer callback must not throw; the next file event tries again.
            _logger.LogError(e, "reloading {File} failed", Path);
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _watcher.Dispose();
        _timer.Dispose();
    }
}
