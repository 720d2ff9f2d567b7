namespace Appliance.Rag.Retrieval;

/// <summary>
/// Fuses the keyword and the vector ranking by how sure each one is, at chunk and document level.
/// <list type="bullet">
/// <item>Keywords: BM25 scaled by the question's best score (0 = no shared word, 1 = the best match).</item>
/// <item>Vectors: cosine similarity scaled between the nearest chunk (1) and the
/// <see cref="SpreadDepth"/>-th nearest (0), times a confidence: how far apart those two are, against
/// <see cref="SureSpread"/>. A model that cannot tell the candidates apart (an English model on a
/// German text, say) gives a flat list, and a flat list stretched to [0, 1] would outvote every
/// keyword match: measured on the bench sets, this was what made fusion lose to its inputs.</item>
/// <item>A chunk's score is its keyword and vector parts (weights `rag.hybrid.lexical`, `.vector`)
/// plus its document's score (the best keyword part and the best vector part of any of its chunks):
/// a page that matches the words in one paragraph and the meaning in another is the page to read.</item>
/// </list>
/// Each chunk keeps what the rankers said (<see cref="RankEvidence"/>).
/// </summary>
internal sealed class ScoreFusion(double lexicalWeight, double vectorWeight)
{
    /// <summary>The vector list's spread is taken down to this neighbour (the agent's candidate depth at the default k), whatever k is, so k does not change the scale.</summary>
    public const int SpreadDepth = 48;

    /// <summary>A spread in cosine similarity at which the vector list counts fully (measured: 0.12 on average where vectors guess, 0.27 where they know).</summary>
    public const double SureSpread = 0.25;

    private readonly Dictionary<long, double> _lexical = [];
    private readonly Dictionary<long, double> _vector = [];
    private readonly Dictionary<long, RankEvidence> _evidence = [];

    /// <param name="bm25">each collection's BM25 list, as SQLite reports bm25() (lower is better)</param>
    public void AddLexical(IEnumerable<IReadOnlyList<(long ChunkId, double Bm25)>> bm25)
    {
        var lists = bm25.Where(l => l.Count > 0).ToList();
        foreach (var list in lists)
            foreach (var (id, score) in list)
                _evidence[id] = EvidenceOf(id) with { Bm25 = score };
        if (lists.Count == 0 || lexicalWeight <= 0) return;
        // Collections' BM25 statistics differ, but their scales are alike: one best score for all,
        // so a collection's weak best match stays weak.
        var best = lists.Max(l => -l.Min(h => h.Bm25));
        if (best <= 0) return;
        foreach (var list in lists)
            foreach (var (id, score) in list)
                _lexical[id] = lexicalWeight * Math.Max(0, -score) / best;
    }

    /// <param name="nearest">the nearest chunks, nearest first (as <see cref="Index.VectorIndex.Search"/> returns them)</param>
    public void AddVector(IReadOnlyList<(long ChunkId, float Similarity)> nearest)
    {
        foreach (var (id, similarity) in nearest)
            _evidence[id] = EvidenceOf(id) with { Similarity = similarity };
        if (nearest.Count == 0 || vectorWeight <= 0) return;
        var top = nearest[0].Similarity;
        double floor = nearest[Math.Min(SpreadDepth, nearest.Count) - 1].Similarity;
        var spread = top - floor;
        var confidence = Math.Min(1, spread / SureSpread);
        foreach (var (id, similarity) in nearest)
            _vector[id] = spread > 0 ? vectorWeight * confidence * Math.Clamp((similarity - floor) / spread, 0, 1) : 0;
    }

    /// <summary>Every chunk either ranker proposed.</summary>
    public IReadOnlyCollection<long> Candidates => _evidence.Keys;

    /// <summary>What the rankers said about a chunk.</summary>
    public RankEvidence EvidenceOf(long chunkId) => _evidence.GetValueOrDefault(chunkId) ?? RankEvidence.None;

    /// <summary>
    /// The fused score of every candidate that <paramref name="documentOf"/> places in a document
    /// (the others are left out: erased meanwhile, or not readable).
    /// </summary>
    public Dictionary<long, double> Scores(Func<long, string?> documentOf)
    {
        var placed = Candidates.Select(id => (Id: id, Document: documentOf(id))).Where(c => c.Document is not null).ToList();
        var documents = placed.GroupBy(c => c.Document!, StringComparer.Ordinal).ToDictionary(g => g.Key,
            g => g.Max(c => _lexical.GetValueOrDefault(c.Id)) + g.Max(c => _vector.GetValueOrDefault(c.Id)), StringComparer.Ordinal);
        return placed.ToDictionary(c => c.Id,
            c => _lexical.GetValueOrDefault(c.Id) + _vector.GetValueOrDefault(c.Id) + documents[c.Document!]);
    }
}
