using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Appliance.Inference;

/// <summary>
/// <see cref="IChatClient"/> over the in-process engine. Options map to the sampler:
/// Temperature, TopP, TopK, Seed, MaxOutputTokens, StopSequences, FrequencyPenalty,
/// PresencePenalty, and AdditionalProperties "min_p", "repetition_penalty", <see cref="IgnoreEndOfGenerationProperty"/> and <see cref="WorkPriorities.Key"/>
/// (the request's class; interactive when absent).
/// Responses from a generated test model carry AdditionalProperties["appliance.test_model"] = true:
/// their text is meaningless and whatever shows it must say so.
/// </summary>
public sealed class LlamaChatClient : IChatClient
{
    public const string TestModelProperty = "appliance.test_model";

    /// <summary>AdditionalProperties key: true keeps generating past end-of-generation tokens up to MaxOutputTokens.</summary>
    public const string IgnoreEndOfGenerationProperty = "ignore_eos";

    private readonly DecodeScheduler _scheduler;
    private readonly ChatPromptFormat _format;
    private readonly ChatClientMetadata _metadata;
    private readonly PromptBudget _budget;

    internal LlamaChatClient(DecodeScheduler scheduler, ChatPromptFormat format, LoadedModel model)
    {
        _scheduler = scheduler;
        _format = format;
        Model = model;
        _metadata = new ChatClientMetadata("llama.cpp", null, model.Name);
        _budget = new PromptBudget(scheduler.Options.ContextPerSequence, messages => format.Tokenize(messages).Count);
    }

    public LoadedModel Model { get; }

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in GetStreamingResponseAsync(messages, options, cancellationToken))
            updates.Add(update);
        return updates.ToChatResponse();
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var prompt = _format.Tokenize(messages);
        var request = ToRequest(prompt, options);
        var id = "chatcmpl-" + Guid.NewGuid().ToString("N");
        var created = DateTimeOffset.UtcNow;
        await foreach (var update in _scheduler.GenerateAsync(request, cancellationToken))
        {
            var chunk = new ChatResponseUpdate(ChatRole.Assistant, update.Text)
            {
                ResponseId = id,
                MessageId = id,
                CreatedAt = created,
                ModelId = Model.Name,
            };
            if (Model.IsTestModel) chunk.AdditionalProperties = new() { [TestModelProperty] = true };
            if (update.Usage is { } usage)
            {
                chunk.FinishReason = usage.FinishReason == FinishReason.Length ? ChatFinishReason.Length : ChatFinishReason.Stop;
                chunk.Contents.Add(new UsageContent(new UsageDetails
                {
                    InputTokenCount = usage.PromptTokens,
                    OutputTokenCount = usage.CompletionTokens,
                    TotalTokenCount = usage.PromptTokens + usage.CompletionTokens,
                    CachedInputTokenCount = usage.CachedPromptTokens,
                }));
                (chunk.AdditionalProperties ??= [])["generation_usage"] = usage;
            }
            yield return chunk;
        }
    }

    private GenerationRequest ToRequest(IReadOnlyList<int> prompt, ChatOptions? options)
    {
        var extra = options?.AdditionalProperties;
        var sampling = new SamplingOptions
        {
            Temperature = options?.Temperature ?? 0.8f,
            TopP = options?.TopP ?? 0.95f,
            TopK = options?.TopK ?? 40,
            Seed = options?.Seed is { } seed ? unchecked((uint)seed) : null,
            FrequencyPenalty = options?.FrequencyPenalty ?? 0,
            PresencePenalty = options?.PresencePenalty ?? 0,
            MinP = extra is not null && extra.TryGetValue("min_p", out float minP) ? minP : 0.05f,
            RepetitionPenalty = extra is not null && extra.TryGetValue("repetition_penalty", out float rp) ? rp : 1.0f,
        };
        var room = _scheduler.Options.ContextPerSequence - prompt.Count;
        var max = Math.Max(1, Math.Min(options?.MaxOutputTokens ?? room, room));
        return new GenerationRequest(prompt, sampling, max, [.. options?.StopSequences ?? []],
            IgnoreEndOfGeneration: extra is not null && extra.TryGetValue(IgnoreEndOfGenerationProperty, out bool ignore) && ignore,
            Priority: WorkPriorities.From(extra, WorkPriority.Interactive));
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(ChatClientMetadata) ? _metadata
        : serviceType == typeof(LoadedModel) ? Model
        : serviceType == typeof(DecodeScheduler) ? _scheduler
        : serviceType == typeof(PromptBudget) ? _budget
        : serviceType.IsInstanceOfType(this) ? this
        : null;

    /// <summary>The scheduler and model belong to <see cref="InferenceService"/>.</summary>
    public void Dispose() { }
}
