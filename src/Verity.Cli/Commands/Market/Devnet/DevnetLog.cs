using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Verity.Cli.Commands.Market.Devnet;

/// <summary>
/// The devnet's log file (devnet.log in its directory): every component's lines, timestamped, so the terminal shows
/// only the table. Also an <see cref="ILoggerProvider"/> for the brokers and the fault proxy.
/// </summary>
internal sealed class DevnetLog(string path) : ILoggerProvider, IAsyncDisposable
{
    private readonly StreamWriter _writer = new(path, append: false) { AutoFlush = true };
    private readonly object _gate = new();

    private bool _closed;

    public void Write(string source, string line)
    {
        lock (_gate)
            if (!_closed) _writer.WriteLine($"{DateTimeOffset.Now.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)} [{source}] {line}");
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    /// <summary>A provider whose lines name <paramref name="source"/> first (which prover's broker said it).</summary>
    public ILoggerProvider For(string source) => new Prefixed(this, source);

    private sealed class Prefixed(DevnetLog log, string source) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(log, $"{source} {categoryName}");

        public void Dispose() { }
    }

    public void Dispose() { }

    public ValueTask DisposeAsync()
    {
        // Components still stopping may log a last line: it is dropped, not thrown.
        lock (_gate)
        {
            _closed = true;
            _writer.Dispose();
        }
        return ValueTask.CompletedTask;
    }

    private sealed class Logger(DevnetLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            log.Write(category, $"{logLevel}: {formatter(state, exception)}{(exception == null ? "" : Environment.NewLine + exception)}");
        }
    }
}
