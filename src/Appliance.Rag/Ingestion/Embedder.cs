using Appliance.Rag.Index;
using Microsoft.Extensions.AI;

namespace Appliance.Rag.Ingestion;

/// <summary>Turns texts into L2-normalised vectors in batches, tagged with the model that made them.</summary>
internal sealed class Embedder(IEmbeddingGenerator<string, Embedding<float>> generator, string modelId)
{
    public const int BatchSize = 32;

    public string ModelId { get; } = modelId;

    public async Task<float[][]> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        var vectors = new float[texts.Count][];
        for (var start = 0; start < texts.Count; start += BatchSize)
        {
            var batch = texts.Skip(start).Take(BatchSize).ToList();
            IReadOnlyList<Embedding<float>> embeddings;
            try
            {
                embeddings = await generator.GenerateAsync(batch, cancellationToken: cancellationToken);
            }
            catch (ArgumentException)
            {
                // A text longer than the model's window (chunks are sized by an estimate when the
                // model's tokenizer is not at hand): embed one by one, shortening only the offenders.
                embeddings = [.. await Task.WhenAll(batch.Select(t => EmbedShortenedAsync(t, cancellationToken)))];
            }
            if (embeddings.Count != batch.Count)
                throw new InvalidOperationException($"the embedding model returned {embeddings.Count} vectors for {batch.Count} texts");
            for (var i = 0; i < batch.Count; i++) vectors[start + i] = VectorIndex.Normalize(embeddings[i].Vector.Span);
        }
        return vectors;
    }

    private async Task<Embedding<float>> EmbedShortenedAsync(string text, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return (await generator.GenerateAsync([text], cancellationToken: cancellationToken))[0];
            }
            catch (ArgumentException) when (attempt < 12 && text.Length > 16)
            {
                text = text[..(text.Length * 3 / 4)];
            }
        }
    }

    public async Task<float[]> EmbedQueryAsync(string query, CancellationToken cancellationToken) =>
        (await EmbedAsync([query], cancellationToken))[0];
}
