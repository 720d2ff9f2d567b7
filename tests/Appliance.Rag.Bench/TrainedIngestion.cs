using Appliance.Rag.Embedding;
using System.Diagnostics;
using Appliance.Inference;
using Appliance.Rag.Ingestion;
using Microsoft.Data.Sqlite;

namespace Appliance.Rag.Bench;

/// <summary>What ingestion with the trained model achieved against the engine's own encode rate on the same texts.</summary>
public sealed record TrainedIngestionResult(int Pages, int Chunks, double IngestSeconds, double RawSeconds, int Rounds)
{
    public double ChunksPerSecond => Chunks / IngestSeconds;
    public double RawChunksPerSecond => Chunks / RawSeconds;
    public double Ratio => ChunksPerSecond / RawChunksPerSecond;

    public object Json => new
    {
        pages = Pages, chunks = Chunks, rounds = Rounds,
        ingest_seconds_median = Math.Round(IngestSeconds, 2), chunks_per_second = Math.Round(ChunksPerSecond, 2),
        raw_encode_seconds_median = Math.Round(RawSeconds, 2), raw_encode_chunks_per_second = Math.Round(RawChunksPerSecond, 2),
        ingest_vs_raw_encode_ratio = Math.Round(Ratio, 3),
        note = "ingest: extraction, chunking, FTS, vectors and one transaction per document, from a fresh box; raw encode: the same chunk texts "
             + "(with their heading lines, as ingestion embeds them) through the same embedding generator in batches of "
             + $"{Embedder.BatchSize}, nothing else; medians of the rounds, both in the same run",
    };
}

/// <summary>
/// Ingestion with the trained embedding model, timed against the raw encode rate of the same model on
/// the same texts in the same run: what the pipeline around the engine costs.
/// </summary>
public static class TrainedIngestion
{
    public static async Task<TrainedIngestionResult> RunAsync(string work, string corpus, EmbeddingChoice model, LlamaEmbeddingGenerator generator,
        int rounds, CancellationToken ct)
    {
        var pages = Directory.GetFiles(corpus, "*.html", SearchOption.AllDirectories).Length;
        var ingest = new List<double>();
        var chunks = 0;
        string box = "";
        for (var r = 0; r < rounds; r++)
        {
            box = BenchBox.Fresh(work, "trained-ingest", corpus, "Python documentation", "en", model);
            using var library = await BenchBox.OpenAsync(box, generator);
            var clock = Stopwatch.StartNew();
            var report = await library.IngestAsync(null, null, ct);
            ingest.Add(clock.Elapsed.TotalSeconds);
            chunks = report.Embedded;
            Console.WriteLine($"  ingest with {model.Name} round {r + 1}: {clock.Elapsed.TotalSeconds:0.0} s, {report.Embedded} vectors");
        }

        var texts = EmbeddedTexts(Path.Combine(box, "data", DocumentLibrary.DatabaseFileName));
        var raw = new List<double>();
        for (var r = 0; r < rounds; r++)
        {
            var clock = Stopwatch.StartNew();
            foreach (var batch in texts.Chunk(Embedder.BatchSize))
                await generator.GenerateAsync(batch, cancellationToken: ct);
            raw.Add(clock.Elapsed.TotalSeconds);
            Console.WriteLine($"  raw encode round {r + 1}: {clock.Elapsed.TotalSeconds:0.0} s, {texts.Count} texts");
        }
        if (texts.Count != chunks) throw new InvalidOperationException($"the box holds {texts.Count} chunks but ingestion embedded {chunks}");
        return new TrainedIngestionResult(pages, chunks, Metrics.Median(ingest), Metrics.Median(raw), rounds);
    }

    /// <summary>Every chunk's text as ingestion gave it to the model (heading line included).</summary>
    private static List<string> EmbeddedTexts(string database)
    {
        using var connection = new SqliteConnection($"Data Source={database};Mode=ReadOnly");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT title, section, text FROM chunks ORDER BY id";
        using var reader = command.ExecuteReader();
        var texts = new List<string>();
        while (reader.Read()) texts.Add(IngestionRun.EmbeddingText(reader.GetString(0), reader.GetString(1), reader.GetString(2)));
        return texts;
    }
}
