using Appliance.Rag.Embedding;
using Appliance.Config;
using Appliance.Rag.Index;
using Appliance.Rag.Ingestion;
using Microsoft.Data.Sqlite;

namespace Appliance.Rag.Retrieval;

/// <summary>
/// BM25 (per collection) and vector candidates from the readable collections only, fused by how
/// sure each ranker is, per chunk and per document (<see cref="ScoreFusion"/>), near-duplicates dropped, optionally reranked, cut to k. The caller
/// passes only collections the requester may read, and both the FTS tables and the vector blocks
/// are per collection, so nothing else is ever scored; the chunk read filters by the same
/// collections again, so a stale id in memory can never bring back another collection's text.
/// </summary>
internal sealed class HybridSearch(LibraryIndex index, Embedder? embedder, HybridWeights weights, IReranker? reranker)
{
    public async Task<IReadOnlyList<SearchHit>> SearchAsync(SearchRequest request, IReadOnlyList<StoredCollection> readable, int k,
        CancellationToken cancellationToken)
    {
        if (readable.Count == 0 || string.IsNullOrWhiteSpace(request.Query)) return [];
        var candidates = Math.Max(ScoreFusion.SpreadDepth, k * 8);
        var (lexicalWeight, vectorWeight) = request.Ranking switch
        {
            Ranking.Lexical => (1.0, 0.0),
            Ranking.Vector => (0.0, 1.0),
            _ => (weights.Lexical, weights.Vector),
        };
        var fused = new ScoreFusion(lexicalWeight, vectorWeight);

        // The model call comes first: it may queue behind other inference, and no database snapshot
        // should be held open meanwhile.
        float[]? queryVector = null;
        if (embedder is not null && vectorWeight > 0)
            queryVector = request.QueryEmbedding is { } given
                ? VectorIndex.Normalize(given.Span)
                : await embedder.EmbedQueryAsync(request.Query, cancellationToken);

        using var connection = index.Connect();
        // One snapshot for every read of the query, while ingestion may commit alongside.
        using var snapshot = connection.BeginTransaction(deferred: true);
        var readableIds = readable.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        // Surface words, for the snippet; each collection is searched with the terms of its own analysis.
        var terms = FtsQuery.Terms(request.Query);
        if (terms.Count > 0 && lexicalWeight > 0)
        {
            // BM25 statistics are per collection (so unreadable text never weighs in), which makes raw
            // scores incomparable across collections: each collection's ranking enters the fusion
            // as a list of its own.
            var rankings = await LexicalAsync(connection, snapshot, readable, request.Query, candidates, cancellationToken);
            fused.AddLexical(rankings);
        }
        if (queryVector is not null)
        {
            // Another process may have written since: vectors follow the stored generation.
            index.Vectors.Refresh(connection, snapshot, readable);
            fused.AddVector(index.Vectors.InMemory.Search(queryVector, readableIds, candidates));
        }

        // Every candidate is read (a few hundred rows at most): the fusion needs each one's document.
        var chunks = index.Chunks.ForHits(connection, snapshot, [.. fused.Candidates], readableIds);
        var scores = fused.Scores(id => chunks.TryGetValue(id, out var c) ? c.DocumentId : null);
        // Equal scores (alike rows of a table, say) go by where the text is, not by row ids: those
        // depend on the order files happened to be indexed in, and on other collections' rows.
        var ranked = scores.OrderByDescending(o => o.Value)
            .ThenBy(o => chunks[o.Key].DocumentId, StringComparer.Ordinal).ThenBy(o => chunks[o.Key].StartChar);
        var duplicates = new NearDuplicates();
        var hits = new List<SearchHit>();
        var wanted = reranker is null ? k : Math.Max(k, 3 * k);
        foreach (var (id, score) in ranked)
        {
            if (hits.Count >= wanted) break;
            // Only chunks the read found are scored (one erased meanwhile is simply gone); the
            // collection is checked once more at the last step all the same.
            var chunk = chunks[id];
            if (!readableIds.Contains(chunk.CollectionId) || !duplicates.TryAccept(chunk.Text)) continue;
            var citation = new Citation(chunk.DocumentId, chunk.CollectionId, chunk.Path, chunk.Title, chunk.Page, chunk.Section,
                Snippet.For(chunk.Text, terms), chunk.StartChar, chunk.EndChar) { Recognised = chunk.Recognised };
            hits.Add(new SearchHit(citation, score, chunk.Text) { Evidence = fused.EvidenceOf(id) });
        }
        if (reranker is not null) hits = [.. await reranker.RerankAsync(request.Query, hits, cancellationToken)];
        return hits.Take(k).ToList();
    }

    /// <summary>Each readable collection's BM25 top-n, in the order of <paramref name="readable"/>.</summary>
    private async Task<List<(long ChunkId, double Bm25)>[]> LexicalAsync(SqliteConnection connection, SqliteTransaction snapshot,
        IReadOnlyList<StoredCollection> readable, string question, int candidates, CancellationToken cancellationToken)
    {
        var queries = new List<(int Collection, FtsTable Table, string Match)>();
        for (var i = 0; i < readable.Count; i++)
        {
            var table = index.Chunks.Statistics(connection, snapshot, readable[i]);
            var terms = index.Chunks.QueryTerms(connection, snapshot, readable[i], question);
            foreach (var match in CommonTermsRanking.Plan(connection, snapshot, table, terms, index.Frequencies))
                queries.Add((i, readable[i].FtsTable, match));
        }
        // The planned queries are independent and each scores thousands of rows: all but the first
        // run on their own connections on other cores while this one runs the first.
        var others = queries.Skip(1).Select(q => Task.Run(() =>
        {
            using var own = index.Connect();
            return CommonTermsRanking.TopN(own, null, q.Table, q.Match, candidates);
        }, cancellationToken)).ToList();
        var results = new List<(long ChunkId, double Bm25)>[queries.Count];
        try
        {
            if (queries.Count > 0) results[0] = CommonTermsRanking.TopN(connection, snapshot, queries[0].Table, queries[0].Match, candidates);
        }
        finally
        {
            // Never leave a query running on a connection behind an exception.
            var done = await Task.WhenAll(others);
            for (var i = 0; i < done.Length; i++) results[i + 1] = done[i];
        }
        return [.. readable.Select((_, i) => CommonTermsRanking.Merge(
            results.Where((_, q) => queries[q].Collection == i), candidates))];
    }
}
