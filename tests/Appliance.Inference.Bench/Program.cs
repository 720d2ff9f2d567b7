using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Appliance.Inference;
using Appliance.Inference.Bench;
using Appliance.Llama;
using Microsoft.Extensions.Logging.Abstractions;

// inference-bench — see --help.
var argv = args.ToList();
if (argv.Contains("--help") || argv.Contains("-h"))
{
    Console.WriteLine("""
        inference-bench — the inference engine against a minimal decode loop on the binding

        usage: inference-bench [--model FILE] [--threads N] [--runs N] [--steps N] [--out FILE]
               inference-bench prefill [--model FILE] [--threads N] [--prompt-tokens N] [--prefill-chunk N] [--runs N] [--out FILE]
               inference-bench priority [--model FILE] [--threads N] [--runs N] [--out FILE]
               inference-bench batched [--model FILE] [--threads N] [--prompt-tokens N] [--generate N] [--sequences 1,4,8,16] [--runs N]

          batched       the engine's limit for the serving bench, as llama-batched-bench measures it:
                        per sequence count, N prompts prefilled together then N sequences decoded in
                        lockstep; one JSON object on stdout (medians)
          prefill       a RAG-sized prompt (--prompt-tokens, default 2000) through the scheduler, alone
                        and while 3 others decode (with their inter-token gaps), against the raw loop's
                        prefill at micro-batches 128/256/512; writes bench/results/prefill-<N>t.json
          priority      interactive TTFT p95 idle vs under a saturating background load (target ≤ 1.5×),
                        and a batch sent as background vs as API work alone (target ≥ 0.9); writes
                        bench/results/priority.json

          --model FILE  GGUF to run (default: .cache/models/bench-100m-f16.gguf, a test model with random weights)
          --threads N   llama.cpp threads (default 2)
          --runs N      repetitions; every figure is the median (default 5)
          --steps N     decode steps per measurement (default 64)
          --out FILE    JSON result (default bench/results/inference.json)

        raw_* is the floor (llama_decode + greedy sampling, no scheduler); engine_* is the same work
        through DecodeScheduler, measured where a client sees the stream. Raw and engine runs
        alternate so a busy machine affects both alike. Targets: engine/raw ≥ 0.97 at 1 sequence,
        ≥ 0.95 at 4, and prefix reuse cuts time to first token ≥ 3× for a 1,000-token shared prefix.
        """);
    return 0;
}
string? Arg(string flag) => argv.IndexOf(flag) is var i and >= 0 && i + 1 < argv.Count ? argv[i + 1] : null;
var modelPath = Arg("--model") ?? Appliance.TestModels.TestModels.Bench100MF16;
var threads = int.Parse(Arg("--threads") ?? "2", CultureInfo.InvariantCulture);
if (argv.FirstOrDefault() == "prefill")
    return await PrefillBench.RunAsync(modelPath, threads, int.Parse(Arg("--prompt-tokens") ?? "2000", CultureInfo.InvariantCulture),
        int.Parse(Arg("--runs") ?? "3", CultureInfo.InvariantCulture), Arg("--out") ?? Path.Combine("bench", "results", $"prefill-{threads}t.json"),
        Arg("--prefill-chunk") is { } chunk ? int.Parse(chunk, CultureInfo.InvariantCulture) : null);
if (argv.FirstOrDefault() == "priority")
    return await PriorityBench.RunAsync(modelPath, threads, int.Parse(Arg("--runs") ?? "3", CultureInfo.InvariantCulture),
        Arg("--out") ?? Path.Combine("bench", "results", "priority.json"));
if (argv.FirstOrDefault() == "batched")
    return await BatchedLimit.RunAsync(modelPath, threads,
        int.Parse(Arg("--prompt-tokens") ?? "256", CultureInfo.InvariantCulture),
        int.Parse(Arg("--generate") ?? "128", CultureInfo.InvariantCulture),
        [.. (Arg("--sequences") ?? "1,4,8,16").Split(',').Select(n => int.Parse(n, CultureInfo.InvariantCulture))],
        int.Parse(Arg("--runs") ?? "3", CultureInfo.InvariantCulture));
