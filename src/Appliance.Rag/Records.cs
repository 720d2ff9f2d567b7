namespace Appliance.Rag;

/// <summary>A document as the library lists it.</summary>
public sealed record DocumentInfo(
    string Id,
    string CollectionId,
    string Path,
    string Title,
    string Format,
    long Bytes,
    string ContentHash,
    DocumentStatus Status,
    string? Error,
    int Chunks,
    string? UploadedBy,
    DateTimeOffset AddedAt,
    DateTimeOffset UpdatedAt);

public enum DocumentStatus { Ready, Failed }

/// <summary>Proof that a document was erased: who, when, which content (by hash), how much.</summary>
public sealed record ErasureRecord(
    long Id,
    string DocumentId,
    string CollectionId,
    string Path,
    string ContentHash,
    int Chunks,
    string ErasedBy,
    string Reason,
    DateTimeOffset ErasedAt);

/// <summary>Where a piece of an answer comes from, precise enough to open the page.</summary>
public sealed record Citation(
    string DocumentId,
    string CollectionId,
    string Path,
    string Title,
    int? Page,
    string Section,
    string Snippet,
    int StartChar,
    int EndChar)
{
    /// <summary>The text was read from a scan by OCR and may hold misread words: shown as "page 3, recognised text".</summary>
    public bool Recognised { get; init; }

    /// <summary>Where in the document, as people read it: "page 3, recognised text", "page 2", "" when the format has no pages.</summary>
    public string Location => string.Join(", ", new[] { Page is { } page ? $"page {page}" : null, Recognised ? "recognised text" : null }.OfType<string>());
}

/// <summary>One retrieved chunk with its citation and its fused score (higher is better).</summary>
public sealed record SearchHit(Citation Citation, double Score, string Text)
{
    /// <summary>What each ranker said about this chunk, before fusion (for `search --json` and the bench).</summary>
    public RankEvidence Evidence { get; init; } = RankEvidence.None;

    public string DocumentId => Citation.DocumentId;
    public string Path => Citation.Path;
    public string Title => Citation.Title;
    public int? Page => Citation.Page;
    public string Section => Citation.Section;
}

/// <summary>
/// The rankers' raw findings for one chunk: its BM25 score (as SQLite's bm25(), lower is better;
/// null when no query word is in it) and its cosine similarity to the question (null when it was not
/// among the nearest vectors).
/// </summary>
public sealed record RankEvidence(double? Bm25, double? Similarity)
{
    public static RankEvidence None { get; } = new(null, null);
}

/// <summary>Which rankers a search uses.</summary>
public enum Ranking
{
    /// <summary>Keywords and vectors fused (vectors only when an embedding model is loaded).</summary>
    Hybrid,
    /// <summary>BM25 over the analysed words only.</summary>
    Lexical,
    /// <summary>Nearest vectors only; nothing when no embedding model is loaded.</summary>
    Vector,
}

/// <summary>
/// A search on behalf of someone: only collections readable by one of <see cref="CallerGroups"/>
/// take part, before anything is ranked.
/// </summary>
public sealed record SearchRequest(string Query, IReadOnlyCollection<string> CallerGroups, int? K = null)
{
    /// <summary>Restrict to these collections (still intersected with what the caller may read).</summary>
    public IReadOnlyCollection<string>? Collections { get; init; }

    /// <summary>Which rankers take part: both (the default), or one alone (for `search --lexical` and to measure each).</summary>
    public Ranking Ranking { get; init; } = Ranking.Hybrid;

    /// <summary>The query's vector from the library's embedding model, when the caller already has it (saves a model call).</summary>
    public ReadOnlyMemory<float>? QueryEmbedding { get; init; }
}

/// <summary>How much of a collection is indexed: searchable documents, documents that could not be read, chunks.</summary>
public sealed record CollectionCounts(long Ready, long Failed, long Chunks);
