using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Appliance.Llama;
using Microsoft.Extensions.Logging.Abstractions;

namespace Appliance.Inference.Bench;

/// <summary>
/// inference-bench priority: does background work stay out of a person's way, and does it run at full
/// speed when nobody else is there? (1) Interactive questions one after another, their time to first
/// token idle and then while a saturating background load (more long background requests than
/// sequences, topped up as they finish) runs: p95 loaded ÷ p95 idle, target ≤ 1.5. (2) The same batch
/// of requests sent as background and as API work on an otherwise idle scheduler: generated tok/s
/// background ÷ API, target ≥ 0.9. Runs repeat; medians are reported with the load average.
/// </summary>
internal static class PriorityBench
{
    private const int Parallel = 4;
    private const int QuestionTokens = 256;
    private const int AnswerTokens = 16;
    private const int Questions = 10;
    private const int BatchRequests = 8;
    private const int BatchPromptTokens = 64;
    private const int BatchGenerate = 64;

    public static async Task<int> RunAsync(string modelPath, int threads, int runs, string outFile)
    {
        var runtime = LlamaRuntime.Load(NullLoggerFactory.Instance);
        var (model, info, _) = await new ModelLoader(runtime).LoadAsync(new ModelRequest("bench", modelPath, null, long.MaxValue), CancellationToken.None);
        using var _ = model;
        var text = string.Join(' ', Enumerable.Repeat("where is the signed contract of the client and the invoice for the court case", 1 + QuestionTokens / 8));
        var words = model.Tokenize(text, addSpecial: true, parseSpecial: false);
        int[] Question(int n) => [words[0], 10 + n % 400, 20 + n / 400, .. words[1..(QuestionTokens - 2)]];
        var options = new SchedulerOptions(Parallel, ContextPerSequence: 1024, QueueLimit: 64, Threads: threads, PrefixReuse: false);
        await using var scheduler = new DecodeScheduler(model, options, NullLogger.Instance);
        var loadAtStart = Figures.LoadAverage();
        await Generate(scheduler, Question(0), 4, WorkPriority.Interactive);   // warm-up: page in the weights

        var figures = new Figures();
        var asked = 1;
        for (var run = 0; run < runs; run++)
        {
            Console.Error.WriteLine($"run {run + 1}/{runs}: {Questions} questions on an idle scheduler");
            var idle = new List<double>();
            for (var q = 0; q < Questions; q++) idle.Add((await Generate(scheduler, Question(asked++), AnswerTokens, WorkPriority.Interactive)).TimeToFirstToken.TotalMilliseconds);

            using var load = new CancellationTokenSource();
            var background = Task.Run(() => SaturateAsync(scheduler, run, load.Token));
            await Eventually(() => scheduler.Stats.ActiveSequences == Parallel && scheduler.Stats.QueueDepth > 0, "the background load fills every sequence");
            Console.Error.WriteLine($"run {run + 1}/{runs}: {Questions} questions under the background load");
            var loaded = new List<double>();
            for (var q = 0; q < Questions; q++) loaded.Add((await Generate(scheduler, Question(asked++), AnswerTokens, WorkPriority.Interactive)).TimeToFirstToken.TotalMilliseconds);
            var stillBusy = scheduler.Stats.ActiveSequences > 0;
            await load.CancelAsync();
            var backgroundFinished = await background;
            if (!stillBusy) throw new InvalidOperationException("the background load ended before the questions: nothing was measured");

            figures.Add("idle_ttft_p50_ms", Figures.Percentile(idle, 50));
            figures.Add("idle_ttft_p95_ms", Figures.Percentile(idle, 95));
            figures.Add("loaded_ttft_p50_ms", Figures.Percentile(loaded, 50));
            figures.Add("loaded_ttft_p95_ms", Figures.Percentile(loaded, 95));
            figures.Add("loaded_vs_idle_p95", Figures.Percentile(loaded, 95) / Figures.Percentile(idle, 95));
            figures.Add("background_requests_finished_under_load", backgroundFinished);

            // Alternate which class goes first, so a machine getting busier or quieter favours neither.
            Console.Error.WriteLine($"run {run + 1}/{runs}: a batch as background and as API work");
            var classes = run % 2 == 0 ? new[] { WorkPriority.Background, WorkPriority.Api } : [WorkPriority.Api, WorkPriority.Background];
            foreach (var c in classes) figures.Add($"{c.ToString().ToLowerInvariant()}_alone_tps", await BatchAsync(scheduler, Question(asked++)[..BatchPromptTokens], c));
            figures.Add("background_vs_api_alone", figures.Latest("background_alone_tps") / figures.Latest("api_alone_tps"));
            Console.Error.WriteLine($"run {run + 1}/{runs}: {figures.Last()}");
        }

        var ttftRatio = figures.Median("loaded_vs_idle_p95");
        var throughputRatio = figures.Median("background_vs_api_alone");
        var json = new JsonObject
        {
            ["model"] = Path.GetFileName(modelPath) + (info.IsTestModel ? " (generated test model, random weights)" : ""),
            ["threads"] = threads,
            ["runs"] = runs,
            ["sequences"] = Parallel,
            ["question"] = $"{QuestionTokens} prompt tokens, {AnswerTokens} generated, {Questions} one after another per run",
            ["background_load"] = $"{Parallel * 2} background requests at all times (4-token prompts, up to 900 tokens each), topped up as they finish",
            ["throughput_batch"] = $"{BatchRequests} requests at once, {BatchPromptTokens}-token prompts, {BatchGenerate} tokens each, on an otherwise idle scheduler",
            ["interactive_ttft_ms"] = new JsonObject
            {
                ["idle_p50"] = Math.Round(figures.Median("idle_ttft_p50_ms"), 1),
                ["idle_p95"] = Math.Round(figures.Median("idle_ttft_p95_ms"), 1),
                ["background_load_p50"] = Math.Round(figures.Median("loaded_ttft_p50_ms"), 1),
                ["background_load_p95"] = Math.Round(figures.Median("loaded_ttft_p95_ms"), 1),
            },
            ["generated_tps_alone"] = new JsonObject
            {
                ["background"] = Math.Round(figures.Median("background_alone_tps"), 1),
                ["api"] = Math.Round(figures.Median("api_alone_tps"), 1),
            },
            ["ratios"] = new JsonObject
            {
                ["ttft_p95_background_load_vs_idle"] = Math.Round(ttftRatio, 3),
                ["background_vs_api_alone"] = Math.Round(throughputRatio, 3),
            },
            ["targets_met"] = new JsonObject { ["ttft_p95_le_1_5"] = ttftRatio <= 1.5, ["background_alone_ge_0_9"] = throughputRatio >= 0.9 },
            ["samples"] = figures.Samples(),
            ["load_average_at_start"] = loadAtStart,
            ["load_average_at_end"] = Figures.LoadAverage(),
            ["measured_at"] = DateTimeOffset.UtcNow.ToString("O"),
        };
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outFile))!);
        await File.WriteAllTextAsync(outFile, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");

        Console.WriteLine($"priority — {json["model"]}, {threads} thread(s), {Parallel} sequences, median of {runs}, load average {loadAtStart} → {json["load_average_at_end"]}");
        Console.WriteLine("| measure | idle / API | background | ratio | target |");
        Console.WriteLine("| --- | --- | --- | --- | --- |");
        Console.WriteLine($"| interactive TTFT p50 ms | {figures.Median("idle_ttft_p50_ms"):F0} | {figures.Median("loaded_ttft_p50_ms"):F0} | | |");
        Console.WriteLine($"| interactive TTFT p95 ms | {figures.Median("idle_ttft_p95_ms"):F0} | {figures.Median("loaded_ttft_p95_ms"):F0} | {ttftRatio:F2}× | ≤ 1.5× {(ttftRatio <= 1.5 ? "met" : "MISSED")} |");
        Console.WriteLine($"| generated tok/s, batch alone | {figures.Median("api_alone_tps"):F1} | {figures.Median("background_alone_tps"):F1} | {throughputRatio:F3} | ≥ 0.9 {(throughputRatio >= 0.9 ? "met" : "MISSED")} |");
        Console.WriteLine("ratios are medians of each run's own ratio (both sides measured in the same run), not ratios of the medians");
        Console.WriteLine($"wrote {outFile}");
        return 0;
    }

    private static async Task<GenerationUsage> Generate(DecodeScheduler scheduler, IReadOnlyList<int> prompt, int tokens, WorkPriority priority, CancellationToken ct = default)
    {
        GenerationUsage? usage = null;
        await foreach (var update in scheduler.GenerateAsync(new GenerationRequest(prompt, SamplingOptions.Greedy, tokens, [], IgnoreEndOfGeneration: true, priority), ct))
            usage ??= update.Usage;
        return usage!;
    }

    /// <summary>Twice as many long background requests as sequences, each replaced when it ends, until cancelled; returns how many finished.</summary>
    private static async Task<int> SaturateAsync(DecodeScheduler scheduler, int run, CancellationToken ct)
    {
        var finished = 0;
        await Task.WhenAll(Enumerable.Range(0, Parallel * 2).Select(async worker =>
        {
            for (var n = 0; !ct.IsCancellationRequested; n++)
            {
                try
                {
                    await Generate(scheduler, [1, 500 + worker, 600 + n % 200, 700 + run], 900, WorkPriority.Background, ct);
                    Interlocked.Increment(ref finished);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                }
            }
        }));
        return finished;
    }

    /// <summary>Generated tokens per second for a batch of requests of one class sent at once, first request sent to last token.</summary>
    private static async Task<double> BatchAsync(DecodeScheduler scheduler, int[] prompt, WorkPriority priority)
    {
        var clock = Stopwatch.StartNew();
        var usages = await Task.WhenAll(Enumerable.Range(0, BatchRequests).Select(i =>
            Generate(scheduler, [prompt[0], 800 + i, .. prompt[1..]], BatchGenerate, priority)));
        return usages.Sum(u => u.CompletionTokens) / clock.Elapsed.TotalSeconds;
    }

    private static async Task Eventually(Func<bool> condition, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            if (deadline.Elapsed > TimeSpan.FromMinutes(2)) throw new TimeoutException($"not within 2 minutes: {what}");
            await Task.Delay(20);
        }
    }
}
