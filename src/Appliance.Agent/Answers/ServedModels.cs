using Microsoft.Extensions.AI;

namespace Appliance.Agent.Answers;

/// <summary>A model as the agent serves it: its name, digest and whether it is a generated test model.</summary>
public sealed record ModelDescription(string Name, string Sha256, long SizeBytes, bool IsTestModel, int ContextLength);

/// <summary>The models this agent answers with; a missing chat model means extractive answers only.</summary>
public sealed record ServedModels(
    IChatClient? Chat,
    ModelDescription? ChatModel,
    IEmbeddingGenerator<string, Embedding<float>>? Embeddings,
    ModelDescription? EmbeddingModel)
{
    public bool ChatIsTestModel => ChatModel?.IsTestModel == true;

    public static ServedModels None { get; } = new(null, null, null, null);
}
