namespace Appliance.Rag.Retrieval;

/// <summary>
/// Fuses the lexical and the vector ranking by their scores, not only their ranks. Reciprocal rank
/// fusion gives every list's first place the same weight, so a weak keyword match in first place
/// pulls a chunk above what the vectors are sure of; scaled scores keep how sure each list is.
/// Each list is scaled to [0, 1]: BM25 by the best score of the question (its floor is 0: no shared
/// word), cosine similarity by the range of the candidates (its floor is the candidates' weakest).
/// A chunk absent from a list gets that list's floor. The fused score is the weighted sum
/// (`rag.hybrid.lexical` and `.vector`). Each chunk keeps what the rankers said (<see cref="RankEvidence"/>).
/// </summary>
internal sealed class ScoreFusion
{
    private readonly Dictionary<long, double> _scores = [];
    private readonly Dictionary<long, RankEvidence> _evidence = [];

    /// <param name="bm25">each collection's BM25 list, as SQLite reports bm25() (lower is better)</param>
    public void AddLexical(IEnumerable<IReadOnlyList<(long ChunkId, double Bm25)>> bm25, double weight)
    {
        var lists = bm25.Where(l => l.Count > 0).ToList();
        foreach (var list in lists)
            foreach (var (id, score) in list)
                _evidence[id] = EvidenceOf(id) with { Bm25 = score };
        if (lists.Count == 0 || weight <= 0) return;
        // Collections' BM25 statistics differ, but their scales are alike: one best score for all,
        // so a collection's weak best match stays weak.
        var best = lists.Max(l => -l.Min(h => h.Bm25));
        if (best <= 0) return;
        foreach (var list in lists)
            foreach (var (id, score) in list)
                Add(id, weight * Math.Max(0, -score) / best);
    }

    public void AddVector(IReadOnlyList<(long ChunkId, float Similarity)> nearest, double weight)
    {
        foreach (var (id, similarity) in nearest)
            _evidence[id] = EvidenceOf(id) with { Similarity = similarity };
        if (nearest.Count == 0 || weight <= 0) return;
        var top = nearest.Max(n => n.Similarity);
        var floor = nearest.Min(n => n.Similarity);
        var range = top - floor;
        foreach (var (id, similarity) in nearest)
            Add(id, weight * (range > 0 ? (similarity - floor) / range : 1.0));
    }

    /// <summary>The <paramref name="limit"/> best chunks, best first (ties by id, so results are stable).</summary>
    public List<KeyValuePair<long, double>> Best(int limit) =>
        [.. _scores.OrderByDescending(f => f.Value).ThenBy(f => f.Key).Take(limit)];

    /// <summary>What the rankers said about a chunk.</summary>
    public RankEvidence EvidenceOf(long chunkId) => _evidence.GetValueOrDefault(chunkId) ?? RankEvidence.None;

    private void Add(long id, double score) => _scores[id] = _scores.GetValueOrDefault(id) + score;
}
