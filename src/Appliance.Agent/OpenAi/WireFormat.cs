namespace Appliance.Agent.OpenAi;

// OpenAI's response shapes, field for field (snake_case by the agent's JSON policy), so every
// client library that parses OpenAI's answers parses ours.

public sealed record ModelEntry(string Id, string Object, long Created, string OwnedBy);

public sealed record ModelList(string Object, IReadOnlyList<ModelEntry> Data);

public sealed record AssistantMessage(string Role, string? Content, string? Refusal);

public sealed record CompletionChoice(int Index, AssistantMessage Message, object? Logprobs, string FinishReason);

public sealed record CompletionUsage(int PromptTokens, int CompletionTokens, int TotalTokens);

/// <param name="Citations">not in OpenAI's format: the sources of a retrieval-augmented answer; clients that do not know it ignore it</param>
/// <param name="Searched">not in OpenAI's format: what the documents were searched for (a follow-up made standalone)</param>
public sealed record ChatCompletion(string Id, string Object, long Created, string Model, IReadOnlyList<CompletionChoice> Choices,
    CompletionUsage Usage, IReadOnlyList<Documents.CitationView>? Citations, string? Searched = null);

public sealed record ChunkDelta(string? Role, string? Content);

public sealed record ChunkChoice(int Index, ChunkDelta Delta, object? Logprobs, string? FinishReason);

public sealed record ChatCompletionChunk(string Id, string Object, long Created, string Model, IReadOnlyList<ChunkChoice> Choices,
    CompletionUsage? Usage, IReadOnlyList<Documents.CitationView>? Citations, string? Searched = null);

public sealed record EmbeddingEntry(string Object, int Index, object Embedding);

public sealed record EmbeddingUsage(int PromptTokens, int TotalTokens);

public sealed record EmbeddingList(string Object, IReadOnlyList<EmbeddingEntry> Data, string Model, EmbeddingUsage Usage);
