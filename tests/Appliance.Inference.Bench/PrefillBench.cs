using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Appliance.Llama;
using Microsoft.Extensions.Logging.Abstractions;

namespace Appliance.Inference.Bench;

/// <summary>
/// inference-bench prefill: how fast a RAG-sized prompt reaches the model through the scheduler, against
/// the engine's own rate. The engine's rate is the raw loop's (one prompt, one context, logits for the last
/// token only) at the best of three micro-batch sizes; the scheduler's is the prompt length over its time
/// to first token, once alone and once while other conversations keep decoding, whose inter-token gaps
/// during that prefill are reported too. Everything alternates within each run, so a busy machine
/// affects all sides alike.
/// </summary>
internal static class PrefillBench
{
    private const int Decoders = 3;
    private static readonly int[] MicroBatches = [128, 256, 512];

    /// <param name="prefillChunk">the scheduler's prompt piece while others decode; null keeps its default</param>
    public static async Task<int> RunAsync(string modelPath, int threads, int promptTokens, int runs, string outFile, int? prefillChunk = null)
    {
        var runtime = LlamaRuntime.Load(NullLoggerFactory.Instance);
        var (model, info, _) = await new ModelLoader(runtime).LoadAsync(new ModelRequest("bench", modelPath, null, long.MaxValue), CancellationToken.None);
        using var _ = model;
        var text = string.Join(' ', Enumerable.Repeat("the office policy for client files, letters and the salary report of the staff", 1 + promptTokens / 8));
        var all = model.Tokenize(text, addSpecial: true, parseSpecial: false);
        int[] Prompt(int n) => [all[0], 10 + n, .. all[1..(promptTokens - 1)]];
        var raw = new RawDecodeLoop(model, threads);
        var options = new SchedulerOptions(Parallel: Decoders + 1, ContextPerSequence: promptTokens + 256, QueueLimit: 8, Threads: threads, PrefixReuse: false);
        if (prefillChunk is { } chunk) options = options with { PrefillChunk = chunk };
        await using var scheduler = new DecodeScheduler(model, options, NullLogger.Instance);
        var loadAtStart = Figures.LoadAverage();
        raw.PrefillTokensPerSecond(Prompt(0)[..256], 512);   // warm-up: page in the weights

        var figures = new Figures();
        for (var run = 0; run < runs; run++)
        {
            foreach (var u in MicroBatches) figures.Add($"raw_ubatch_{u}", raw.PrefillTokensPerSecond(Prompt(run), u));
            figures.Add("scheduler_alone", promptTokens / (await TimeToFirstTokenAsync(scheduler, Prompt(100 + run))).TotalSeconds);
            var (ttft, decodeGaps) = await WhileDecodingAsync(scheduler, Prompt(200 + run), run);
            figures.Add("scheduler_while_decoding", promptTokens / ttft.TotalSeconds);
            figures.Add("decode_gap_p95_ms", Figures.Percentile(decodeGaps, 95));
            figures.Add("decode_gap_max_ms", decodeGaps.Max());
            // Against the raw loop at the scheduler's own micro-batch in the same run: the best of three noisy
            // samples would be a lucky one on a busy machine.
            var engineThisRun = figures.Latest($"raw_ubatch_{options.MicroBatchSize}");
            figures.Add("alone_vs_engine", figures.Latest("scheduler_alone") / engineThisRun);
            figures.Add("while_decoding_vs_engine", figures.Latest("scheduler_while_decoding") / engineThisRun);
            Console.Error.WriteLine($"run {run + 1}/{runs}: {figures.Last()}");
        }

        var best = MicroBatches.MaxBy(u => figures.Median($"raw_ubatch_{u}"));
        var engine = figures.Median($"raw_ubatch_{best}");
        // Each run's own ratio, then the median: drift between runs cancels.
        var alone = figures.Median("alone_vs_engine");
        var loaded = figures.Median("while_decoding_vs_engine");
        var json = new JsonObject
        {
            ["model"] = Path.GetFileName(modelPath) + (info.IsTestModel ? " (generated test model, random weights)" : ""),
            ["threads"] = threads,
            ["prompt_tokens"] = promptTokens,
            ["runs"] = runs,
            ["scheduler"] = $"batch {options.BatchSize}, micro-batch {options.MicroBatchSize}, prefill chunk {options.PrefillChunk} while others decode",
            ["decoding_alongside"] = Decoders,
            ["engine_prefill_tps"] = new JsonObject(MicroBatches.Select(u => KeyValuePair.Create($"ubatch_{u}", (JsonNode?)Math.Round(figures.Median($"raw_ubatch_{u}"), 1)))),
            ["engine_best_ubatch"] = best,
            ["scheduler_prefill_tps_alone"] = Math.Round(figures.Median("scheduler_alone"), 1),
            ["scheduler_prefill_tps_while_decoding"] = Math.Round(figures.Median("scheduler_while_decoding"), 1),
            ["decode_gap_during_prefill_ms"] = new JsonObject
            {
                // One step holds a prefill chunk and one token per decoder: at the engine's rate that takes this long.
                ["one_step_at_engine_rate"] = Math.Round((options.PrefillChunk + Decoders) / engine * 1000, 1),
                ["p95_median_of_runs"] = Math.Round(figures.Median("decode_gap_p95_ms"), 1),
                ["max_median_of_runs"] = Math.Round(figures.Median("decode_gap_max_ms"), 1),
            },
            ["ratios"] = new JsonObject { ["alone_vs_engine"] = Math.Round(alone, 3), ["while_decoding_vs_engine"] = Math.Round(loaded, 3) },
            ["targets_met"] = new JsonObject { ["while_decoding_ge_0_9"] = loaded >= 0.9 },
            ["samples"] = figures.Samples(),
            ["load_average_at_start"] = loadAtStart,
            ["load_average_at_end"] = Figures.LoadAverage(),
            ["measured_at"] = DateTimeOffset.UtcNow.ToString("O"),
        };
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outFile))!);
        await File.WriteAllTextAsync(outFile, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");

        Console.WriteLine($"prefill — {json["model"]}, {promptTokens}-token prompt, {threads} thread(s), median of {runs}, load average {loadAtStart} → {json["load_average_at_end"]}");
        Console.WriteLine($"| {"measure",-48} | {"tok/s",8} | {"vs engine",9} |");
        Console.WriteLine($"| {new string('-', 48)} | {new string('-', 8)} | {new string('-', 9)} |");
        foreach (var u in MicroBatches) Console.WriteLine($"| {$"engine (raw loop), micro-batch {u}",-48} | {figures.Median($"raw_ubatch_{u}"),8:F1} | {figures.Median($"raw_ubatch_{u}") / engine,9:F3} |");
        Console.WriteLine($"| {"scheduler, prompt alone",-48} | {figures.Median("scheduler_alone"),8:F1} | {alone,9:F3} |");
        Console.WriteLine($"| {$"scheduler, while {Decoders} others decode",-48} | {figures.Median("scheduler_while_decoding"),8:F1} | {loaded,9:F3} |  target ≥ 0.9 {(loaded >= 0.9 ? "met" : "MISSED")}");
        Console.WriteLine($"their inter-token gap during that prefill: p95 {figures.Median("decode_gap_p95_ms"):F0} ms, max {figures.Median("decode_gap_max_ms"):F0} ms (medians of runs); " +
                          $"one step of {options.PrefillChunk} + {Decoders} tokens at the engine's rate: {(options.PrefillChunk + Decoders) / engine * 1000:F0} ms");
        Console.WriteLine($"scheduler ratios are medians of each run's own ratio to that run's raw loop at micro-batch {options.MicroBatchSize}; a gap is between two streamed updates (a token that completes no character shows no text, so a gap can span steps)");
        Console.WriteLine($"wrote {outFile}");
        return 0;
    }

    private static async Task<TimeSpan> TimeToFirstTokenAsync(DecodeScheduler scheduler, IReadOnlyList<int> prompt)
    {
        GenerationUsage? usage = null;
        await foreach (var update in scheduler.GenerateAsync(new GenerationRequest(prompt, SamplingOptions.Greedy, 1, [], IgnoreEndOfGeneration: true)))
            usage ??= update.Usage;
        return usage!.TimeToFirstToken;
    }

    /// <summary>The prompt's time to first token while <see cref="Decoders"/> conversations decode, and their gaps between tokens meanwhile.</summary>
    private static async Task<(TimeSpan Ttft, List<double> Gaps)> WhileDecodingAsync(DecodeScheduler scheduler, IReadOnlyList<int> prompt, int run)
    {
        using var stop = new CancellationTokenSource();
        var arrivals = Enumerable.Range(0, Decoders).Select(_ => new List<long>()).ToArray();
        var started = Enumerable.Range(0, Decoders).Select(_ => new TaskCompletionSource()).ToArray();
        var decoders = Enumerable.Range(0, Decoders).Select(d => Task.Run(async () =>
        {
            var request = new GenerationRequest([1, 300 + 10 * run + d, 42, 43], SamplingOptions.Greedy, 100_000, [], IgnoreEndOfGeneration: true);
            try
            {
                await foreach (var update in scheduler.GenerateAsync(request, stop.Token))
                {
                    arrivals[d].Add(Stopwatch.GetTimestamp());
                    if (arrivals[d].Count == 3) started[d].TrySetResult();
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
        })).ToList();
        await Task.WhenAll(started.Select(s => s.Task));
        var from = Stopwatch.GetTimestamp();
        var ttft = await TimeToFirstTokenAsync(scheduler, prompt);
        var to = Stopwatch.GetTimestamp();
        await stop.CancelAsync();
        await Task.WhenAll(decoders);
        var gaps = new List<double>();
        foreach (var times in arrivals)
            for (var i = 1; i < times.Count; i++)
                if (times[i] > from && times[i - 1] < to) gaps.Add(Stopwatch.GetElapsedTime(times[i - 1], times[i]).TotalMilliseconds);
        return (ttft, gaps);
    }
}
