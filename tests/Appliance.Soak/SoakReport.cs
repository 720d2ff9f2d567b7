using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Appliance.Soak;

public sealed record RouteFigures(string Route, IReadOnlyDictionary<string, int> ByStatus, double P50Ms, double P95Ms, double P99Ms);

/// <summary>What a soak run measured, and whether the invariants held.</summary>
public sealed record SoakReport(
    double Seconds, int Clients, int QueueLimit, int Parallel, IReadOnlyList<RouteFigures> Routes,
    double? FirstTokenP50Ms, double? FirstTokenP95Ms, double? TokensPerSecondP50, double QueueDepthMax, double QueueDepthMean,
    IReadOnlyList<double[]> QueueDepthOverTime, IReadOnlyList<MemorySample> MemoryOverTime, int UploadPercent, double RssAfterWarmUpMiB, double RssEndMiB, double RssGrowthPercent,
    int ServerErrors, int TooManyRequests, int TooManyWithoutRetryAfter, int Hung, int Leaks, IReadOnlyList<string> LeakExamples,
    int TransportErrors, bool QueryLogChainIntact, string QueryLogVerdict, int AgentExitCode, IReadOnlyList<string> Violations)
{
    public bool Passed => Violations.Count == 0;

    public static SoakReport From(LoadRun run, SoakBox box, TimeSpan duration, int queueLimit, int parallel, long rssEnd,
        bool chainIntact, string chainVerdict, int exitCode, bool checkRss)
    {
        var samples = run.Samples.ToList();
        var routes = samples.Where(s => s.Route != "transport").GroupBy(s => s.Route).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g =>
            {
                var latencies = g.Where(s => s.Status is >= 200 and < 300).Select(s => s.LatencyMs).Order().ToList();
                return new RouteFigures(g.Key, g.GroupBy(s => s.Status.ToString(CultureInfo.InvariantCulture)).OrderBy(s => s.Key, StringComparer.Ordinal).ToDictionary(s => s.Key, s => s.Count()),
                    Percentile(latencies, 0.50), Percentile(latencies, 0.95), Percentile(latencies, 0.99));
            }).ToList();
        var ttft = samples.Where(s => s.FirstTokenMs is not null).Select(s => s.FirstTokenMs!.Value).Order().ToList();
        var tps = samples.Where(s => s.TokensPerSecond is > 0).Select(s => s.TokensPerSecond!.Value).Order().ToList();
        var depth = run.QueueDepth.ToList();
        var rssStart = run.RssAfterWarmUp / 1048576.0;
        var rssEndMiB = rssEnd / 1048576.0;
        var growth = rssStart > 0 ? (rssEndMiB - rssStart) / rssStart * 100 : 0;

        var violations = new List<string>();
        var serverErrors = samples.Count(s => s.Status >= 500);
        var tooMany = samples.Count(s => s.Status == 429);
        var withoutRetry = samples.Count(s => s.Status == 429 && !s.RetryAfterSent);
        if (serverErrors > 0) violations.Add($"{serverErrors} responses were 5xx");
        if (withoutRetry > 0) violations.Add($"{withoutRetry} responses were 429 without Retry-After");
        if (run.Hung.Count > 0) violations.Add($"{run.Hung.Count} requests never ended (limit {LoadRun.RequestLimit.TotalSeconds} s), e.g. {run.Hung.First()}");
        if (run.Leaks.Count > 0) violations.Add($"{run.Leaks.Count} citations named a collection the caller may not read, e.g. {run.Leaks.First()}");
        if (!chainIntact) violations.Add($"the query-log chain does not verify: {chainVerdict}");
        if (samples.Count(s => s.Status is >= 200 and < 300) == 0) violations.Add("no request succeeded");
        var transport = samples.Count(s => s.Route == "transport");
        if (transport > 0) violations.Add($"{transport} requests failed below HTTP (connection reset or refused), e.g. {run.Problems.FirstOrDefault()}");
        if (checkRss && growth > 10) violations.Add($"RSS grew {growth:0.0} % after warm-up ({rssStart:0} → {rssEndMiB:0} MiB)");
        if (exitCode != 0) violations.Add($"the agent exited with {exitCode} on SIGTERM (expected a clean drain)");

        return new SoakReport(duration.TotalSeconds, box.Users.Count, queueLimit, parallel, routes,
            ttft.Count == 0 ? null : Percentile(ttft, 0.5), ttft.Count == 0 ? null : Percentile(ttft, 0.95), tps.Count == 0 ? null : Percentile(tps, 0.5),
            depth.Count == 0 ? 0 : depth.Max(d => d.Depth), depth.Count == 0 ? 0 : depth.Average(d => d.Depth),
            [.. depth.Select(d => new[] { Math.Round(d.At, 1), d.Depth })], [.. run.Memory], run.UploadPercent, Math.Round(rssStart, 1), Math.Round(rssEndMiB, 1), Math.Round(growth, 1),
            serverErrors, tooMany, withoutRetry, run.Hung.Count, run.Leaks.Count, [.. run.Leaks.Take(5).Select(l => l.ToString())],
            transport, chainIntact, chainVerdict, exitCode, violations);
    }

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? 0 : Math.Round(sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)], 1);

    public string ToJson() => JsonSerializer.Serialize(this, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower });

    public string ToMarkdown()
    {
        var md = new StringBuilder();
        md.AppendLine("# Soak run").AppendLine();
        md.AppendLine($"{Clients} users with their own tokens and groups, {Seconds:0} s against one agent on loopback (2 cores shared), " +
                      $"generated test models (meaningless text), {Parallel} parallel sequences, queue limit {QueueLimit}, uploads {UploadPercent} % of requests.").AppendLine();
        md.AppendLine("| route | requests by status | p50 ms | p95 ms | p99 ms |").AppendLine("| --- | --- | --- | --- | --- |");
        foreach (var r in Routes)
            md.AppendLine($"| `{r.Route}` | {string.Join(", ", r.ByStatus.Select(s => $"{s.Key}: {s.Value}"))} | {r.P50Ms} | {r.P95Ms} | {r.P99Ms} |");
        md.AppendLine();
        md.AppendLine($"- time to first token (/api/ask): p50 {FirstTokenP50Ms?.ToString("0") ?? "-"} ms, p95 {FirstTokenP95Ms?.ToString("0") ?? "-"} ms");
        md.AppendLine($"- decode speed per answer: p50 {TokensPerSecondP50?.ToString("0.0") ?? "-"} tok/s");
        md.AppendLine($"- queue depth: max {QueueDepthMax:0}, mean {QueueDepthMean:0.0} (sampled every second from /metrics)");
        md.AppendLine($"- agent RSS: {RssAfterWarmUpMiB:0} MiB after warm-up → {RssEndMiB:0} MiB at the end ({RssGrowthPercent:+0.0;-0.0} %)");
        if (MemoryOverTime.Count > 0)
        {
            var first = MemoryOverTime.First(m => m.AtSeconds >= Seconds / 4 || m == MemoryOverTime[^1]);
            var last = MemoryOverTime[^1];
            md.AppendLine($"- where the memory is (after warm-up → end, MiB): managed heap {first.ManagedHeapMiB} → {last.ManagedHeapMiB}, " +
                          $"GC committed {first.GcCommittedMiB} → {last.GcCommittedMiB}, SQLite {first.SqliteMiB} → {last.SqliteMiB}; " +
                          $"documents in the index {first.IndexDocuments} → {last.IndexDocuments} (uploads rewrite {LoadRun.NotesPerUser} notes per user)");
        }
        md.AppendLine($"- 5xx: {ServerErrors} · 429: {TooManyRequests} (without Retry-After: {TooManyWithoutRetryAfter}) · never ended: {Hung} · group leaks: {Leaks} · transport errors: {TransportErrors}");
        md.AppendLine($"- query log after the run: {QueryLogVerdict}");
        md.AppendLine($"- agent exit on SIGTERM: {AgentExitCode}").AppendLine();
        md.AppendLine(Passed ? "**All invariants held.**" : "**Invariants violated:**");
        foreach (var v in Violations) md.AppendLine($"- {v}");
        return md.ToString();
    }
}
