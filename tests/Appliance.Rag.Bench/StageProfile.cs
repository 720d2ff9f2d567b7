using System.Diagnostics;
using Appliance.Rag.Index;
using Appliance.Rag.Retrieval;

namespace Appliance.Rag.Bench;

/// <summary>
/// Where a hybrid query's time goes, stage by stage, replaying HybridSearch's steps with a clock
/// around each (what to optimise is read from this, not guessed), next to the previous lexical
/// stage (one FTS5 query OR-ing every word, bm25 top-n) timed on the same index in the same run.
/// </summary>
internal static class StageProfile
{
    public sealed record Stage(string Name, double P50, double P95);

    public static IReadOnlyList<Stage> Run(string databasePath, string model, IReadOnlyList<Question> questions,
        IReadOnlyDictionary<string, ReadOnlyMemory<float>> queryVectors, int k, int rounds)
    {
        using var index = LibraryIndex.Open(databasePath);
        index.Vectors.Load(model);
        var vectors = index.Vectors.InMemory;
        var readable = index.Collections.All();
        var candidates = Math.Max(40, k * 8);
        var stages = new Dictionary<string, List<double>>();
        void Add(string stage, double ms) => (stages.TryGetValue(stage, out var l) ? l : stages[stage] = []).Add(ms);

        for (var round = 0; round < rounds; round++)
            foreach (var q in questions)
            {
                var total = Stopwatch.StartNew();
                var clock = Stopwatch.StartNew();
                using var connection = index.Connect();
                using var snapshot = connection.BeginTransaction(deferred: true);
                Add("1 connect", Lap(clock));
                var terms = FtsQuery.Terms(q.Text);
                var plans = readable.Select(c => (c.FtsTable, Matches: CommonTermsRanking.Plan(connection, snapshot,
                    index.Chunks.Statistics(connection, snapshot, c), index.Chunks.QueryTerms(connection, snapshot, c, q.Text), index.Frequencies))).ToList();
                Add("2 plan: row count, word frequencies", Lap(clock));
                var lexical = plans.Select(p => p.Matches
                    .Select(m => Task.Run(() => { using var own = index.Connect(); return CommonTermsRanking.TopN(own, null, p.FtsTable, m, candidates); }))
                    .ToArray()).ToList();
                var rankings = lexical.Select(tasks => CommonTermsRanking.Merge(Task.WhenAll(tasks).GetAwaiter().GetResult(), candidates)).ToList();
                Add("3 fts5 bm25 top-n (planned queries side by side)", Lap(clock));
                var nearest = vectors.Search(queryVectors[q.Text].Span, [.. readable.Select(c => c.Id)], candidates);
                Add("4 vector scan (int8 + exact shortlist)", Lap(clock));
                var fused = new Dictionary<long, double>();
                foreach (var ranking in rankings)
                    for (var rank = 0; rank < ranking.Count; rank++) fused[ranking[rank].ChunkId] = 1.0 / (61 + rank);
                for (var rank = 0; rank < nearest.Count; rank++)
                    fused[nearest[rank].ChunkId] = fused.GetValueOrDefault(nearest[rank].ChunkId) + 1.0 / (61 + rank);
                var ordered = fused.OrderByDescending(f => f.Value).ThenBy(f => f.Key).Take(candidates).ToList();
                Add("5 fusion", Lap(clock));
                var chunks = index.Chunks.ForHits(connection, snapshot, [.. ordered.Select(o => o.Key)], [.. readable.Select(c => c.Id)]);
                Add("6 chunk rows", Lap(clock));
                var duplicates = new NearDuplicates();
                var hits = 0;
                foreach (var (id, _) in ordered)
                {
                    if (hits >= k) break;
                    if (!chunks.TryGetValue(id, out var chunk) || !duplicates.TryAccept(chunk.Text)) continue;
                    Snippet.For(chunk.Text, terms);
                    hits++;
                }
                Add("7 near-duplicates, snippets", Lap(clock));
                Add("total (without the query embedding)", total.Elapsed.TotalMilliseconds);

                clock.Restart();
                foreach (var collection in readable)
                    CommonTermsRanking.TopN(connection, snapshot, collection.FtsTable,
                        string.Join(" OR ", index.Chunks.QueryTerms(connection, snapshot, collection, q.Text).Select(t => $"\"{t}\"")), candidates);
                Add("baseline: one fts5 query OR-ing every word", Lap(clock));
            }

        var result = stages.OrderBy(s => s.Key, StringComparer.Ordinal)
            .Select(s => new Stage(s.Key, Metrics.Percentile(s.Value, 50), Metrics.Percentile(s.Value, 95))).ToList();
        Console.WriteLine($"| stage ({questions.Count} questions x {rounds}, k={k}, {candidates} candidates) | p50 ms | p95 ms |");
        Console.WriteLine("| --- | --- | --- |");
        foreach (var stage in result) Console.WriteLine($"| {stage.Name} | {stage.P50:0.00} | {stage.P95:0.00} |");
        return result;
    }

    private static double Lap(Stopwatch clock)
    {
        var ms = clock.Elapsed.TotalMilliseconds;
        clock.Restart();
        return ms;
    }
}
