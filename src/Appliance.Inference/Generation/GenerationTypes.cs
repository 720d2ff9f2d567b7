namespace Appliance.Inference;

/// <summary>
/// How the next token is chosen. Temperature 0 is greedy. The chain is
/// penalties → top_k → top_p → min_p → temperature → seeded draw, llama.cpp's usual order.
/// </summary>
public sealed record SamplingOptions
{
    public float Temperature { get; init; } = 0.8f;
    public float TopP { get; init; } = 0.95f;
    public int TopK { get; init; } = 40;
    public float MinP { get; init; } = 0.05f;

    /// <summary>Same seed, same prompt, same options → same output. Null draws a fresh seed.</summary>
    public uint? Seed { get; init; }

    /// <summary>1.0 is off; above 1 discourages tokens seen in the last <see cref="PenaltyLastN"/>.</summary>
    public float RepetitionPenalty { get; init; } = 1.0f;
    public float FrequencyPenalty { get; init; }
    public float PresencePenalty { get; init; }
    public int PenaltyLastN { get; init; } = 64;

    public static SamplingOptions Greedy { get; } = new() { Temperature = 0 };
}

/// <summary>One generation: a tokenized prompt and when to stop.</summary>
/// <param name="IgnoreEndOfGeneration">keep going past end-of-generation tokens (benchmarks: a fixed amount of work)</param>
/// <param name="Priority">the request's class: it decides the queue it waits in and whether it may be paused for a higher one</param>
public sealed record GenerationRequest(IReadOnlyList<int> PromptTokens, SamplingOptions Sampling, int MaxTokens, IReadOnlyList<string> StopStrings,
    bool IgnoreEndOfGeneration = false, WorkPriority Priority = WorkPriority.Interactive)
{
    public GenerationRequest(IReadOnlyList<int> promptTokens, int maxTokens, WorkPriority priority = WorkPriority.Interactive)
        : this(promptTokens, SamplingOptions.Greedy, maxTokens, [], Priority: priority) { }
}

public enum FinishReason { Stop, Length, Cancelled }

/// <summary>What a finished generation cost.</summary>
/// <param name="CachedPromptTokens">prompt tokens whose KV came from a shared prefix and were not recomputed</param>
/// <param name="DecodeTokensPerSecond">completion tokens after the first, per second between the first and the last</param>
public sealed record GenerationUsage(
    int PromptTokens,
    int CachedPromptTokens,
    int CompletionTokens,
    TimeSpan TimeToFirstToken,
    double DecodeTokensPerSecond,
    TimeSpan Duration,
    FinishReason FinishReason);

/// <summary>A piece of streamed output; the last one carries <see cref="Usage"/>.</summary>
public sealed record GenerationUpdate(string Text, GenerationUsage? Usage = null);

/// <summary>Why the inference core will not run a request: decided by a rule, never parsed from text.</summary>
public enum RefusalReason
{
    /// <summary>The prompt does not fit one conversation's context.</summary>
    PromptTooLong,

    /// <summary>Too many requests are waiting; <see cref="Refusal.RetryAfter"/> says when to try again.</summary>
    QueueFull,

    /// <summary>A text to embed is longer than the embedding model's window.</summary>
    TextTooLong,
}

/// <summary>A refusal as data: the reason the caller's answer (HTTP status) is chosen by, and a plain explanation for the person.</summary>
public sealed record Refusal(RefusalReason Reason, string Detail, TimeSpan? RetryAfter = null)
{
    public static Refusal PromptTooLong(int promptTokens, int contextTokens) => new(RefusalReason.PromptTooLong,
        $"the prompt has {promptTokens} tokens; this model's context holds {contextTokens} per conversation (shorten the conversation or the question)");

    public static Refusal QueueFull(WorkPriority priority, int queueLimit, TimeSpan retryAfter) => new(RefusalReason.QueueFull,
        $"the inference queue for {priority.ToString().ToLowerInvariant()} requests is full ({queueLimit} waiting)", retryAfter);
}

/// <summary>
/// Thrown before anything runs when the core refuses a request (see <see cref="Refusal"/>). Any other
/// exception from the core is a fault, not a refusal.
/// </summary>
public sealed class InferenceRefusedException(Refusal refusal) : Exception(refusal.Detail)
{
    public Refusal Refusal { get; } = refusal;
}

/// <summary>
/// How many tokens a conversation takes in a chat model's own prompt format, and how many one
/// conversation may hold: what a prompt builder needs to fit retrieved sources to the context.
/// Chat clients that know it offer it through <c>GetService(typeof(PromptBudget))</c>.
/// </summary>
public sealed class PromptBudget(int contextTokens, Func<IEnumerable<Microsoft.Extensions.AI.ChatMessage>, int> countTokens)
{
    public int ContextTokens { get; } = contextTokens;

    public int CountTokens(IEnumerable<Microsoft.Extensions.AI.ChatMessage> messages) => countTokens(messages);
}

/// <summary>A snapshot of the inference load, for the status page and metrics.</summary>
/// <param name="RequestsByClass">requests the local scheduler accepted since start, per class of work (every class present)</param>
public sealed record InferenceStats(
    int QueueDepth,
    int ActiveSequences,
    long PromptTokensTotal,
    long CompletionTokensTotal,
    double RecentDecodeTokensPerSecond,
    long ModelMemoryBytes,
    IReadOnlyDictionary<WorkPriority, long> RequestsByClass)
{
    /// <summary>Wall time the decode loop spent in each part since start (empty for an upstream).</summary>
    public IReadOnlyDictionary<LoopPart, TimeSpan> LoopTime { get; init; } = new Dictionary<LoopPart, TimeSpan>();
}
