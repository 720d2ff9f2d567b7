using Appliance.Rag.Chunking;
using Appliance.Rag.Index;
using Microsoft.Extensions.AI;

namespace Appliance.Rag.Embedding;

/// <summary>
/// Turns texts into L2-normalised vectors in batches, tagged with the model that made them. When the
/// model tells its window (<see cref="MaxTokensPerText"/>) and its token count, a text's fit is known
/// before it is sent: ingestion cuts smaller chunks rather than having the model refuse or truncate.
/// </summary>
internal sealed class Embedder(IEmbeddingGenerator<string, Embedding<float>> generator, string modelId, ITokenCounter? modelTokens, int? maxTokensPerText)
{
    public const int BatchSize = 32;

    /// <summary>The generator service key of its window, an <c>int</c> (the llama.cpp generator of Appliance.Inference offers it).</summary>
    public const string MaxTokensPerTextKey = "max-tokens-per-text";

    /// <summary>
    /// Tokens the model adds around every text ([CLS]/[SEP], BOS/EOS) that a count of the text
    /// itself leaves out, with a little to spare.
    /// </summary>
    public const int SpecialTokens = 4;

    /// <summary>What a chunk's heading line (title and section) may take beside rag.chunk_tokens; a longer one makes that document's chunks smaller.</summary>
    public const int HeadingAllowance = 16;

    public string ModelId { get; } = modelId;

    /// <summary>The longest text the model embeds, in its tokens; null when the model does not say.</summary>
    public int? MaxTokensPerText { get; } = maxTokensPerText;

    public static Embedder For(IEmbeddingGenerator<string, Embedding<float>> generator, string modelId) =>
        new(generator, modelId, ModelTokenCounter.From(generator),
            generator.GetService(typeof(int), MaxTokensPerTextKey) is int max ? max : null);

    /// <summary>How many tokens <paramref name="text"/> is over the window (0 or less: it fits, or the window is not known).</summary>
    public int Excess(string text) =>
        modelTokens is null || MaxTokensPerText is not { } max ? 0 : modelTokens.CountTokens(text) + SpecialTokens - max;

    /// <summary>The generator option that marks indexing work (Appliance.Inference's llama.cpp generator lets questions go first).</summary>
    public const string PriorityKey = "appliance.priority";

    private static readonly EmbeddingGenerationOptions Background = new()
    {
        AdditionalProperties = new AdditionalPropertiesDictionary { [PriorityKey] = "background" },
    };

    /// <summary>Vectors for documents being indexed: background work that yields to questions between batches.</summary>
    public Task<float[][]> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken) =>
        EmbedAsync(texts, Background, cancellationToken);

    private async Task<float[][]> EmbedAsync(IReadOnlyList<string> texts, EmbeddingGenerationOptions? options, CancellationToken cancellationToken)
    {
        var vectors = new float[texts.Count][];
        for (var start = 0; start < texts.Count; start += BatchSize)
        {
            var batch = texts.Skip(start).Take(BatchSize).ToList();
            var embeddings = await generator.GenerateAsync(batch, options, cancellationToken);
            if (embeddings.Count != batch.Count)
                throw new InvalidOperationException($"the embedding model returned {embeddings.Count} vectors for {batch.Count} texts");
            for (var i = 0; i < batch.Count; i++) vectors[start + i] = VectorIndex.Normalize(embeddings[i].Vector.Span);
        }
        return vectors;
    }

    /// <summary>A question's vector: interactive, ahead of any indexing.</summary>
    public async Task<float[]> EmbedQueryAsync(string query, CancellationToken cancellationToken) =>
        (await EmbedAsync([query], null, cancellationToken))[0];
}
