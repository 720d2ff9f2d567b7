namespace Appliance.Rag.Retrieval;

/// <summary>
/// A second-stage ranker (e.g. a cross-encoder model) that reorders the fused candidates. It only
/// ever sees candidates that already passed the caller's group filter.
/// </summary>
public interface IReranker
{
    Task<IReadOnlyList<SearchHit>> RerankAsync(string query, IReadOnlyList<SearchHit> candidates, CancellationToken cancellationToken);
}
