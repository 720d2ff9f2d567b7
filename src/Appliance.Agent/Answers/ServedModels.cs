using Appliance.Inference;
using Microsoft.Extensions.AI;

namespace Appliance.Agent.Answers;

/// <summary>A model as the agent serves it: its name, digest and whether it is a generated test model.</summary>
public sealed record ModelDescription(string Name, string Sha256, long SizeBytes, bool IsTestModel, int ContextLength)
{
    public static ModelDescription Of(LoadedModel model) => new(model.Name, model.Sha256, model.SizeBytes, model.IsTestModel, model.ContextLength);
}

/// <summary>The models this agent answers with; a missing chat model means extractive answers only.</summary>
public sealed record ServedModels(
    IChatClient? Chat,
    ModelDescription? ChatModel,
    IEmbeddingGenerator<string, Embedding<float>>? Embeddings,
    ModelDescription? EmbeddingModel)
{
    public bool ChatIsTestModel => ChatModel?.IsTestModel == true;

    /// <summary>Load statistics of the inference core, when one runs in this process.</summary>
    public Func<InferenceStats>? Stats { get; init; }

    public static ServedModels None { get; } = new(null, null, null, null);

    public static ServedModels From(InferenceService inference) =>
        new(inference.Chat, ModelDescription.Of(inference.ChatModel), inference.Embeddings, ModelDescription.Of(inference.EmbeddingModel))
        {
            Stats = () => inference.Stats,
        };
}
