using Microsoft.Extensions.AI;
using OpenAI.Embeddings;

namespace Appliance.Inference;

/// <summary><see cref="IEmbeddingGenerator{TInput,TEmbedding}"/> over the upstream pool (least busy, failover on upstream errors).</summary>
public sealed class UpstreamEmbeddingGenerator(UpstreamPool pool, string model) : IEmbeddingGenerator<string, Embedding<float>>
{
    private readonly EmbeddingGeneratorMetadata _metadata = new("openai-compatible", pool.Upstreams[0].BaseUrl, model);

    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values, Microsoft.Extensions.AI.EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var texts = values.ToList();
        Exception? last = null;
        foreach (var upstream in pool.Candidates())
        {
            using var lease = upstream.Lease();
            try
            {
                var client = new EmbeddingClient(options?.ModelId ?? model, Upstream.Credential, upstream.Options);
                var wireOptions = new OpenAI.Embeddings.EmbeddingGenerationOptions { Dimensions = options?.Dimensions };
                var result = (await client.GenerateEmbeddingsAsync(texts, wireOptions, cancellationToken)).Value;
                var created = DateTimeOffset.UtcNow;
                return new GeneratedEmbeddings<Embedding<float>>(
                    result.OrderBy(e => e.Index).Select(e => new Embedding<float>(e.ToFloats()) { ModelId = result.Model ?? model, CreatedAt = created }))
                {
                    Usage = new UsageDetails { InputTokenCount = result.Usage?.InputTokenCount, TotalTokenCount = result.Usage?.TotalTokenCount },
                };
            }
            catch (Exception e) when (UpstreamPool.IsUpstreamFailure(e) && !cancellationToken.IsCancellationRequested)
            {
                pool.MarkFailed(upstream, e);
                last = e;
            }
        }
        throw new HttpRequestException($"no upstream answered ({string.Join(", ", pool.Upstreams.Select(u => u.BaseUrl))}): {last?.Message}", last);
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(EmbeddingGeneratorMetadata) ? _metadata
        : serviceType.IsInstanceOfType(this) ? this
        : null;

    public void Dispose() { }
}
