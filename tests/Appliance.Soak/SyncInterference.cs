using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Appliance.Soak;

/// <summary>What one phase of questions measured: time to first token of /api/ask and latency of /api/search, in ms.</summary>
public sealed record PhaseFigures(int Asks, double AskFirstTokenP50, double AskFirstTokenP95, int Searches, double SearchP50, double SearchP95);

/// <summary>
/// Does indexing starve questions? One employee asks and searches one request at a time, first on
/// an idle agent, then while the agent's own sync indexes a folder of new documents dropped into a
/// watched collection; the same questions, the same agent, the trained embedding model (its cost is
/// the real one). Reports both phases and their ratios, repeated, medians.
/// </summary>
public static class SyncInterference
{
    public static async Task<JsonObject> RunAsync(int documents, int rounds, IProgress<string> progress, CancellationToken ct)
    {
        var results = new List<(PhaseFigures Idle, PhaseFigures Syncing, double SyncSeconds)>();
        for (var round = 1; round <= rounds; round++)
        {
            var memos = Directory.CreateTempSubdirectory("interference-memos").FullName;
            using var box = new SoakBox(users: 1, queueLimit: 16, parallel: 2, memos: memos, embeddingModel: "all-minilm-l6-v2-f16.gguf");
            box.AdminToken = (await AgentProcess.VerbAsync(box, ct, "users", "token", SoakBox.Admin, "--label", "bench")).EnsureSuccess().StandardOutput.Trim();
            await using var agent = await AgentProcess.StartAsync(box, ct);
            using var http = new HttpClient { BaseAddress = agent.Address, Timeout = TimeSpan.FromMinutes(2) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", box.AdminToken);
            await WaitForIdleSyncAsync(http, ct);

            var idle = await MeasureAsync(http, () => true, minimumAsks: 12, ct);
            WriteMemos(memos, documents);
            var clock = Stopwatch.StartNew();
            var syncing = true;
            var watcher = Task.Run(async () =>
            {
                await WaitForDocumentsAsync(http, documents, ct);
                syncing = false;
            }, ct);
            var busy = await MeasureAsync(http, () => !syncing, minimumAsks: 12, ct);
            await watcher;
            var seconds = clock.Elapsed.TotalSeconds;
            progress.Report($"round {round}: idle ask TTFT p50 {idle.AskFirstTokenP50:0} ms, search p95 {idle.SearchP95:0} ms; " +
                            $"during the sync of {documents} documents ({seconds:0} s) {busy.AskFirstTokenP50:0} ms, {busy.SearchP95:0} ms");
            results.Add((idle, busy, seconds));
            Directory.Delete(memos, recursive: true);
        }

        static double Median(IEnumerable<double> values)
        {
            var sorted = values.Order().ToList();
            return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
        }
        var ttftRatio = Median(results.Select(r => r.Syncing.AskFirstTokenP50 / r.Idle.AskFirstTokenP50));
        var ttft95Ratio = Median(results.Select(r => r.Syncing.AskFirstTokenP95 / r.Idle.AskFirstTokenP95));
        var searchRatio = Median(results.Select(r => r.Syncing.SearchP95 / r.Idle.SearchP95));
        return new JsonObject
        {
            ["what"] = "one employee's /api/ask (time to first token) and /api/search (latency), one request at a time, on an idle agent and while the agent's own sync indexes new documents dropped into a watched folder",
            ["documents"] = documents,
            ["rounds"] = rounds,
            ["embedding_model"] = "all-minilm-l6-v2-f16 (trained; 1 llama.cpp thread for chat and embeddings)",
            ["chat_model"] = "tiny-chat (generated, random weights)",
            ["ratio_ask_first_token_p50"] = Math.Round(ttftRatio, 3),
            ["ratio_ask_first_token_p95"] = Math.Round(ttft95Ratio, 3),
            ["ratio_search_p95"] = Math.Round(searchRatio, 3),
            ["sync_seconds_median"] = Math.Round(Median(results.Select(r => r.SyncSeconds)), 1),
            ["runs"] = new JsonArray([.. results.Select(r => (JsonNode)new JsonObject
            {
                ["idle"] = JsonSerializer.SerializeToNode(r.Idle),
                ["during_sync"] = JsonSerializer.SerializeToNode(r.Syncing),
                ["sync_seconds"] = Math.Round(r.SyncSeconds, 1),
            })]),
            ["load_average"] = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : null,
            ["processors"] = Environment.ProcessorCount,
            ["measured_at"] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture),
        };
    }

