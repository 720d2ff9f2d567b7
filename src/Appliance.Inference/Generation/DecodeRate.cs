using System.Diagnostics;

namespace Appliance.Inference;

/// <summary>Generated tokens per second over the last few seconds, across all sequences.</summary>
internal sealed class DecodeRate
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(10);
    private readonly Lock _gate = new();
    private readonly Queue<(long Time, int Tokens)> _steps = new();

    public void Add(long timestamp, int tokens)
    {
        lock (_gate)
        {
            _steps.Enqueue((timestamp, tokens));
            Trim(timestamp);
        }
    }

    public double TokensPerSecond()
    {
        lock (_gate)
        {
            var now = Stopwatch.GetTimestamp();
            Trim(now);
            if (_steps.Count < 2) return 0;
            var seconds = Stopwatch.GetElapsedTime(_steps.Peek().Time, now).TotalSeconds;
            return seconds > 0 ? _steps.Skip(1).Sum(s => s.Tokens) / seconds : 0;
        }
    }

    private void Trim(long now)
    {
        while (_steps.Count > 0 && Stopwatch.GetElapsedTime(_steps.Peek().Time, now) > Window) _steps.Dequeue();
    }
}
