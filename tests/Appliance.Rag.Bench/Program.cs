using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Appliance.Config;
using Appliance.Exec;
using Appliance.Inference;
using Appliance.Rag;
using Appliance.Rag.Bench;
using Appliance.TestModels;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;


// make bench-rag. Usage: rag-bench [--sets python,en,de,fr,it|none] [--quick] [--embedding-model PATH]
//   or: rag-bench --ocr [--rounds N] [--out FILE]   (make bench-ocr, writes bench/results/ocr.json)
//   [--corpus DIR] [--work DIR] [--out FILE] [--rounds N] [--embed-pages N] [--trained-pages N] [--profile]
// --sets: the quality sets to run (default: all); --quick: quality only, no ingestion-rate or latency
// sections (one set in a couple of minutes). rag.json is merged: sections not measured in this run keep
// their previous figures, each with the time it was measured.
var options = args.Select((a, i) => (a, i)).Where(x => x.a.StartsWith("--")).ToDictionary(x => x.a, x => x.i + 1 < args.Length ? args[x.i + 1] : "");
string Option(string name, string fallback) => options.TryGetValue(name, out var v) && !v.StartsWith("--") && v.Length > 0 ? v : fallback;
var root = RepositoryRoot();
var source = Option("--corpus", "/usr/share/doc/python3.11/html");
var work = Path.GetFullPath(Option("--work", Path.Combine(root, ".cache", "bench-rag")));
var output = Path.GetFullPath(Option("--out", Path.Combine(root, "bench", "results", "rag.json")));
var rounds = int.Parse(Option("--rounds", "3"));
var quick = options.ContainsKey("--quick");
var ct = CancellationToken.None;
// make bench-ocr: its own figures and its own file.
if (options.ContainsKey("--ocr"))
    return await OcrBench.RunAsync(root, Path.GetFullPath(Option("--out", Path.Combine(root, "bench", "results", "ocr.json"))), rounds, ct);
Directory.CreateDirectory(work);
var allSets = BenchSet.All(source);
var chosen = Option("--sets", string.Join(',', allSets.Select(s => s.Name))).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
if (chosen is not ["none"] && chosen.FirstOrDefault(c => allSets.All(s => s.Name != c)) is { } unknown)
{
    Console.Error.WriteLine($"--sets: no set '{unknown}' (known: {string.Join(", ", allSets.Select(s => s.Name))})");
    return 2;
}
// --sets none: only the performance sections.
var sets = chosen is ["none"] ? [] : allSets.Where(s => chosen.Contains(s.Name)).ToList();
var model = EmbeddingChoice.Resolve(options.ContainsKey("--embedding-model") ? Option("--embedding-model", "") : null, root);
if (options.ContainsKey("--embedding-model") && Option("--embedding-model", "") == "") { Console.Error.WriteLine("--embedding-model needs a path"); return 2; }

// --profile: the stage breakdown of hybrid queries on the scaled indexes a previous full run left behind.
// Latency is measured with the trained model's width when setup made it (random unit vectors of
// that width stand in for 100k embedded chunks; its encoder embeds the questions).
var latencyModel = model.Meaningful ? model : TinyModel();
if (options.ContainsKey("--profile"))
{
    var questions = Question.Load(Path.Combine(AppContext.BaseDirectory, "questions.tsv"));
    using var embedder = await latencyModel.OpenAsync(Environment.ProcessorCount, ct);
    var queryVectors = new Dictionary<string, ReadOnlyMemory<float>>();
    foreach (var q in questions) queryVectors[q.Text] = (await embedder.GenerateAsync([q.Text]))[0].Vector;
    foreach (var size in new[] { 10_000, 100_000 })
    {
        var box = Path.Combine(work, $"box-{size}");
        var database = Path.Combine(box, "data", DocumentLibrary.DatabaseFileName);
        if (!File.Exists(database)) { Console.WriteLine($"no {database}: run the full bench once first"); continue; }
        string modelId;
        using (var named = await OpenAsync(box, embedder)) modelId = named.EmbeddingModelId!;
        Console.WriteLine($"{size} chunks:");
        StageProfile.Run(database, modelId, questions, queryVectors, 6, rounds);
        StageProfile.Run(database, modelId, questions, queryVectors, 50, 1);
    }
    return 0;
}

