using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Appliance.Exec;

namespace Appliance.Soak;

/// <summary>What N closed-loop streaming clients of /v1/chat/completions got from the agent at one concurrency.</summary>
/// <param name="GeneratedTokensPerSecond">every client's completion tokens over the wall time from the first request to the last end</param>
/// <param name="InterTokenP95Ms">gaps between a stream's consecutive content chunks, all streams pooled</param>
/// <param name="TimeShares">where the time went: each decode-loop part's and each streaming part's seconds per second of wall time (from /metrics)</param>
public sealed record ServingFigures(int Concurrency, int Requests, double GeneratedTokensPerSecond, double TtftP50Ms, double TtftP95Ms, double InterTokenP95Ms, int PromptTokens,
    IReadOnlyDictionary<string, double> TimeShares);

/// <summary>
/// The agent as a client of its OpenAI API sees it, beside the engine's limit: the agent started as a real
/// process on the ~100 M F16 bench model, N streamed clients that send their next request when the last
/// one ends, a fixed prompt and exactly <c>generate</c> tokens per request (ignore_eos), against the raw
/// batched loop over the same native build (inference-bench batched, llama-batched-bench's measure) on
/// the same model, prompt length and output length, in the same run. The agent is stopped while the raw
/// loop runs: they never share the cores.
/// </summary>
public static class ServingBench
{
    private const int Generate = 128;

    /// <summary>About 2,000 tokens in the chat format, a RAG prompt's size (a system prompt, six ~300-token sources and the question).</summary>
    private const int RagPromptWords = 1300;

    /// <summary>The agent's prompt piece beside others' decoding (its scheduler's default).</summary>
    private static int PromptPiece => new Appliance.Inference.SchedulerOptions(Parallel: 1, ContextPerSequence: 1, QueueLimit: 1, Threads: 1).PrefillChunk;

    public static string BenchDll => Path.Combine(SoakBox.RepositoryRoot, "tests", "Appliance.Inference.Bench", "bin", "Release", "net10.0", "inference-bench.dll");

