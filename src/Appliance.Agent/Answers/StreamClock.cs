using System.Diagnostics;

namespace Appliance.Agent.Answers;

/// <summary>What streaming an answer to a client costs besides generating it.</summary>
public enum StreamPart
{
    /// <summary>Serialising each event's JSON.</summary>
    Json,

    /// <summary>Writing each event and flushing it to the socket.</summary>
    Send,

    /// <summary>Appending the request's query-log entry (one SQLite transaction per request).</summary>
    QueryLog,
}

/// <summary>
/// Wall time the agent's request threads spent in each <see cref="StreamPart"/> since start, summed
/// over requests: beside the decode loop's own parts it shows where serving time goes (/metrics,
/// <c>make bench-serving</c>).
/// </summary>
public sealed class StreamClock
{
    private readonly long[] _ticks = new long[Enum.GetValues<StreamPart>().Length];
    private readonly long[] _counts = new long[Enum.GetValues<StreamPart>().Length];

    public void Charge(StreamPart part, long since)
    {
        Interlocked.Add(ref _ticks[(int)part], Stopwatch.GetTimestamp() - since);
        Interlocked.Increment(ref _counts[(int)part]);
    }

    public IReadOnlyDictionary<StreamPart, (TimeSpan Time, long Count)> Snapshot() =>
        Enum.GetValues<StreamPart>().ToDictionary(p => p,
            p => (Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _ticks[(int)p])), Interlocked.Read(ref _counts[(int)p])));
}
