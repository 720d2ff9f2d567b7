using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Appliance.Llama.Tests;

/// <summary>
/// The llama.cpp runtime is process-wide and keeps the first logger it is given, so every test in
/// this assembly loads it with this collecting factory.
/// </summary>
public sealed class TestLogs : ILoggerFactory, ILogger
{
    public static TestLogs Instance { get; } = new();
    public static LlamaRuntime Runtime => LlamaRuntime.Load(Instance);

    public ConcurrentQueue<(string Category, LogLevel Level, string Message)> Entries { get; } = new();
    private string _category = "";

    public ILogger CreateLogger(string categoryName)
    {
        _category = categoryName;
        return this;
    }

    public void AddProvider(ILoggerProvider provider) { }
    public void Dispose() { }
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Entries.Enqueue((_category, logLevel, formatter(state, exception)));
}