// ---- quality: every set, lexical / vector / hybrid / Xapian ----------------------------------
Console.WriteLine(model.Note);
var quality = new List<QualityResult>();
using (var generator = await model.OpenAsync(Environment.ProcessorCount, ct))
{
    foreach (var set in sets)
    {
        // The Python set keeps the folder the performance sections and --profile use.
        var corpus = set.Prepare(Path.Combine(work, set.Name == "python" ? "corpus" : $"corpus-{set.Name}"));
        var questions = Question.Load(Path.Combine(AppContext.BaseDirectory, set.Questions));
        Console.WriteLine($"set {set.Name}: {set.Title}, {questions.Count} questions, Xapian stemmer {set.Stemmer}");
        quality.Add(await QualityRun.RunAsync(set, corpus, questions, work, model, generator, new LocalCommandRunner(), ct));
    }
}
var measured = new JsonObject();
foreach (var q in quality)
    measured[q.Set.Name] = JsonSerializer.SerializeToNode(new
    {
        title = q.Set.Title,
        package = q.Set.Package,
        package_version = q.PackageVersion,
        language = q.Set.Language,
        questions_file = q.Set.Questions,
        questions = q.Questions,
        pages = q.Pages,
        chunks = q.Chunks,
        vectors = q.Vectors,
        ingest_seconds = Math.Round(q.IngestSeconds, 1),
        embedding_model = new { name = model.Name, sha256 = model.Sha256, trained = model.Meaningful },
        note = model.Meaningful ? null : model.Note,
        lexical = q.Lexical.Json,
        vector = q.Vector.Json,
        hybrid = q.Hybrid.Json,
        xapian_stemmer = q.Set.Stemmer,
        xapian_quest_raw_question = q.XapianRaw.Json,
        xapian_quest_same_terms = q.XapianSameTerms.Json,
        measured_at = DateTimeOffset.UtcNow,
    });

Console.WriteLine();
Console.WriteLine("| set | questions | pages | lexical R@5 / MRR@10 | vector | hybrid | Xapian (stemmer) | Xapian, our terms |");
Console.WriteLine("| --- | --- | --- | --- | --- | --- | --- | --- |");
foreach (var q in quality)
    Console.WriteLine($"| {q.Set.Name} | {q.Questions} | {q.Pages} | {q.Lexical} | {q.Vector} | {q.Hybrid} | {q.XapianRaw} ({q.Set.Stemmer}) | {q.XapianSameTerms} |");
Console.WriteLine(model.Note);