    public static string Table(JsonObject result)
    {
        var text = new StringBuilder();
        text.AppendLine("| round | ask TTFT p50 idle → syncing (ms) | ask TTFT p95 | search p95 | sync (s) |");
        text.AppendLine("| --- | --- | --- | --- | --- |");
        var i = 0;
        foreach (var run in result["runs"]!.AsArray())
        {
            var idle = run!["idle"]!;
            var busy = run["during_sync"]!;
            double Ms(JsonNode phase, string name) => phase[name]!.GetValue<double>();
            text.AppendLine(CultureInfo.InvariantCulture, $"| {++i} | {Ms(idle, "AskFirstTokenP50"):0} → {Ms(busy, "AskFirstTokenP50"):0} | " +
                $"{Ms(idle, "AskFirstTokenP95"):0} → {Ms(busy, "AskFirstTokenP95"):0} | {Ms(idle, "SearchP95"):0} → {Ms(busy, "SearchP95"):0} | {run["sync_seconds"]} |");
        }
        text.AppendLine(CultureInfo.InvariantCulture, $"median ratios (syncing / idle): ask TTFT p50 {result["ratio_ask_first_token_p50"]}, " +
            $"p95 {result["ratio_ask_first_token_p95"]}, search p95 {result["ratio_search_p95"]}; load average {result["load_average"]}");
        return text.ToString();
    }

    private static void WriteMemos(string folder, int documents)
    {
        for (var i = 0; i < documents; i++)
            File.WriteAllText(Path.Combine(folder, $"memo-{i:D4}.md"),
                $"# Memo {i}\n\n## Scope\n\nMemo {i} sets out how the office handles matter {i}: intake, conflict check, engagement letter.\n\n" +
                string.Join("\n\n", Enumerable.Range(0, 5).Select(p => $"Paragraph {p} of memo {i}: who does what by when, and where the files are kept.")) + "\n");
    }

    private static async Task<PhaseFigures> MeasureAsync(HttpClient http, Func<bool> done, int minimumAsks, CancellationToken ct)
    {
        var asks = new List<double>();
        var searches = new List<double>();
        var questions = LoadRun.Questions;
        for (var i = 0; asks.Count < minimumAsks || !done(); i++)
        {
            var question = questions[i % questions.Length];
            var watch = Stopwatch.StartNew();
            using (var search = await http.PostAsJsonAsync("/api/search", new { query = question }, ct))
            {
                search.EnsureSuccessStatusCode();
                await search.Content.ReadAsByteArrayAsync(ct);
            }
            searches.Add(watch.Elapsed.TotalMilliseconds);

            watch.Restart();
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/ask") { Content = JsonContent.Create(new { question, max_tokens = 8 }) };
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            response.EnsureSuccessStatusCode();
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
            double? first = null;
            while (await reader.ReadLineAsync(ct) is { } line)
                if (first is null && line.StartsWith("event: delta", StringComparison.Ordinal)) first = watch.Elapsed.TotalMilliseconds;
            if (first is { } ms) asks.Add(ms);
            if (i > 10_000) throw new InvalidOperationException("the sync did not finish");
        }
        asks.Sort();
        searches.Sort();
        return new PhaseFigures(asks.Count, P(asks, 0.5), P(asks, 0.95), searches.Count, P(searches, 0.5), P(searches, 0.95));
    }

    private static double P(List<double> sorted, double p) => sorted.Count == 0 ? double.NaN : sorted[(int)Math.Min(sorted.Count - 1, Math.Ceiling(p * sorted.Count) - 1)];

    private static async Task WaitForIdleSyncAsync(HttpClient http, CancellationToken ct) =>
        await Eventually(async () =>
        {
            var status = await http.GetFromJsonAsync<JsonElement>("/api/ingest", ct);
            return status.GetProperty("state").GetString() != "running" && status.GetProperty("queued").GetArrayLength() == 0;
        }, TimeSpan.FromMinutes(5), "the sync at start ends");

    private static async Task WaitForDocumentsAsync(HttpClient http, int documents, CancellationToken ct) =>
        await Eventually(async () =>
        {
            var status = await http.GetFromJsonAsync<JsonElement>("/api/ingest", ct);
            var memos = status.GetProperty("collections").EnumerateArray().Single(c => c.GetProperty("id").GetString() == "memos");
            return memos.GetProperty("documents").GetInt64() >= documents
                   && status.GetProperty("state").GetString() != "running" && status.GetProperty("queued").GetArrayLength() == 0;
        }, TimeSpan.FromMinutes(30), $"the sync indexes {documents} documents");
}
