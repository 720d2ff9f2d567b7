using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Appliance.Agent.Answers;
using Appliance.Agent.Audit;
using Appliance.Agent.Documents;
using Appliance.Agent.Identity;
using Appliance.Agent.Hosting;
using Appliance.Inference;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace Appliance.Agent.OpenAi;

/// <summary>
/// /v1: OpenAI's chat completions, embeddings and model list, so existing clients work unchanged.
/// Besides the chat model itself, the model id <c>documents</c> answers from the office documents
/// the caller may read, with the sources in an extra <c>citations</c> field.
/// </summary>
public static class OpenAiEndpoints
{
    public const string DocumentsModel = "documents";

    public static async Task<IResult> ModelsAsync(HttpContext context, ServedModels models, QueryLog log)
    {
        var started = Stopwatch.GetTimestamp();
        var entries = new List<ModelEntry>();
        if (models.ChatModel is { } chat)
        {
            entries.Add(new ModelEntry(chat.Name, "model", 0, "appliance"));
            entries.Add(new ModelEntry(DocumentsModel, "model", 0, "appliance"));
        }
        if (models.EmbeddingModel is { } embedding) entries.Add(new ModelEntry(embedding.Name, "model", 0, "appliance"));
        await LogAsync(log, context, null, [], 0, 0, started, 200);
        return TypedResults.Json(new ModelList("list", entries));
    }

