using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using OpenAI.Chat;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;
using AiFinishReason = Microsoft.Extensions.AI.ChatFinishReason;

namespace Appliance.Inference;

/// <summary>
/// <see cref="IChatClient"/> over the upstream pool with the official OpenAI client. A request
/// that fails on one upstream before any text arrived is retried on the next; once text has been
/// streamed, a failure is reported (the answer cannot be stitched from two servers).
/// </summary>
public sealed class UpstreamChatClient(UpstreamPool pool, string model) : IChatClient
{
    private readonly ChatClientMetadata _metadata = new("openai-compatible", pool.Upstreams[0].BaseUrl, model);

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<AiChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in GetStreamingResponseAsync(messages, options, cancellationToken))
            updates.Add(update);
        return updates.ToChatResponse();
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<AiChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var wire = messages.Select(ToWire).ToList();
        var wireOptions = ToWire(options);
        Exception? last = null;
        foreach (var upstream in pool.Candidates())
        {
            using var lease = upstream.Lease();
            var client = new ChatClient(options?.ModelId ?? model, Upstream.Credential, upstream.Options);
            var stream = client.CompleteChatStreamingAsync(wire, wireOptions, cancellationToken).GetAsyncEnumerator(cancellationToken);
            var yielded = false;
            try
            {
                while (true)
                {
                    ChatResponseUpdate? next;
                    try
                    {
                        if (!await stream.MoveNextAsync()) break;
                        next = FromWire(stream.Current);
                    }
                    catch (Exception e) when (!yielded && UpstreamPool.IsUpstreamFailure(e) && !cancellationToken.IsCancellationRequested)
                    {
                        pool.MarkFailed(upstream, e);
                        last = e;
                        goto nextUpstream;
                    }
                    yielded = true;
                    yield return next;
                }
                yield break;
            }
            finally
            {
                await stream.DisposeAsync();
            }
            nextUpstream:;
        }
        throw new HttpRequestException($"no upstream answered ({string.Join(", ", pool.Upstreams.Select(u => u.BaseUrl))}): {last?.Message}", last);
    }

    private static OpenAI.Chat.ChatMessage ToWire(AiChatMessage m) =>
        m.Role == ChatRole.System ? new SystemChatMessage(m.Text)
        : m.Role == ChatRole.Assistant ? new AssistantChatMessage(m.Text)
        : new UserChatMessage(m.Text);

    private static ChatCompletionOptions ToWire(ChatOptions? o)
    {
        var wire = new ChatCompletionOptions
        {
            Temperature = o?.Temperature,
            TopP = o?.TopP,
            MaxOutputTokenCount = o?.MaxOutputTokens,
            FrequencyPenalty = o?.FrequencyPenalty,
            PresencePenalty = o?.PresencePenalty,
        };
#pragma warning disable OPENAI001 // seed is marked experimental in the OpenAI client
        if (o?.Seed is { } seed) wire.Seed = seed;
#pragma warning restore OPENAI001
        foreach (var stop in o?.StopSequences ?? []) wire.StopSequences.Add(stop);
        return wire;
    }

    private ChatResponseUpdate FromWire(StreamingChatCompletionUpdate u)
    {
        var update = new ChatResponseUpdate(ChatRole.Assistant, string.Concat(u.ContentUpdate.Select(p => p.Text)))
        {
            ResponseId = u.CompletionId,
            MessageId = u.CompletionId,
            CreatedAt = u.CreatedAt,
            ModelId = u.Model ?? model,
        };
        if (u.FinishReason is { } reason)
            update.FinishReason = reason == OpenAI.Chat.ChatFinishReason.Length ? AiFinishReason.Length : AiFinishReason.Stop;
        if (u.Usage is { } usage)
            update.Contents.Add(new UsageContent(new UsageDetails
            {
                InputTokenCount = usage.InputTokenCount,
                OutputTokenCount = usage.OutputTokenCount,
                TotalTokenCount = usage.TotalTokenCount,
            }));
        return update;
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(ChatClientMetadata) ? _metadata
        : serviceType == typeof(UpstreamPool) ? pool
        : serviceType.IsInstanceOfType(this) ? this
        : null;

    public void Dispose() { }
}
