using System.Diagnostics;

namespace Appliance.Inference.Bench;

/// <summary>The same work through the scheduler, measured from the consumer's side of the stream.</summary>
internal sealed class EngineRuns(DecodeScheduler scheduler)
{
    /// <summary>Total tokens per second while all <paramref name="sequences"/> streams are decoding.</summary>
    public async Task<double> DecodeTokensPerSecondAsync(IReadOnlyList<int> prompt, int sequences, int steps)
    {
        var arrivals = new List<long>[sequences];
        var request = new GenerationRequest(prompt, SamplingOptions.Greedy, steps + 1, [], IgnoreEndOfGeneration: true);
        await Task.WhenAll(Enumerable.Range(0, sequences).Select(async s =>
        {
            // Each stream's own prompt (differs in its first token) so no stream reuses another's cache.
            var own = request with { PromptTokens = [prompt[0], 10 + s, .. prompt.Skip(1)] };
            var times = arrivals[s] = new List<long>(steps + 2);
            await foreach (var update in scheduler.GenerateAsync(own))
                if (update.Usage is null) times.Add(Stopwatch.GetTimestamp());
        }));
        // Window in which every stream was past its first token and none had finished.
        var from = arrivals.Max(a => a[0]);
        var to = arrivals.Min(a => a[^1]);
        var tokens = arrivals.Sum(a => a.Count(t => t > from && t <= to));
        return tokens / Stopwatch.GetElapsedTime(from, to).TotalSeconds;
    }

    /// <summary>Time to first token for a prompt = shared prefix + own question.</summary>
    public async Task<double> TimeToFirstTokenMsAsync(IReadOnlyList<int> prompt)
    {
        GenerationUsage? usage = null;
        await foreach (var update in scheduler.GenerateAsync(new GenerationRequest(prompt, SamplingOptions.Greedy, 1, [], IgnoreEndOfGeneration: true)))
            usage ??= update.Usage;
        return usage!.TimeToFirstToken.TotalMilliseconds;
    }
}
