using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Appliance.Exec;

namespace Appliance.Soak;

/// <summary>
/// A RAG-sized prompt as a client of /v1/chat/completions meets it: its prefill rate (prompt tokens over
/// the time to its first token, HTTP included) alone and while <see cref="Decoders"/> other streams keep
/// decoding, and those streams' inter-token gaps while it fills, against the engine's prefill rate for
/// the same prompt length (inference-bench batched, one sequence) measured in the same run with the agent stopped.
/// </summary>
public static class PrefillOverHttp
{
    public const int Decoders = 3;
    private const int ContextPerSequence = 2560;

    /// <param name="AloneInEngineSeconds">of the prompt alone's time to first token, the seconds the agent's decode loop spent inside llama_decode</param>
    public sealed record Sample(double AloneTps, double WhileDecodingTps, double EngineTps, double GapP95Ms, double GapMaxMs, double DecoderStepMs, int PromptTokens,
        double AloneTtftSeconds, double AloneInEngineSeconds);

    public static async Task<Sample> RunAsync(int threads, int promptWords, CancellationToken ct)
    {
        double alone, loaded, gapP95, gapMax, decoderStep, aloneTtft, aloneInEngine;
        int promptTokens;
        await using (var agent = await BenchAgent.StartAsync(Decoders + 1, threads, ContextPerSequence, ct))
        {
            // Warm-up with the measured work itself: pages in the weights, and lets .NET's tiered JIT recompile the hot paths
            // first (right after start its background compiling took ~9 % from the engine at 2 threads on 2 cores).
            await agent.StreamAsync(Words(0, promptWords), 32, [], ct);

            var before = await ServingTimes.ReadAsync(agent.Http, ct);
            var solo = await agent.StreamAsync(Words(1, promptWords), 1, [], ct);
            aloneInEngine = (await ServingTimes.ReadAsync(agent.Http, ct))["loop:engine"] - before["loop:engine"];
            aloneTtft = solo.Ttft.TotalSeconds;
            alone = solo.PromptTokens / aloneTtft;
            promptTokens = solo.PromptTokens;

            // Decoders stream until cancelled; the long prompt goes in once each has produced tokens for a while.
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var started = Enumerable.Range(0, Decoders).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
            var arrivals = Enumerable.Range(0, Decoders).Select(_ => new List<long>()).ToArray();
            var decoders = Enumerable.Range(0, Decoders)
                .Select(d => agent.StreamAsync(Words(10 + d, 30), ContextPerSequence - 200, arrivals[d], stop.Token, started[d])).ToArray();
            // Twenty tokens in, every decoder is past its own prompt and decoding steadily.
            await Task.WhenAll(started.Select(s => s.Task)).WaitAsync(TimeSpan.FromMinutes(5), ct);
            var sent = Stopwatch.GetTimestamp();
            var rag = await agent.StreamAsync(Words(2, promptWords), 1, [], ct);
            var firstToken = sent + (long)(rag.Ttft.TotalSeconds * Stopwatch.Frequency);
            await stop.CancelAsync();
            foreach (var decoder in decoders)
            {
                try { await decoder; }
                catch (OperationCanceledException) { }   // stopped on purpose once the long prompt had its first token
            }
            loaded = rag.PromptTokens / rag.Ttft.TotalSeconds;
            // Gaps of the decoders that overlap the prefill window, and their steady step before it.
            var pairs = arrivals.SelectMany(a => a.Zip(a.Skip(1))).ToList();
            var gaps = pairs
                .Where(pair => pair.Second > sent && pair.First < firstToken)
                .Select(pair => Stopwatch.GetElapsedTime(pair.First, pair.Second).TotalMilliseconds).Order().ToList();
            gapP95 = gaps.Count == 0 ? 0 : gaps[Math.Min(gaps.Count - 1, (int)Math.Ceiling(0.95 * gaps.Count) - 1)];
            gapMax = gaps.Count == 0 ? 0 : gaps[^1];
            var steady = pairs.Where(pair => pair.Second < sent)
                .Select(pair => Stopwatch.GetElapsedTime(pair.First, pair.Second).TotalMilliseconds).Order().ToList();
            decoderStep = steady.Count == 0 ? 0 : steady[steady.Count / 2];
        }
        var engine = await EngineAsync(threads, promptTokens, ct);
        return new Sample(alone, loaded, engine, gapP95, gapMax, decoderStep, promptTokens, aloneTtft, aloneInEngine);
    }

    private static string Words(int n, int words) =>
        $"Request {n}. " + string.Join(' ', Enumerable.Range(0, words).Select(i => Vocabulary[(i * 7 + n) % Vocabulary.Length]));

    private static readonly string[] Vocabulary =
        ["the", "client", "contract", "invoice", "letters", "court", "case", "salary", "report", "staff", "office", "policy", "files", "deadline", "notice", "leave"];

    private static async Task<double> EngineAsync(int threads, int promptTokens, CancellationToken ct)
    {
        var output = (await new LocalCommandRunner().RunAsync(Command.Of("dotnet", [ServingBench.BenchDll, "batched", "--threads", threads.ToString(CultureInfo.InvariantCulture),
                "--prompt-tokens", promptTokens.ToString(CultureInfo.InvariantCulture), "--generate", "1", "--sequences", "1", "--runs", "3"])
            .WithTimeout(TimeSpan.FromMinutes(10)), ct)).EnsureSuccess().StandardOutput;
        return JsonNode.Parse(output.Trim().Split('\n')[^1])!["sequences"]!["1"]!["prefill_tps"]!.GetValue<double>();
    }
}