    public static async Task<JsonObject> RunAsync(IReadOnlyList<int> threadCounts, IReadOnlyList<int> concurrencies, int requestsPerClient, int runs,
        IProgress<string> progress, CancellationToken ct)
    {
        var result = new JsonObject
        {
            ["model"] = "bench-100m-f16.gguf (generated test model, random weights: the text is meaningless)",
            ["generated_tokens_per_request"] = Generate,
            ["requests_per_client"] = requestsPerClient,
            ["runs"] = runs,
            ["load_average_at_start"] = LoadAverage(),
            ["note"] = "2 shared cores; other builds may run at the same time, so absolute figures are low and noisy: read the ratios (each run measures the agent, then the limit with the agent stopped; repeated runs, medians).",
        };
        var byThreads = new JsonObject();
        foreach (var threads in threadCounts)
        {
            var agentRuns = new List<IReadOnlyList<ServingFigures>>();
            var limitRuns = new List<JsonObject>();
            for (var run = 1; run <= runs; run++)
            {
                var figures = await AgentAsync(threads, concurrencies, requestsPerClient, progress, ct);
                agentRuns.Add(figures);
                var limit = await LimitAsync(threads, figures[0].PromptTokens, concurrencies, ct);
                limitRuns.Add(limit);
                progress.Report($"threads {threads}, run {run}: " + string.Join("; ", figures.Select(f =>
                    $"{f.Concurrency} clients {f.GeneratedTokensPerSecond:F1} tok/s vs limit {Limit(limit, f.Concurrency, "generated_tps"):F1}")));
            }
            var levels = new JsonObject();
            foreach (var (c, i) in concurrencies.Select((c, i) => (c, i)))
            {
                var agent = Median(agentRuns.Select(r => r[i].GeneratedTokensPerSecond));
                var limit = Median(limitRuns.Select(l => Limit(l, c, "generated_tps")));
                levels[c.ToString(CultureInfo.InvariantCulture)] = new JsonObject
                {
                    ["agent_generated_tps"] = Math.Round(agent, 1),
                    ["limit_generated_tps"] = Math.Round(limit, 1),
                    ["ratio"] = Math.Round(Median(agentRuns.Select((r, k) => r[i].GeneratedTokensPerSecond / Limit(limitRuns[k], c, "generated_tps"))), 3),
                    ["ttft_p50_ms"] = Math.Round(Median(agentRuns.Select(r => r[i].TtftP50Ms)), 1),
                    ["ttft_p95_ms"] = Math.Round(Median(agentRuns.Select(r => r[i].TtftP95Ms)), 1),
                    ["inter_token_p95_ms"] = Math.Round(Median(agentRuns.Select(r => r[i].InterTokenP95Ms)), 1),
                    ["limit_prefill_tps"] = Math.Round(Median(limitRuns.Select(l => Limit(l, c, "prefill_tps"))), 1),
                    ["limit_decode_step_ms"] = Math.Round(Median(limitRuns.Select(l => Limit(l, c, "decode_step_ms"))), 2),
                    // Seconds per second of wall time, medians of runs: the decode loop's parts sum to 1; the streaming parts run on request threads beside it.
                    ["time_shares"] = new JsonObject(agentRuns[0][i].TimeShares.Keys.Select(part =>
                        KeyValuePair.Create(part, (JsonNode?)Math.Round(Median(agentRuns.Select(r => r[i].TimeShares.GetValueOrDefault(part))), 4)))),
                    ["agent_samples_tps"] = new JsonArray([.. agentRuns.Select(r => (JsonNode)Math.Round(r[i].GeneratedTokensPerSecond, 1))]),
                    ["limit_samples_tps"] = new JsonArray([.. limitRuns.Select(l => (JsonNode)Math.Round(Limit(l, c, "generated_tps"), 1))]),
                };
            }
            var prefills = new List<PrefillOverHttp.Sample>();
            for (var run = 1; run <= runs; run++)
            {
                prefills.Add(await PrefillOverHttp.RunAsync(threads, RagPromptWords, ct));
                var p = prefills[^1];
                progress.Report($"threads {threads}, prefill run {run}: {p.PromptTokens} tokens alone {p.AloneTps:F0} tok/s, while {PrefillOverHttp.Decoders} decode {p.WhileDecodingTps:F0} tok/s, engine {p.EngineTps:F0} tok/s; decoders' gap p95 {p.GapP95Ms:F0} ms");
            }
            byThreads[threads.ToString(CultureInfo.InvariantCulture)] = new JsonObject
            {
                ["prompt_tokens"] = agentRuns[0][0].PromptTokens,
                ["concurrency"] = levels,
                ["rag_prefill"] = new JsonObject
                {
                    ["prompt_tokens"] = prefills[0].PromptTokens,
                    ["decoding_alongside"] = PrefillOverHttp.Decoders,
                    ["engine_prefill_tps"] = Math.Round(Median(prefills.Select(p => p.EngineTps)), 1),
                    ["agent_prefill_tps_alone"] = Math.Round(Median(prefills.Select(p => p.AloneTps)), 1),
                    ["agent_prefill_tps_while_decoding"] = Math.Round(Median(prefills.Select(p => p.WhileDecodingTps)), 1),
                    // Each run's own ratio, then the median: drift between runs cancels.
                    ["ratio_alone"] = Math.Round(Median(prefills.Select(p => p.AloneTps / p.EngineTps)), 3),
                    ["ratio_while_decoding"] = Math.Round(Median(prefills.Select(p => p.WhileDecodingTps / p.EngineTps)), 3),
                    // Where the prompt alone's time to first token went: inside llama_decode, and the rest (HTTP, template, tokenising, admission).
                    ["alone_ttft_s"] = Math.Round(Median(prefills.Select(p => p.AloneTtftSeconds)), 3),
                    ["alone_in_engine_s"] = Math.Round(Median(prefills.Select(p => p.AloneInEngineSeconds)), 3),
                    ["decoders_step_before_ms"] = Math.Round(Median(prefills.Select(p => p.DecoderStepMs)), 1),
                    ["decoders_gap_p95_ms"] = Math.Round(Median(prefills.Select(p => p.GapP95Ms)), 1),
                    ["decoders_gap_max_ms"] = Math.Round(Median(prefills.Select(p => p.GapMaxMs)), 1),
                    // The bound: one step holding a whole prompt piece and the decoders' tokens, at the engine's rate.
                    ["gap_bound_ms"] = Math.Round(Median(prefills.Select(p => (PromptPiece + PrefillOverHttp.Decoders) / p.EngineTps * 1000)), 1),
                    ["samples"] = new JsonArray([.. prefills.Select(p => (JsonNode)JsonSerializer.SerializeToNode(p)!)]),
                },
            };
        }
        result["threads"] = byThreads;
        result["load_average_at_end"] = LoadAverage();
        result["measured_at"] = DateTimeOffset.UtcNow.ToString("O");
        return result;
    }