JsonObject? performance = null;
if (!quick)
{
    Console.WriteLine($"performance: corpus {source} (HTML pages only)");
    var corpus = PythonManual.Prepare(source, Path.Combine(work, "corpus"));
    var corpusFiles = Directory.GetFiles(corpus, "*.html", SearchOption.AllDirectories);
    var corpusBytes = corpusFiles.Sum(f => new FileInfo(f).Length);
    var questions = Question.Load(Path.Combine(AppContext.BaseDirectory, "questions.tsv"));
    Console.WriteLine($"  {corpusFiles.Length} pages, {corpusBytes / 1048576.0:0.0} MB; latency over {questions.Count} questions");

    // ---- omindex indexing time -------------------------------------------------------------------------
    var xapian = new XapianAnchor(new LocalCommandRunner(), Path.Combine(work, "xapian"));
    var xapianIndexTimes = new List<double>();
    for (var r = 0; r < rounds; r++) xapianIndexTimes.Add((await xapian.IndexAsync(corpus, ct)).TotalSeconds);

    // ---- lexical ingestion ---------------------------------------------------------------------
    using var embedding = await LlamaEmbeddingGenerator.OpenAsync(
        new ModelRequest("tiny-embed", TestModels.TinyEmbed, TestModelSpec.TinyEmbed.ExpectedSha256, long.MaxValue),
        threads: Environment.ProcessorCount, NullLoggerFactory.Instance, ct);

    var lexicalIngest = new List<(double Seconds, Appliance.Rag.Ingestion.IngestReport Report)>();
    string lexicalBox = "";
    for (var r = 0; r < rounds; r++)
    {
        lexicalBox = FreshBox(work, "lexical", corpus, latencyModel);
        using var library = await OpenAsync(lexicalBox, null);
        var clock = Stopwatch.StartNew();
        var report = await library.IngestAsync(null, null, ct);
        lexicalIngest.Add((clock.Elapsed.TotalSeconds, report));
        Console.WriteLine($"  lexical ingest round {r + 1}: {clock.Elapsed.TotalSeconds:0.0} s, {report.Chunks} chunks, {report.Skipped.Count} skipped");
    }
    var chunks = lexicalIngest[0].Report.Chunks;

    // ---- ingestion with embeddings (tiny model), on a slice of the corpus ---------------------------
    // The tiny test model tokenizes most words letter by letter (~4x the tokens of a real model), so the
    // whole corpus would take an hour here: a slice of pages gives the rate honestly and in minutes.
    var slicePages = int.Parse(Option("--embed-pages", "20"));
    var slice = Slice(corpus, Path.Combine(work, "corpus-slice"), slicePages);
    var sliceBytes = Directory.GetFiles(slice, "*.html", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
    var embedBox = FreshBox(work, "embedded", slice);
    double embedSeconds;
    Appliance.Rag.Ingestion.IngestReport embedReport;
    using (var library = await OpenAsync(embedBox, embedding))
    {
        var clock = Stopwatch.StartNew();
        embedReport = await library.IngestAsync(null, null, ct);
        embedSeconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"  ingest with embeddings ({slicePages} pages): {embedSeconds:0.0} s, {embedReport.Embedded} vectors");
    }
    var sliceLexical = FreshBox(work, "slice-lexical", slice);
    double sliceLexicalSeconds;
    using (var library = await OpenAsync(sliceLexical, null))
    {
        var clock = Stopwatch.StartNew();
        await library.IngestAsync(null, null, ct);
        sliceLexicalSeconds = clock.Elapsed.TotalSeconds;
    }

    // ---- ingestion with the trained model against its raw encode rate, same texts, same run ----------------
    TrainedIngestionResult? trained = null;
    if (model.Meaningful)
    {
        var trainedPages = int.Parse(Option("--trained-pages", "20"));
        var trainedSlice = Slice(corpus, Path.Combine(work, "corpus-slice-trained"), trainedPages);
        using var generator = await model.OpenAsync(Environment.ProcessorCount, ct);
        trained = await TrainedIngestion.RunAsync(work, trainedSlice, model, generator, rounds, ct);
        Console.WriteLine($"  {model.Name}: ingest {trained.ChunksPerSecond:0.0} chunks/s, raw encode {trained.RawChunksPerSecond:0.0} chunks/s, ratio {trained.Ratio:0.00}");
    }

    // ---- search latency at 10k and 100k chunks -------------------------------------------------
    // Same-run baseline: the previous lexical stage, one FTS5 query OR-ing every word with bm25() over
    // all matching rows, timed on the same index right after the library's own search.
    // Questions are embedded on one llama.cpp thread: a query is a dozen tokens, and two threads on a
    // busy 2-core machine spin at llama.cpp's barrier (a 1 ms embedding became 300 ms at load 20).
    using var queryEmbedding = await latencyModel.OpenAsync(threads: 1, ct);
    string embeddingModelId;
    using (var named = await OpenAsync(lexicalBox, queryEmbedding)) embeddingModelId = named.EmbeddingModelId!;
    var latency = new List<object>();
    var latencyRows = new List<string>();
    IReadOnlyList<StageProfile.Stage> stages = [];
    foreach (var size in new[] { 10_000, 100_000 })
    {
        var box = ScaledBox(work, lexicalBox, size, queryEmbedding.Dimensions, embeddingModelId);
        var database = Path.Combine(box, "data", DocumentLibrary.DatabaseFileName);
        var vectors = new Dictionary<string, ReadOnlyMemory<float>>();
        foreach (var q in questions) vectors[q.Text] = (await queryEmbedding.GenerateAsync([q.Text]))[0].Vector;
        Timing hybrid, lexical, retrieval, baseline;
        using (var library = await OpenAsync(box, queryEmbedding))
        {
            hybrid = await LatencyAsync(questions, rounds, q => library.SearchAsync(new SearchRequest(q.Text, ["everyone"]), ct));
            lexical = await LatencyAsync(questions, rounds, q => library.SearchAsync(new SearchRequest(q.Text, ["everyone"]) { Ranking = Ranking.Lexical }, ct));
            retrieval = await LatencyAsync(questions, rounds, q => library.SearchAsync(new SearchRequest(q.Text, ["everyone"]) { QueryEmbedding = vectors[q.Text] }, ct));
            baseline = await LatencyAsync(questions, rounds, q => Task.FromResult(OrQuery(database, q.Text, 48)));
        }
        var embedTimes = new List<double>();
        foreach (var q in questions) { var c = Stopwatch.StartNew(); await queryEmbedding.GenerateAsync([q.Text]); embedTimes.Add(c.Elapsed.TotalMilliseconds); }
        Console.WriteLine($"  {size} chunks: hybrid p50 {hybrid.P50:0.0} ms p95 {hybrid.P95:0.0} ms (of which retrieval after the query vector: p50 {retrieval.P50:0.0} p95 {retrieval.P95:0.0}); " +
                          $"lexical p50 {lexical.P50:0.0} ms p95 {lexical.P95:0.0} ms; baseline OR query p50 {baseline.P50:0.0} ms p95 {baseline.P95:0.0} ms; query embedding p50 {Metrics.Percentile(embedTimes, 50):0.0} ms");
        latencyRows.Add($"| {size:N0} | {hybrid.P50:0.0} / {hybrid.P95:0.0} | {hybrid.CpuMs:0.0} | {lexical.P50:0.0} / {lexical.P95:0.0} | {baseline.P50:0.0} / {baseline.P95:0.0} | " +
                        $"{lexical.P50 / baseline.P50:0.00} / {lexical.P95 / baseline.P95:0.00} | {hybrid.P50 / baseline.P50:0.00} / {hybrid.P95 / baseline.P95:0.00} |");
        latency.Add(new
        {
            chunks = size, hybrid_p50_ms = Math.Round(hybrid.P50, 2), hybrid_p95_ms = Math.Round(hybrid.P95, 2),
            hybrid_cpu_ms_per_query = Math.Round(hybrid.CpuMs, 2),
            hybrid_given_query_vector_p50_ms = Math.Round(retrieval.P50, 2), hybrid_given_query_vector_p95_ms = Math.Round(retrieval.P95, 2),
            lexical_p50_ms = Math.Round(lexical.P50, 2), lexical_p95_ms = Math.Round(lexical.P95, 2),
            lexical_cpu_ms_per_query = Math.Round(lexical.CpuMs, 2),
            baseline_or_query_p50_ms = Math.Round(baseline.P50, 2), baseline_or_query_p95_ms = Math.Round(baseline.P95, 2),
            baseline_or_query_cpu_ms_per_query = Math.Round(baseline.CpuMs, 2),
            lexical_vs_baseline_p50_ratio = Math.Round(lexical.P50 / baseline.P50, 2), lexical_vs_baseline_p95_ratio = Math.Round(lexical.P95 / baseline.P95, 2),
            hybrid_vs_baseline_p50_ratio = Math.Round(hybrid.P50 / baseline.P50, 2), hybrid_vs_baseline_p95_ratio = Math.Round(hybrid.P95 / baseline.P95, 2),
            query_embedding_p50_ms = Math.Round(Metrics.Percentile(embedTimes, 50), 2), query_embedding_p95_ms = Math.Round(Metrics.Percentile(embedTimes, 95), 2),
            vector_dimensions = queryEmbedding.Dimensions, embedding_model = latencyModel.Name,
        });
        if (size == 100_000)
        {
            Console.WriteLine("  where a hybrid query's time goes at 100k chunks:");
            stages = StageProfile.Run(database, embeddingModelId, questions, vectors, 6, rounds);
        }
    }

    // ---- performance report --------------------------------------------------------------------------------
    var lexicalSeconds = Metrics.Median(lexicalIngest.Select(x => x.Seconds));
    var xapianSeconds = Metrics.Median(xapianIndexTimes);
    performance = JsonSerializer.SerializeToNode(new
    {
        corpus = new { source, pages = corpusFiles.Length, megabytes = Math.Round(corpusBytes / 1048576.0, 1), chunks },
        ingestion = new
        {
            lexical_seconds_median = Math.Round(lexicalSeconds, 2),
            lexical_files_per_second = Math.Round(corpusFiles.Length / lexicalSeconds, 1),
            lexical_mb_per_second = Math.Round(corpusBytes / 1048576.0 / lexicalSeconds, 2),
            xapian_omindex_seconds_median = Math.Round(xapianSeconds, 2),
            lexical_vs_omindex_time_ratio = Math.Round(lexicalSeconds / xapianSeconds, 2),
            with_embeddings = new
            {
                pages = slicePages,
                megabytes = Math.Round(sliceBytes / 1048576.0, 2),
                seconds = Math.Round(embedSeconds, 2),
                files_per_second = Math.Round(slicePages / embedSeconds, 2),
                mb_per_second = Math.Round(sliceBytes / 1048576.0 / embedSeconds, 3),
                vectors = embedReport.Embedded,
                vectors_per_second = Math.Round(embedReport.Embedded / embedSeconds, 1),
                same_slice_lexical_seconds = Math.Round(sliceLexicalSeconds, 2),
                model = "tiny-embed (generated, 128 dimensions, random weights)",
            },
            with_trained_model = trained is null ? null : new { model = model.Name, result = trained.Json },
            rounds = lexicalIngest.Count,
        },
        search_latency = latency,
        search_latency_note = "baseline: the previous lexical stage alone (one FTS5 query OR-ing every word, bm25 over all matching rows, no chunk rows or snippets) on the same index in the same run; lexical and hybrid are whole searches (chunk rows, near-duplicates, snippets; hybrid also embeds the question); cpu: process CPU time per query (both cores); questions embedded on one llama.cpp thread by the model named in each row",
        stage_breakdown_100k = stages.Select(st => new { stage = st.Name, p50_ms = Math.Round(st.P50, 2), p95_ms = Math.Round(st.P95, 2) }),
    })!.AsObject();
    Console.WriteLine();
    Console.WriteLine($"ingestion: lexical {lexicalSeconds:0.0} s ({corpusFiles.Length / lexicalSeconds:0.0} files/s, {corpusBytes / 1048576.0 / lexicalSeconds:0.00} MB/s; omindex {xapianSeconds:0.0} s, ratio {lexicalSeconds / xapianSeconds:0.00}); " +
                      $"with embeddings (tiny model, {slicePages} pages) {embedSeconds:0.0} s ({slicePages / embedSeconds:0.00} files/s, {embedReport.Embedded / embedSeconds:0.0} vectors/s; same pages lexical {sliceLexicalSeconds:0.0} s)");
    Console.WriteLine();
    Console.WriteLine("| chunks | hybrid p50 / p95 ms | hybrid CPU ms/query | lexical search p50 / p95 ms | baseline OR query p50 / p95 ms | lexical ÷ baseline | hybrid ÷ baseline |");
    Console.WriteLine("| --- | --- | --- | --- | --- | --- | --- |");
    foreach (var row in latencyRows) Console.WriteLine(row);
}

