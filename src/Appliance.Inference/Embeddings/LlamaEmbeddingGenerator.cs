using Appliance.Llama;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Appliance.Inference;

/// <summary>
/// <see cref="IEmbeddingGenerator{TInput,TEmbedding}"/> over an in-process llama.cpp embedding
/// model: any .NET AI code (and the RAG ingestion) embeds through this.
/// </summary>
public sealed class LlamaEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    private readonly LlamaEmbedder _embedder;
    private readonly IDisposable? _owned;
    private readonly EmbeddingGeneratorMetadata _metadata;

    internal LlamaEmbeddingGenerator(LlamaEmbedder embedder, LoadedModel model, IDisposable? owned)
    {
        _embedder = embedder;
        _owned = owned;
        Model = model;
        _metadata = new EmbeddingGeneratorMetadata("llama.cpp", null, model.Name, embedder.Dimensions);
    }

    /// <summary>
    /// The <see cref="GetService"/> key of the model's token counter, a <c>Func&lt;string, int&gt;</c>:
    /// a chunker sizes pieces in this model's tokens through it, knowing only the generator interface.
    /// </summary>
    public const string TokenCounterKey = "token-count";

    /// <summary>
    /// The <see cref="GetService"/> key of the longest text the model embeds, in its own tokens (an
    /// <c>int</c>): callers size their texts to it instead of finding the limit by a refusal.
    /// </summary>
    public const string MaxTokensPerTextKey = "max-tokens-per-text";

    /// <summary>
    /// The <see cref="EmbeddingGenerationOptions.AdditionalProperties"/> key whose value
    /// <see cref="BackgroundPriority"/> marks indexing work: it yields to questions between batches.
    /// </summary>
    public const string PriorityKey = WorkPriorities.Key;
    public const string BackgroundPriority = "background";

    public LoadedModel Model { get; }

    /// <summary>The longest text, in the model's tokens with its special tokens, one vector can be made of.</summary>
    public int MaxTokensPerText => _embedder.MaxTokensPerText;
    public int Dimensions => _embedder.Dimensions;

    /// <inheritdoc cref="LlamaEmbedder.CountTokens"/>
    public int CountTokens(string text) => _embedder.CountTokens(text);

    /// <summary>Loads an embedding model on its own (for tools and tests); the generator owns it.</summary>
    /// <param name="maxTokensPerText">the window: the longest text one vector is made of (at most the model's trained context)</param>
    public static async Task<LlamaEmbeddingGenerator> OpenAsync(ModelRequest request, int threads, ILoggerFactory loggers, CancellationToken ct,
        int maxTokensPerText = 2048)
    {
        var runtime = LlamaRuntime.Load(loggers);
        var (handle, info, header) = await new ModelLoader(runtime).LoadAsync(request, ct);
        try
        {
            var embedder = new LlamaEmbedder(handle, header, threads, maxTokensPerText);
            return new LlamaEmbeddingGenerator(embedder, info, new Owned(embedder, handle));
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        if (options?.Dimensions is { } wanted && wanted != Dimensions)
            throw new ArgumentException($"the embedding model '{Model.Name}' produces {Dimensions} dimensions, not {wanted}", nameof(options));
        var texts = values as IReadOnlyList<string> ?? values.ToList();
        var priority = WorkPriorities.From(options?.AdditionalProperties, WorkPriority.Interactive);
        var result = await _embedder.EmbedAsync(texts, cancellationToken, priority);
        var created = DateTimeOffset.UtcNow;
        return new GeneratedEmbeddings<Embedding<float>>(
            result.Vectors.Select(v => new Embedding<float>(v) { ModelId = Model.Name, CreatedAt = created }))
        {
            Usage = new UsageDetails { InputTokenCount = result.InputTokens, TotalTokenCount = result.InputTokens },
        };
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is TokenCounterKey ? (serviceType == typeof(Func<string, int>) ? new Func<string, int>(CountTokens) : null)
        : serviceKey is MaxTokensPerTextKey ? (serviceType == typeof(int) ? MaxTokensPerText : null)
        : serviceKey is not null ? null
        : serviceType == typeof(EmbeddingGeneratorMetadata) ? _metadata
        : serviceType.IsInstanceOfType(this) ? this
        : serviceType == typeof(LoadedModel) ? Model
        : null;

    public void Dispose() => _owned?.Dispose();

    private sealed class Owned(LlamaEmbedder embedder, LlamaModel model) : IDisposable
    {
        public void Dispose()
        {
            embedder.Dispose();
            model.Dispose();
        }
    }
}
