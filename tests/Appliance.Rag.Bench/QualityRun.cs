using System.Diagnostics;
using System.Text.Json;
using Appliance.Exec;
using Microsoft.Extensions.AI;

namespace Appliance.Rag.Bench;

/// <summary>recall@5 and MRR@10 of one ranker on one set.</summary>
public sealed record Score(double Recall5, double Mrr10)
{
    public static Score Of(IReadOnlyList<Question> questions, IReadOnlyList<IReadOnlyList<string>> rankings)
    {
        var (recall, mrr) = Metrics.Score(questions, rankings);
        return new Score(recall, mrr);
    }

    public object Json => new { recall_at_5 = Math.Round(Recall5, 3), mrr_at_10 = Math.Round(Mrr10, 3) };
    public override string ToString() => $"{Recall5:0.000} / {Mrr10:0.000}";
}

/// <summary>What one set measured: every ranker on the same questions over the same pages.</summary>
public sealed record QualityResult(BenchSet Set, string PackageVersion, int Pages, int Questions, int Chunks, int Vectors,
    double IngestSeconds, Score Lexical, Score Vector, Score Hybrid, Score XapianRaw, Score XapianSameTerms);

/// <summary>
/// One quality set end to end: the corpus into a fresh box (lexical and vectors, as an office
/// ingests it), then each question ranked lexical-only, vector-only and hybrid by the library, and
/// by Xapian with the set's stemmer; all judged at document level.
/// </summary>
public static class QualityRun
{
    /// <summary>Chunks fetched per question before collapsing to documents: ten distinct pages survive near-duplicates and long pages.</summary>
    private const int Depth = 50;

    public static async Task<QualityResult> RunAsync(BenchSet set, string corpus, IReadOnlyList<Question> questions, string work,
        EmbeddingChoice model, IEmbeddingGenerator<string, Embedding<float>> embeddings, ICommandRunner runner, CancellationToken ct)
    {
        var pages = Directory.GetFiles(corpus, "*.html", SearchOption.AllDirectories).Length;
        var missing = questions.SelectMany(q => q.Relevant).Where(p => !File.Exists(Path.Combine(corpus, p))).Distinct().ToList();
        if (missing.Count > 0) throw new InvalidOperationException($"{set.Questions} judges pages the corpus lacks: {string.Join(", ", missing)}");

        var xapian = new XapianAnchor(runner, Path.Combine(work, $"xapian-{set.Name}"), set.Stemmer);
        await xapian.IndexAsync(corpus, ct);
        var xapianRaw = new List<IReadOnlyList<string>>();
        var xapianTerms = new List<IReadOnlyList<string>>();
        foreach (var q in questions)
        {
            xapianRaw.Add(await xapian.SearchAsync(q.Text, 10, ct));
            xapianTerms.Add(await xapian.SearchAsync(string.Join(' ', Retrieval.FtsQuery.Terms(q.Text)), 10, ct));
        }

        var box = BenchBox.Fresh(work, $"quality-{set.Name}", corpus, set.Title, set.Language, model);
        using var library = await BenchBox.OpenAsync(box, embeddings);
        var clock = Stopwatch.StartNew();
        var report = await library.IngestAsync(null, null, ct);
        var ingestSeconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"  {set.Name}: ingested {pages} pages in {ingestSeconds:0.0} s: {report.Chunks} chunks, {report.Embedded} vectors, {report.Skipped.Count} skipped");

        var lexical = new List<IReadOnlyList<string>>();
        var vector = new List<IReadOnlyList<string>>();
        var hybrid = new List<IReadOnlyList<string>>();
        var candidates = new List<object>();
        foreach (var q in questions)
        {
            var byVector = await library.SearchAsync(new SearchRequest(q.Text, ["everyone"], Depth) { Ranking = Ranking.Vector }, ct);
            var byWords = await library.SearchAsync(new SearchRequest(q.Text, ["everyone"], Depth) { Ranking = Ranking.Lexical }, ct);
            vector.Add(Documents(byVector));
            lexical.Add(Documents(byWords));
            candidates.Add(new
            {
                question = q.Text, relevant = q.Relevant,
                lexical = byWords.Select(h => new { path = h.Path, start = h.Citation.StartChar, bm25 = h.Evidence.Bm25 }),
                vector = byVector.Select(h => new { path = h.Path, start = h.Citation.StartChar, similarity = h.Evidence.Similarity }),
            });
            hybrid.Add(Documents(await library.SearchAsync(new SearchRequest(q.Text, ["everyone"], Depth), ct)));
        }

        // Each ranker's raw candidates per question, for studying fusion offline.
        await File.WriteAllTextAsync(Path.Combine(work, $"candidates-{set.Name}.json"), JsonSerializer.Serialize(candidates), ct);

        return new QualityResult(set, await PackageVersionAsync(runner, set.Package, ct), pages, questions.Count, report.Chunks, report.Embedded,
            ingestSeconds, Score.Of(questions, lexical), Score.Of(questions, vector), Score.Of(questions, hybrid),
            Score.Of(questions, xapianRaw), Score.Of(questions, xapianTerms));
    }

    private static IReadOnlyList<string> Documents(IEnumerable<SearchHit> hits) => [.. hits.Select(h => h.Path).Distinct().Take(10)];

    private static async Task<string> PackageVersionAsync(ICommandRunner runner, string package, CancellationToken ct)
    {
        var result = await runner.RunAsync(Command.Of("dpkg-query", "-W", "-f=${Version}", package), ct);
        return result.Succeeded ? result.StandardOutput.Trim() : "not installed";
    }
}