    public static string Table(JsonObject result)
    {
        var table = new StringBuilder();
        table.AppendLine($"serving — {result["model"]}, {Generate} tokens per request, load average {result["load_average_at_start"]} → {result["load_average_at_end"]}");
        table.AppendLine("| threads | clients | agent tok/s | limit tok/s | ratio | TTFT p50 ms | TTFT p95 ms | inter-token p95 ms | limit prefill tok/s |");
        table.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var (threads, node) in result["threads"]!.AsObject())
            foreach (var (clients, f) in node!["concurrency"]!.AsObject())
                table.AppendLine($"| {threads} | {clients} | {f!["agent_generated_tps"]} | {f["limit_generated_tps"]} | {f["ratio"]} | {f["ttft_p50_ms"]} | {f["ttft_p95_ms"]} | {f["inter_token_p95_ms"]} | {f["limit_prefill_tps"]} |");
        table.AppendLine();
        table.AppendLine("a RAG-sized prompt (prefill = prompt tokens over the client's time to first token)");
        table.AppendLine("| threads | prompt tokens | engine tok/s | alone tok/s | ratio | while 3 decode tok/s | ratio | decoders' step ms | their gap p95 / max ms | bound ms |");
        table.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var (threads, node) in result["threads"]!.AsObject())
            if (node!["rag_prefill"] is { } r)
                table.AppendLine($"| {threads} | {r["prompt_tokens"]} | {r["engine_prefill_tps"]} | {r["agent_prefill_tps_alone"]} | {r["ratio_alone"]} | {r["agent_prefill_tps_while_decoding"]} | {r["ratio_while_decoding"]} | {r["decoders_step_before_ms"]} | {r["decoders_gap_p95_ms"]} / {r["decoders_gap_max_ms"]} | {r["gap_bound_ms"]} |");
        table.AppendLine();
        table.AppendLine("where the time went (% of wall time; decode-loop parts sum to 100, streaming parts run on request threads beside it)");
        var parts = ServingTimes.Parts;
        table.AppendLine("| threads | clients | " + string.Join(" | ", parts) + " |");
        table.AppendLine("| --- | --- | " + string.Join(" | ", parts.Select(_ => "---")) + " |");
        foreach (var (threads, node) in result["threads"]!.AsObject())
            foreach (var (clients, f) in node!["concurrency"]!.AsObject())
                table.AppendLine($"| {threads} | {clients} | " + string.Join(" | ", parts.Select(p =>
                    f!["time_shares"]?[p] is { } share ? (share.GetValue<double>() * 100).ToString("F1", CultureInfo.InvariantCulture) : "–")) + " |");
        return table.ToString();
    }

    private static async Task<IReadOnlyList<ServingFigures>> AgentAsync(int threads, IReadOnlyList<int> concurrencies, int requestsPerClient,
        IProgress<string> progress, CancellationToken ct)
    {
        await using var agent = await BenchAgent.StartAsync(concurrencies.Max(), threads, contextLength: 512, ct);
        // Warm-up with the measured work itself: pages in the weights, and lets .NET's tiered JIT recompile the hot paths
        // first (a box serves for weeks; right after start the background compiling competes with llama.cpp's threads).
        await Task.WhenAll(Enumerable.Range(0, 4).Select(client => StreamAsync(agent, -1 - client, ct)));
        var figures = new List<ServingFigures>();
        foreach (var concurrency in concurrencies)
        {
            var before = await ServingTimes.ReadAsync(agent.Http, ct);
            var clock = Stopwatch.StartNew();
            var streams = await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async client =>
            {
                var mine = new List<StreamFigures>();
                for (var r = 0; r < requestsPerClient; r++) mine.Add(await StreamAsync(agent, (concurrency * 1000 + client) * 1000 + r, ct));
                return mine;
            }));
            var wall = clock.Elapsed.TotalSeconds;
            var after = await ServingTimes.ReadAsync(agent.Http, ct);
            var all = streams.SelectMany(s => s).ToList();
            figures.Add(new ServingFigures(concurrency, all.Count, all.Sum(s => s.CompletionTokens) / wall,
                Percentile(all.Select(s => s.TtftMs), 50), Percentile(all.Select(s => s.TtftMs), 95),
                Percentile(all.SelectMany(s => s.GapsMs), 95), all[0].PromptTokens,
                after.Keys.ToDictionary(part => part, part => (after[part] - before.GetValueOrDefault(part)) / wall)));
            progress.Report($"  agent, {threads} threads, {concurrency} clients: {figures[^1].GeneratedTokensPerSecond:F1} tok/s, TTFT p50 {figures[^1].TtftP50Ms:F0} ms");
        }
        return figures;
    }

    private sealed record StreamFigures(int PromptTokens, int CompletionTokens, double TtftMs, IReadOnlyList<double> GapsMs);

    /// <summary>One streamed completion of exactly <see cref="Generate"/> tokens; every request's prompt differs in its first words so no prefix is shared.</summary>
    private static async Task<StreamFigures> StreamAsync(BenchAgent agent, int n, CancellationToken ct)
    {
        var chunks = new List<long>(Generate);
        var streamed = await agent.StreamAsync(Prompt(n), Generate, chunks, ct);
        if (streamed.CompletionTokens != Generate) throw new InvalidOperationException($"a request generated {streamed.CompletionTokens} tokens, not {Generate}");
        return new StreamFigures(streamed.PromptTokens, streamed.CompletionTokens, streamed.Ttft.TotalMilliseconds,
            [.. chunks.Zip(chunks.Skip(1), (a, b) => Stopwatch.GetElapsedTime(a, b).TotalMilliseconds)]);
    }

    /// <summary>About 256 tokens once in the chat format (14 repetitions measured 371).</summary>
    private static string Prompt(int n) =>
        $"Request {n}. " + string.Join(' ', Enumerable.Repeat("Please summarise the client contract, the invoice and the letters about the court case.", 9));

    private static async Task<JsonObject> LimitAsync(int threads, int promptTokens, IReadOnlyList<int> concurrencies, CancellationToken ct)
    {
        if (!File.Exists(BenchDll)) throw new FileNotFoundException($"{BenchDll} is missing: run `make build`");
        var output = (await new LocalCommandRunner().RunAsync(Command.Of("dotnet", [BenchDll, "batched", "--threads", threads.ToString(CultureInfo.InvariantCulture),
                "--prompt-tokens", promptTokens.ToString(CultureInfo.InvariantCulture), "--generate", Generate.ToString(CultureInfo.InvariantCulture),
                "--sequences", string.Join(',', concurrencies), "--runs", "1"])
            .WithTimeout(TimeSpan.FromMinutes(30)), ct)).EnsureSuccess().StandardOutput;
        return JsonNode.Parse(output.Trim().Split('\n')[^1])!.AsObject();
    }

    private static double Limit(JsonObject limit, int sequences, string field) =>
        limit["sequences"]![sequences.ToString(CultureInfo.InvariantCulture)]![field]!.GetValue<double>();

    private static double Percentile(IEnumerable<double> values, int percent)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(percent / 100.0 * sorted.Count) - 1)];
    }

    private static double Median(IEnumerable<double> values) => Percentile(values, 50);

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";
}
