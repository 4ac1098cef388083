using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace JdwpGateway.EndToEnd.Tests.BadInput;

/// <summary>One log line the gateway wrote.</summary>
public sealed record LogEntry(LogLevel Level, string EventName, string Category, string Message, Exception? Exception)
{
    /// <inheritdoc />
    public override string ToString() =>
        $"{Level} [{EventName}] {Message}" + (Exception is null ? string.Empty : $" ({Exception.GetType().Name}: {Exception.Message})");
}

/// <summary>Records every log line (level, event name, formatted message) so tests can assert on them.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider, ILoggerFactory
{
    private readonly ConcurrentQueue<LogEntry> _entries = new();

    /// <summary>Everything logged so far, in order.</summary>
    public IReadOnlyList<LogEntry> Entries => [.. _entries];

    /// <summary>Lines at <see cref="LogLevel.Error"/> or above (the gateway's "unexpected failure" lines).</summary>
    public IReadOnlyList<LogEntry> Errors => [.. _entries.Where(e => e.Level >= LogLevel.Error)];

    /// <summary>All lines, one per line, for failure messages.</summary>
    public string Dump() => string.Join(Environment.NewLine, _entries.Select(e => e.ToString()));

    /// <summary>Waits until a line matches <paramref name="predicate"/>; throws with the log on timeout.</summary>
    public async Task<LogEntry> WaitForAsync(Func<LogEntry, bool> predicate, string what, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var hit = _entries.FirstOrDefault(predicate);
            if (hit is not null)
            {
                return hit;
            }

            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"No log line {what} within {timeout.TotalSeconds:0} s. Log:{Environment.NewLine}{Dump()}");
            }

            await Task.Delay(50).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    /// <inheritdoc />
    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            owner._entries.Enqueue(new LogEntry(logLevel, eventId.Name ?? eventId.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), category, formatter(state, exception), exception));
        }
    }
}
