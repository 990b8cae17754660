
namespace Verity.Node.Hosting;

/// <summary>Sends log lines to a callback (the host's <c>log</c> argument) instead of the console.</summary>
internal sealed class ActionLoggerProvider(Action<string> sink) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new ActionLogger(sink, ShortCategory(categoryName));

    public void Dispose() { }

    private static string ShortCategory(string category) =>
        category.StartsWith("Verity.Node.", StringComparison.Ordinal) ? category["Verity.Node.".Length..] : category;

    private sealed class ActionLogger(Action<string> sink, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            string line = $"{Level(logLevel)} {category}: {formatter(state, exception)}";
            if (exception != null) line += Environment.NewLine + exception;
            sink(line);
        }

        private static string Level(LogLevel level) => level switch
        {
            LogLevel.Trace => "trce",
            LogLevel.Debug => "dbug",
            LogLevel.Information => "info",
            LogLevel.Warning => "warn",
            LogLevel.Error => "fail",
            _ => "crit",
        };
    }
}
