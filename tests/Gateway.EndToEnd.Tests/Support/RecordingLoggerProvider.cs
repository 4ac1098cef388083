using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace JdwpGateway.EndToEnd.Tests.Support;

/// <summary>Keeps the gateway's log lines so a failing test can show what the gateway saw.</summary>
public sealed class RecordingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    /// <summary>Everything logged so far.</summary>
    public IReadOnlyCollection<string> Lines => _lines;

    /// <summary>The last <paramref name="count"/> lines as text.</summary>
    public string Tail(int count = 80) => string.Join("\n", _lines.TakeLast(count));

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => new Recorder(_lines);

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private sealed class Recorder(ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lines.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {eventId.Name}: {formatter(state, exception)}{(exception is null ? string.Empty : " " + exception)}");
            while (lines.Count > 5000)
            {
                lines.TryDequeue(out _);
            }
        }
    }
}
