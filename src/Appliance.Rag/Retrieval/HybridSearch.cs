using Appliance.Config;
using Appliance.Rag.Index;
using Appliance.Rag.Ingestion;

namespace Appliance.Rag.Retrieval;

/// <summary>
/// BM25 (per collection) and vector candidates from the readable collections only, fused by
/// weighted reciprocal rank, near-duplicates dropped, optionally reranked, cut to k. The group filter is not a step
/// here: the caller passes only collections the requester may read, and both the FTS tables and
/// the vector blocks are per collection, so nothing else is ever scored.
/// </summary>
internal sealed class HybridSearch(LibraryIndex index, VectorIndex vectors, Embedder? embedder, HybridWeights weights, IReranker? reranker)
{
    /// <summary>The rank constant of reciprocal rank fusion (Cormack et al. use 60).</summary>
    private const int FusionConstant = 60;

    public async Task<IReadOnlyList<SearchHit>> SearchAsync(SearchRequest request, IReadOnlyList<StoredCollection> readable, int k,
        CancellationToken cancellationToken)
    {
        if (readable.Count == 0 || string.IsNullOrWhiteSpace(request.Query)) return [];
        var candidates = Math.Max(40, k * 8);
        var fused = new Dictionary<long, double>();

        using var connection = index.Connect();
        if (FtsQuery.Match(request.Query) is { } match && weights.Lexical > 0)
        {
            // BM25 statistics are per collection (so unreadable text never weighs in), which makes raw
            // scores incomparable across collections: each collection's ranking enters the fusion
            // as a list of its own.
            foreach (var collection in readable)
            {
                var lexical = index.Lexical(connection, collection.FtsTable, match, candidates);
                for (var rank = 0; rank < lexical.Count; rank++)
                    fused[lexical[rank].ChunkId] = weights.Lexical / (FusionConstant + rank + 1);
            }
        }
        if (embedder is not null && !request.LexicalOnly && weights.Vector > 0 && vectors.Count > 0)
        {
            var query = request.QueryEmbedding is { } given
                ? VectorIndex.Normalize(given.Span)
                : await embedder.EmbedQueryAsync(request.Query, cancellationToken);
            var nearest = vectors.Search(query, [.. readable.Select(c => c.Id)], candidates);
            for (var rank = 0; rank < nearest.Count; rank++)
                fused[nearest[rank].ChunkId] = fused.GetValueOrDefault(nearest[rank].ChunkId) + weights.Vector / (FusionConstant + rank + 1);
        }

        var ordered = fused.OrderByDescending(f => f.Value).ThenBy(f => f.Key).Take(candidates).ToList();
        var chunks = index.Chunks(connection, [.. ordered.Select(o => o.Key)]);
        var terms = FtsQuery.Terms(request.Query);
        var duplicates = new NearDuplicates();
        var hits = new List<SearchHit>();
        var wanted = reranker is null ? k : Math.Max(k, 3 * k);
        foreach (var (id, score) in ordered)
        {
            if (hits.Count >= wanted) break;
            // A chunk erased between the two reads is simply gone.
            if (!chunks.TryGetValue(id, out var chunk) || !duplicates.TryAccept(chunk.Text)) continue;
            var citation = new Citation(chunk.DocumentId, chunk.CollectionId, chunk.Path, chunk.Title, chunk.Page, chunk.Section,
                Snippet.For(chunk.Text, terms), chunk.StartChar, chunk.EndChar);
            hits.Add(new SearchHit(citation, score, chunk.Text));
        }
        if (reranker is not null) hits = [.. await reranker.RerankAsync(request.Query, hits, cancellationToken)];
        return hits.Take(k).ToList();
    }
}
