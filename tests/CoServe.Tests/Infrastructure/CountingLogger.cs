using Microsoft.Extensions.Logging;

namespace CoServe.Tests.Infrastructure;

/// <summary>A logger that counts what was logged at warning level and above (only the level and event, never the message).</summary>
public sealed class CountingLogger<T> : ILogger<T>
{
    private int _warnings;

    public int Warnings => _warnings;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel)) Interlocked.Increment(ref _warnings);
    }
}
