using Microsoft.Extensions.AI;

namespace Appliance.Rag.Chunking;

/// <summary>
/// The embedding model's own token count, so chunks fit its window as the model itself counts. A
/// generator offers it as a <c>Func&lt;string, int&gt;</c> service under the key "token-count" (the
/// llama.cpp generator of Appliance.Inference does); one that does not leaves chunking to the estimate.
/// </summary>
public sealed class ModelTokenCounter(Func<string, int> count) : ITokenCounter
{
    public const string ServiceKey = "token-count";

    public int CountTokens(string text) => count(text);

    public static ModelTokenCounter? From(IEmbeddingGenerator<string, Embedding<float>>? generator) =>
        generator?.GetService(typeof(Func<string, int>), ServiceKey) is Func<string, int> count ? new ModelTokenCounter(count) : null;
}