var runs = int.Parse(Arg("--runs") ?? "5", CultureInfo.InvariantCulture);
var steps = int.Parse(Arg("--steps") ?? "64", CultureInfo.InvariantCulture);
var outFile = Arg("--out") ?? Path.Combine("bench", "results", "inference.json");

var runtime = LlamaRuntime.Load(NullLoggerFactory.Instance);
var (model, info, _) = await new ModelLoader(runtime).LoadAsync(new ModelRequest("bench", modelPath, null, long.MaxValue), CancellationToken.None);
Console.Error.WriteLine($"model {Path.GetFileName(modelPath)}: {model.ParameterCount / 1e6:F0} M params, {model.SizeBytes / 1048576.0:F0} MiB" +
                        (info.IsTestModel ? " (test model, random weights)" : "") + $"; {threads} threads, {runs} runs, {steps} steps");

var prompt = model.Tokenize("please find the client contract and the invoice", addSpecial: true, parseSpecial: false);
var prefixText = string.Join(' ', Enumerable.Repeat("the office policy for client files, letters and the salary report of the staff", 200));
var prefix = model.Tokenize(prefixText, addSpecial: true, parseSpecial: false)[..1000];
int[] Question(int i) => [.. prefix, .. model.Tokenize($" question number {i} about the court case", addSpecial: false, parseSpecial: false)];

var raw = new RawDecodeLoop(model, threads);
await using var scheduler = new DecodeScheduler(model, new SchedulerOptions(Parallel: 8, ContextPerSequence: 1280, QueueLimit: 64, Threads: threads), NullLogger.Instance);
await using var noReuse = new DecodeScheduler(model, new SchedulerOptions(Parallel: 1, ContextPerSequence: 1280, QueueLimit: 4, Threads: threads, PrefixReuse: false), NullLogger.Instance);
var engine = new EngineRuns(scheduler);

// Warm-up: page in the weights, build the graphs once.
raw.DecodeTokensPerSecond(prompt, 1, 8);
await engine.DecodeTokensPerSecondAsync(prompt, 1, 8);

var samples = new Dictionary<string, List<double>>();
void Add(string key, double value) => (samples.TryGetValue(key, out var l) ? l : samples[key] = []).Add(value);
for (var run = 0; run < runs; run++)
{
    Add("raw_decode_tps_1", raw.DecodeTokensPerSecond(prompt, 1, steps));
    Add("engine_decode_tps_1", await engine.DecodeTokensPerSecondAsync(prompt, 1, steps));
    Add("raw_decode_tps_4", raw.DecodeTokensPerSecond(prompt, 4, steps));
    Add("engine_decode_tps_4", await engine.DecodeTokensPerSecondAsync(prompt, 4, steps));
    Add("engine_decode_tps_8", await engine.DecodeTokensPerSecondAsync(prompt, 8, steps));
    Add("prefill_tps", raw.PrefillTokensPerSecond(prefix));
    Add("ttft_without_prefix_reuse", await new EngineRuns(noReuse).TimeToFirstTokenMsAsync(Question(2 * run)));
    await engine.TimeToFirstTokenMsAsync(Question(1000 + run)); // puts the prefix in the cache
    Add("ttft_with_prefix_reuse", await engine.TimeToFirstTokenMsAsync(Question(2 * run + 1)));
    Console.Error.WriteLine($"run {run + 1}/{runs}: " + string.Join(", ", samples.Select(kv => $"{kv.Key} {kv.Value[^1]:F1}")));
}

double Median(string key)
{
    var sorted = samples[key].Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
}
var r1 = Median("engine_decode_tps_1") / Median("raw_decode_tps_1");
var r4 = Median("engine_decode_tps_4") / Median("raw_decode_tps_4");
var ttftSpeedup = Median("ttft_without_prefix_reuse") / Median("ttft_with_prefix_reuse");
var load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";

