using System.Diagnostics;

namespace Appliance.Inference;

/// <summary>What the decode loop's thread spends its time on.</summary>
public enum LoopPart
{
    /// <summary>Inside llama_decode: the engine's own work.</summary>
    Engine,

    /// <summary>The sampler chains choosing the next tokens.</summary>
    Sampling,

    /// <summary>Turning tokens into text and watching for stop strings.</summary>
    Detokenising,

    /// <summary>Handing text to the waiting request (the channel write).</summary>
    HandOff,

    /// <summary>Everything else on a busy step: admission, pausing, building the batch.</summary>
    Scheduling,

    /// <summary>Waiting for work.</summary>
    Idle,
}

/// <summary>
/// Wall time the decode loop spent in each <see cref="LoopPart"/> since start, so an operator (and
/// <c>make bench-serving</c>) can see where serving time goes beside the engine. One thread writes;
/// readers take a snapshot.
/// </summary>
internal sealed class DecodeLoopClock
{
    private readonly long[] _ticks = new long[Enum.GetValues<LoopPart>().Length];

    /// <summary>Adds the time since <paramref name="since"/> to <paramref name="part"/> and returns now, for the next part.</summary>
    public long Charge(LoopPart part, long since)
    {
        var now = Stopwatch.GetTimestamp();
        Interlocked.Add(ref _ticks[(int)part], now - since);
        return now;
    }

    public void Add(LoopPart part, long ticks) => Interlocked.Add(ref _ticks[(int)part], ticks);

    public IReadOnlyDictionary<LoopPart, TimeSpan> Snapshot() =>
        Enum.GetValues<LoopPart>().ToDictionary(p => p, p => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _ticks[(int)p])));
}