    public static async Task ChatCompletionsAsync(Caller caller, HttpContext context, ServedModels models, Answerer answerer, QueryLog log, IOptions<JsonOptions> json,
        StreamClock streams)
    {
        var started = Stopwatch.GetTimestamp();
        var ct = context.RequestAborted;
        var (body, bodyProblem) = await ReadBodyAsync(context);
        if (bodyProblem is not null) { await bodyProblem.ExecuteAsync(context); return; }
        var (request, problem) = ChatRequest.Parse(body!.Value);
        if (problem is not null) { await OpenAiErrors.BadRequest(problem.Message, problem.Param).ExecuteAsync(context); return; }
        request!.Options.AdditionalProperties![WorkPriorities.Key] = Principals.ApiWorkClass(context.User);
        if (models.Chat is null || models.ChatModel is null)
        {
            await OpenAiErrors.Result(503, "no chat model is loaded on this appliance", "model_not_loaded").ExecuteAsync(context);
            return;
        }
        if (request!.Model != models.ChatModel.Name && request.Model != DocumentsModel)
        {
            await OpenAiErrors.Result(404, $"The model '{request.Model}' does not exist; available: {models.ChatModel.Name}, {DocumentsModel}", "model_not_found", "model")
                .ExecuteAsync(context);
            return;
        }
        var documents = request.Model == DocumentsModel;
        if (documents && string.IsNullOrWhiteSpace(request.Question))
        {
            await OpenAiErrors.BadRequest($"the model '{DocumentsModel}' answers the last user message; there is none", "messages").ExecuteAsync(context);
            return;
        }

        // The same answer pipeline as /api/ask; this route only speaks OpenAI's wire format.
        var events = documents
            ? answerer.AnswerAsync(new AnswerRequest(caller, AccessDenials.RouteOf(context), request.Question!, request.Options)
            {
                EarlierTurns = [.. Conversation(request.Messages)],
                Collections = request.Collections,
            }, ct)
            : answerer.ChatAsync(request.Messages, request.Options, ct);
        var id = "chatcmpl-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var modelName = request.Model;
        var sse = new ServerSentEvents(context.Response, json.Value.SerializerOptions, streams);
        AnswerSummary? summary = null;
        var status = 200;
        try
        {
            var text = new StringBuilder();
            await foreach (var e in events)
            {
                if (e is AnswerEvent.Refused refused)
                {
                    status = await RefusalAnswers.WriteAsync(context, refused.Refusal);
                    return;
                }
                if (request.Stream && !context.Response.HasStarted)
                {
                    sse.Begin();
                    await sse.SendAsync(null, Chunk(id, created, modelName, new ChunkDelta("assistant", ""), null), ct);
                }
                switch (e)
                {
                    case AnswerEvent.Delta delta when request.Stream:
                        await sse.SendAsync(null, Chunk(id, created, modelName, new ChunkDelta(null, delta.Text), null), ct);
                        break;
                    case AnswerEvent.Delta delta:
                        text.Append(delta.Text);
                        break;
                    case AnswerEvent.Done done:
                        summary = done.Summary;
                        await FinishAsync(context, sse, request, done, id, created, documents, ct);
                        break;
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            status = 499;  // the client hung up; cancelling the token stopped generation
        }
        catch
        {
            status = 500;  // a fault, not a refusal: the error handler answers and logs it
            throw;
        }
        finally
        {
            var logging = Stopwatch.GetTimestamp();
            await LogAsync(log, context, request.Question, summary?.RetrievedDocumentIds ?? [], summary?.Usage.PromptTokens ?? 0,
                summary?.Usage.CompletionTokens ?? 0, started, status);
            streams.Charge(StreamPart.QueryLog, logging);
        }
    }

    /// <summary>The end of a completion: the whole message (non-streaming), or the finish, citations and usage chunks.</summary>
    private static async Task FinishAsync(HttpContext context, ServerSentEvents sse, ChatRequest request, AnswerEvent.Done done,
        string id, long created, bool documents, CancellationToken ct)
    {
        var summary = done.Summary;
        var usage = new CompletionUsage(summary.Usage.PromptTokens, summary.Usage.CompletionTokens, summary.Usage.PromptTokens + summary.Usage.CompletionTokens);
        var citations = documents ? summary.Citations : null;
        if (!request.Stream)
        {
            await TypedResults.Json(new ChatCompletion(id, "chat.completion", created, request.Model,
                [new CompletionChoice(0, new AssistantMessage("assistant", summary.Answer, null), null, FinishReason(done.Finish))],
                usage, citations, documents ? summary.Searched : null)).ExecuteAsync(context);
            return;
        }
        await sse.SendAsync(null, new ChatCompletionChunk(id, "chat.completion.chunk", created, request.Model,
            [new ChunkChoice(0, new ChunkDelta(null, null), null, FinishReason(done.Finish))], null, citations, documents ? summary.Searched : null), ct);
        if (request.IncludeUsage)
            await sse.SendAsync(null, new ChatCompletionChunk(id, "chat.completion.chunk", created, request.Model, [], usage, null), ct);
        await sse.SendAsync(null, "[DONE]", ct);
    }

    public static async Task EmbeddingsAsync(HttpContext context, ServedModels models, QueryLog log)
    {
        var started = Stopwatch.GetTimestamp();
        var (body, bodyProblem) = await ReadBodyAsync(context);
        if (bodyProblem is not null) { await bodyProblem.ExecuteAsync(context); return; }
        var root = body!.Value;
        if (models.Embeddings is null || models.EmbeddingModel is null)
        {
            await OpenAiErrors.Result(503, "no embedding model is loaded on this appliance", "model_not_loaded").ExecuteAsync(context);
            return;
        }
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.String)
        {
            await OpenAiErrors.BadRequest("you must provide a model parameter", "model").ExecuteAsync(context);
            return;
        }
        if (model.GetString() != models.EmbeddingModel.Name)
        {
            await OpenAiErrors.Result(404, $"The model '{model.GetString()}' does not exist; available: {models.EmbeddingModel.Name}", "model_not_found", "model").ExecuteAsync(context);
            return;
        }
        List<string>? inputs = !root.TryGetProperty("input", out var input) ? null
            : input.ValueKind == JsonValueKind.String ? [input.GetString()!]
            : input.ValueKind == JsonValueKind.Array && input.GetArrayLength() is > 0 and <= 2048 && input.EnumerateArray().All(i => i.ValueKind == JsonValueKind.String)
                ? input.EnumerateArray().Select(i => i.GetString()!).ToList() : null;
        if (inputs is null || inputs.Any(i => i.Length == 0))
        {
            await OpenAiErrors.BadRequest("input must be a non-empty string or an array of 1–2048 non-empty strings (token arrays are not supported)", "input").ExecuteAsync(context);
            return;
        }
        var format = root.TryGetProperty("encoding_format", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString() : "float";
        if (format is not ("float" or "base64"))
        {
            await OpenAiErrors.BadRequest("encoding_format must be float or base64", "encoding_format").ExecuteAsync(context);
            return;
        }
        var status = 200;
        var tokens = 0;
        try
        {
            var generated = await models.Embeddings.GenerateAsync(inputs, null, context.RequestAborted);
            tokens = (int?)generated.Usage?.InputTokenCount ?? 0;
            var data = generated.Select((e, i) => new EmbeddingEntry("embedding", i,
                format == "base64" ? Convert.ToBase64String(MemoryMarshal.AsBytes(e.Vector.Span)) : e.Vector.ToArray())).ToList();
            await TypedResults.Json(new EmbeddingList("list", data, models.EmbeddingModel.Name, new EmbeddingUsage(tokens, tokens))).ExecuteAsync(context);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            status = 499;
        }
        catch (InferenceRefusedException e) when (!context.Response.HasStarted)
        {
            status = await RefusalAnswers.WriteAsync(context, e.Refusal);
        }
        finally
        {
            // Embedding inputs are usually documents, not questions: only their count is logged.
            await LogAsync(log, context, null, [], tokens, 0, started, status);
        }
    }

    /// <summary>Earlier turns of a conversation, without the client's own system prompt and the question itself.</summary>
    private static IEnumerable<ChatMessage> Conversation(IReadOnlyList<ChatMessage> messages)
    {
        var lastUser = messages.Select((m, i) => (m, i)).LastOrDefault(x => x.m.Role == ChatRole.User).i;
        return messages.Where((m, i) => m.Role != ChatRole.System && i != lastUser);
    }

    private static ChatCompletionChunk Chunk(string id, long created, string model, ChunkDelta delta, string? finish) =>
        new(id, "chat.completion.chunk", created, model, [new ChunkChoice(0, delta, null, finish)], null, null);

    private static string FinishReason(ChatFinishReason? reason) => reason == ChatFinishReason.Length ? "length" : "stop";

    private static async Task<(JsonElement? Body, IResult? Problem)> ReadBodyAsync(HttpContext context)
    {
        try
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body, default, context.RequestAborted);
            return (document.RootElement.Clone(), null);
        }
        catch (JsonException e)
        {
            return (null, OpenAiErrors.BadRequest($"the body is not valid JSON: {e.Message}"));
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, OpenAiErrors.Result(413, $"the request body is larger than {Hosting.AgentHost.JsonBodyLimit / 1024} KiB"));
        }
    }

    private static Task LogAsync(QueryLog log, HttpContext context, string? question, IReadOnlyList<string> documents,
        int promptTokens, int completionTokens, long started, int status) =>
        log.AppendAsync(new QueryRecord(Caller.From(context.User).Name, context.Request.Path.Value ?? "/v1", question, documents,
            promptTokens, completionTokens, Stopwatch.GetElapsedTime(started), status), CancellationToken.None);
}