var json = new JsonObject
{
    ["model"] = Path.GetFileName(modelPath),
    ["model_params"] = model.ParameterCount,
    ["test_model"] = info.IsTestModel,
    ["threads"] = threads,
    ["runs"] = runs,
    ["decode_steps"] = steps,
    ["raw_decode_tps_1"] = Math.Round(Median("raw_decode_tps_1"), 1),
    ["engine_decode_tps_1"] = Math.Round(Median("engine_decode_tps_1"), 1),
    ["raw_decode_tps_4"] = Math.Round(Median("raw_decode_tps_4"), 1),
    ["engine_decode_tps_4"] = Math.Round(Median("engine_decode_tps_4"), 1),
    ["engine_decode_tps_8"] = Math.Round(Median("engine_decode_tps_8"), 1),
    ["engine_ttft_ms"] = new JsonObject
    {
        ["shared_prefix_tokens"] = prefix.Length,
        ["without_prefix_reuse"] = Math.Round(Median("ttft_without_prefix_reuse"), 1),
        ["with_prefix_reuse"] = Math.Round(Median("ttft_with_prefix_reuse"), 1),
    },
    ["prefill_tps"] = Math.Round(Median("prefill_tps"), 1),
    ["ratios"] = new JsonObject
    {
        ["engine_vs_raw_1"] = Math.Round(r1, 3),
        ["engine_vs_raw_4"] = Math.Round(r4, 3),
        ["prefix_reuse_ttft_speedup"] = Math.Round(ttftSpeedup, 1),
    },
    ["targets_met"] = new JsonObject
    {
        ["engine_vs_raw_1_ge_0_97"] = r1 >= 0.97,
        ["engine_vs_raw_4_ge_0_95"] = r4 >= 0.95,
        ["prefix_reuse_ge_3x"] = ttftSpeedup >= 3,
    },
    ["samples"] = new JsonObject(samples.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)new JsonArray([.. kv.Value.Select(v => (JsonNode)Math.Round(v, 1))])))),
    ["load_average_at_end"] = load,
    ["measured_at"] = DateTimeOffset.UtcNow.ToString("O"),
};
Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outFile))!);
await File.WriteAllTextAsync(outFile, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");

Console.WriteLine($"inference benchmark — {json["model"]} ({model.ParameterCount / 1e6:F0} M params, test model: output meaningless), {threads} threads, median of {runs}");
Console.WriteLine($"{"measure",-34} {"raw",10} {"engine",10} {"ratio",8}  target");
Console.WriteLine($"{"decode tok/s, 1 sequence",-34} {Median("raw_decode_tps_1"),10:F1} {Median("engine_decode_tps_1"),10:F1} {r1,8:F3}  ≥ 0.97 {(r1 >= 0.97 ? "met" : "MISSED")}");
Console.WriteLine($"{"decode tok/s, 4 sequences (total)",-34} {Median("raw_decode_tps_4"),10:F1} {Median("engine_decode_tps_4"),10:F1} {r4,8:F3}  ≥ 0.95 {(r4 >= 0.95 ? "met" : "MISSED")}");
Console.WriteLine($"{"decode tok/s, 8 sequences (total)",-34} {"",10} {Median("engine_decode_tps_8"),10:F1}");
Console.WriteLine($"{"prefill tok/s (1,000 tokens)",-34} {Median("prefill_tps"),10:F1}");
Console.WriteLine($"{"TTFT ms, 1,000-token prefix, cold",-34} {"",10} {Median("ttft_without_prefix_reuse"),10:F1}");
Console.WriteLine($"{"TTFT ms, prefix reused",-34} {"",10} {Median("ttft_with_prefix_reuse"),10:F1} {ttftSpeedup,7:F1}×  ≥ 3× {(ttftSpeedup >= 3 ? "met" : "MISSED")}");
Console.WriteLine($"load average at the end: {load} (2 shared cores: other work on the machine lowers every figure)");
Console.WriteLine($"wrote {outFile}");
return 0;