// Read just before writing, so that two runs of different sets side by side both keep their figures.
var document = File.Exists(output) ? JsonNode.Parse(File.ReadAllText(output))!.AsObject() : [];
var qualityNode = document["quality"] as JsonObject;
// Before the sets, "quality" held the Python manual's BM25 figures directly: that layout is replaced whole.
if (qualityNode is null || qualityNode.ContainsKey("appliance_bm25")) document["quality"] = qualityNode = [];
foreach (var (key, value) in measured.ToList()) { measured.Remove(key); qualityNode[key] = value; }
foreach (var (key, value) in performance?.ToList() ?? []) { performance!.Remove(key); document[key] = value; }

document["machine"] = JsonSerializer.SerializeToNode(new { cores = Environment.ProcessorCount, load_average = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : null, os = System.Runtime.InteropServices.RuntimeInformation.OSDescription, at = DateTimeOffset.UtcNow });
Directory.CreateDirectory(Path.GetDirectoryName(output)!);
File.WriteAllText(output, document.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
Console.WriteLine($"load average: {(File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "?")} on {Environment.ProcessorCount} cores");
Console.WriteLine($"wrote {output}");
return 0;

// Median over rounds of each round's p50 and p95, and of the process CPU time per query, after one
// untimed pass over every question (the JIT's second tier and SQLite's page cache warm up in it).
static async Task<Timing> LatencyAsync<T>(IReadOnlyList<Question> questions, int rounds, Func<Question, Task<T>> search)
{
    foreach (var q in questions) await search(q);
    var p50 = new List<double>();
    var p95 = new List<double>();
    var cpu = new List<double>();
    using var process = Process.GetCurrentProcess();
    for (var r = 0; r < rounds; r++)
    {
        var times = new List<double>();
        process.Refresh();
        var cpuBefore = process.TotalProcessorTime;
        foreach (var q in questions)
        {
            var clock = Stopwatch.StartNew();
            await search(q);
            times.Add(clock.Elapsed.TotalMilliseconds);
        }
        process.Refresh();
        cpu.Add((process.TotalProcessorTime - cpuBefore).TotalMilliseconds / questions.Count);
        p50.Add(Metrics.Percentile(times, 50));
        p95.Add(Metrics.Percentile(times, 95));
    }
    return new Timing(Metrics.Median(p50), Metrics.Median(p95), Metrics.Median(cpu));
}

// The previous lexical stage: every word OR-ed in one FTS5 query, bm25() over all matching rows.
static int OrQuery(string database, string question, int limit)
{
    using var connection = new SqliteConnection($"Data Source={database};Mode=ReadOnly");
    connection.Open();
    using var command = connection.CreateCommand();
    command.CommandText = "SELECT rowid, bm25(fts_0, 6.0, 3.0, 1.0) AS score FROM fts_0 WHERE fts_0 MATCH $q ORDER BY score LIMIT $n";
    command.Parameters.AddWithValue("$q", string.Join(" OR ", Appliance.Rag.Retrieval.FtsQuery.Terms(question).Select(t => $"\"{t}\"")));
    command.Parameters.AddWithValue("$n", limit);
    using var reader = command.ExecuteReader();
    var rows = 0;
    while (reader.Read()) rows++;
    return rows;
}

static Task<DocumentLibrary> OpenAsync(string box, IEmbeddingGenerator<string, Embedding<float>>? embeddings) => BenchBox.OpenAsync(box, embeddings);

// The performance sections run the generated tiny-embed (rates and latencies depend on counts and widths).
static string FreshBox(string work, string name, string corpus, EmbeddingChoice? model = null) =>
    BenchBox.Fresh(work, name, corpus, "Python documentation", "en", model ?? TinyModel());

static EmbeddingChoice TinyModel() => new("tiny-embed", TestModels.TinyEmbed, TestModelSpec.TinyEmbed.ExpectedSha256, Meaningful: false);

// A copy of the lexical index grown (or cut) to `size` chunks by repeating its chunks, with
// random unit vectors of the embedding model's width: latency depends on counts and widths, and
// embedding 100k chunks with the tiny model is not what is measured here.
static string ScaledBox(string work, string lexicalBox, int size, int dimensions, string modelId)
{
    var box = Path.Combine(work, $"box-{size}");
    if (Directory.Exists(box)) Directory.Delete(box, recursive: true);
    Directory.CreateDirectory(Path.Combine(box, "data"));
    File.WriteAllText(Path.Combine(box, "appliance.yaml"),
        File.ReadAllText(Path.Combine(lexicalBox, "appliance.yaml")).Replace(lexicalBox, box));
    using (var source = new SqliteConnection($"Data Source={Path.Combine(lexicalBox, "data", DocumentLibrary.DatabaseFileName)}"))
    {
        source.Open();
        using var backup = new SqliteConnection($"Data Source={Path.Combine(box, "data", DocumentLibrary.DatabaseFileName)}");
        source.BackupDatabase(backup);
    }
    using var db = new SqliteConnection($"Data Source={Path.Combine(box, "data", DocumentLibrary.DatabaseFileName)}");
    db.Open();
    void Run(string sql) { using var c = db.CreateCommand(); c.CommandText = sql; c.ExecuteNonQuery(); }
    using (var tx = db.BeginTransaction())
    {
        using (var c = db.CreateCommand()) { c.Transaction = tx; c.CommandText = """
            CREATE TEMP TABLE base AS SELECT * FROM chunks;
            DELETE FROM vectors; DELETE FROM chunks;
            """; c.ExecuteNonQuery(); }
        var inserted = 0;
        while (inserted < size)
        {
            using var c = db.CreateCommand();
            c.Transaction = tx;
            c.CommandText = $"""
                INSERT INTO chunks(document_id, collection_id, ordinal, page, section, start_char, end_char, tokens, title, text)
                SELECT document_id, collection_id, ordinal, page, section, start_char, end_char, tokens, title, text FROM base LIMIT {size - inserted}
                """;
            inserted += c.ExecuteNonQuery();
        }
        // Documents count their chunks (the row count BM25 word shares are taken against).
        using (var c = db.CreateCommand()) { c.Transaction = tx; c.CommandText = "UPDATE documents SET chunk_count = (SELECT count(*) FROM chunks WHERE document_id = documents.id)"; c.ExecuteNonQuery(); }
        // The full-text tables are contentless (they hold analysed terms): marking the analysis as
        // outdated makes the library re-analyse every stored chunk when the box is next opened.
        using (var c = db.CreateCommand()) { c.Transaction = tx; c.CommandText = "UPDATE collections SET analysis = 'scaled copy: re-analyse'"; c.ExecuteNonQuery(); }
        var random = new Random(7);
        using (var ids = db.CreateCommand())
        using (var insert = db.CreateCommand())
        {
            ids.Transaction = tx;
            ids.CommandText = "SELECT id FROM chunks";
            insert.Transaction = tx;
            insert.CommandText = "INSERT INTO vectors(chunk_id, model, data) VALUES ($id, $m, $d)";
            var pid = insert.Parameters.Add("$id", SqliteType.Integer);
            insert.Parameters.AddWithValue("$m", modelId);
            var pd = insert.Parameters.Add("$d", SqliteType.Blob);
            var all = new List<long>();
            using (var reader = ids.ExecuteReader()) while (reader.Read()) all.Add(reader.GetInt64(0));
            foreach (var id in all)
            {
                var v = new float[dimensions];
                for (var i = 0; i < v.Length; i++) v[i] = (float)(random.NextDouble() * 2 - 1);
                var norm = System.Numerics.Tensors.TensorPrimitives.Norm(v);
                System.Numerics.Tensors.TensorPrimitives.Divide(v, norm, v);
                pid.Value = id;
                pd.Value = System.Runtime.InteropServices.MemoryMarshal.AsBytes(v.AsSpan()).ToArray();
                insert.ExecuteNonQuery();
            }
        }
        tx.Commit();
    }
    Run("PRAGMA wal_checkpoint(TRUNCATE)");
    return box;
}

static string Slice(string corpus, string target, int pages)
{
    if (Directory.Exists(target)) Directory.Delete(target, recursive: true);
    foreach (var page in Directory.GetFiles(corpus, "*.html", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Take(pages))
    {
        var destination = Path.Combine(target, Path.GetRelativePath(corpus, page));
        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        File.Copy(page, destination);
    }
    return target;
}

static string RepositoryRoot()
{
    for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        if (File.Exists(Path.Combine(folder.FullName, "Appliance.slnx"))) return folder.FullName;
    throw new InvalidOperationException("cannot find the repository root");
}

internal sealed record Timing(double P50, double P95, double CpuMs);
