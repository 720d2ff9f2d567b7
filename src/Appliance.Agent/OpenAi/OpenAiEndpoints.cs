using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Appliance.Agent.Answers;
using Appliance.Agent.Audit;
using Appliance.Agent.Documents;
using Appliance.Agent.Identity;
using Appliance.Rag;
using Appliance.Rag.Answers;
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

    public static async Task ChatCompletionsAsync(HttpContext context, ServedModels models, DocumentLibrary library, QueryLog log, IOptions<JsonOptions> json)
    {
        var started = Stopwatch.GetTimestamp();
        var ct = context.RequestAborted;
        var (body, bodyProblem) = await ReadBodyAsync(context);
        if (bodyProblem is not null) { await bodyProblem.ExecuteAsync(context); return; }
        var (request, problem) = ChatRequest.Parse(body!.Value);
        if (problem is not null) { await OpenAiErrors.BadRequest(problem.Message, problem.Param).ExecuteAsync(context); return; }
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

        var caller = Caller.From(context.User);
        var messages = request.Messages.ToList();
        IReadOnlyList<NumberedSource> sources = [];
        if (request.Model == DocumentsModel)
        {
            var question = request.Question ?? "";
            var hits = question.Length == 0 ? [] : await library.SearchAsync(new SearchRequest(question, caller.Groups.ToList()), ct);
            var prompt = AnswerComposer.BuildPrompt(question, hits);
            sources = prompt.Sources;
            messages = [new ChatMessage(ChatRole.System, prompt.System), .. Conversation(request.Messages), new ChatMessage(ChatRole.User, prompt.User)];
        }
        var retrieved = sources.Select(s => s.Hit.DocumentId).Distinct().ToList();
        var id = "chatcmpl-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var modelName = request.Model;
        var (promptTokens, completionTokens, status) = (0, 0, 200);
        try
        {
            if (!request.Stream)
            {
                var response = await models.Chat.GetResponseAsync(messages, request.Options, ct);
                (promptTokens, completionTokens) = ((int?)response.Usage?.InputTokenCount ?? 0, (int?)response.Usage?.OutputTokenCount ?? 0);
                var answer = response.Text;
                IReadOnlyList<CitationView>? citations = null;
                if (request.Model == DocumentsModel)
                {
                    var resolved = AnswerComposer.ResolveCitations(answer, sources);
                    (answer, citations) = (resolved.Text, resolved.Citations.Select(c => CitationView.Of(c.Citation, c.Number)).ToList());
                }
                await TypedResults.Json(new ChatCompletion(id, "chat.completion", created, modelName,
                    [new CompletionChoice(0, new AssistantMessage("assistant", answer, null), null, FinishReason(response.FinishReason))],
                    new CompletionUsage(promptTokens, completionTokens, promptTokens + completionTokens), citations)).ExecuteAsync(context);
                return;
            }

            var sse = new ServerSentEvents(context.Response, json.Value.SerializerOptions);
            await using var updates = models.Chat.GetStreamingResponseAsync(messages, request.Options, ct).GetAsyncEnumerator(ct);
            // The first update decides between a stream and an error status (e.g. 429 when the queue is full).
            var more = await updates.MoveNextAsync();
            sse.Begin();
            await sse.SendAsync(null, Chunk(id, created, modelName, new ChunkDelta("assistant", ""), null), ct);
            var text = new StringBuilder();
            ChatFinishReason? finish = null;
            while (more)
            {
                var update = updates.Current;
                if (update.Contents.OfType<UsageContent>().LastOrDefault()?.Details is { } usage)
                    (promptTokens, completionTokens) = ((int?)usage.InputTokenCount ?? 0, (int?)usage.OutputTokenCount ?? 0);
                finish = update.FinishReason ?? finish;
                if (!string.IsNullOrEmpty(update.Text))
                {
                    text.Append(update.Text);
                    await sse.SendAsync(null, Chunk(id, created, modelName, new ChunkDelta(null, update.Text), null), ct);
                }
                more = await updates.MoveNextAsync();
            }
            IReadOnlyList<CitationView>? cited = request.Model == DocumentsModel
                ? AnswerComposer.ResolveCitations(text.ToString(), sources).Citations.Select(c => CitationView.Of(c.Citation, c.Number)).ToList()
                : null;
            await sse.SendAsync(null, new ChatCompletionChunk(id, "chat.completion.chunk", created, modelName,
                [new ChunkChoice(0, new ChunkDelta(null, null), null, FinishReason(finish))], null, cited), ct);
            if (request.IncludeUsage)
                await sse.SendAsync(null, new ChatCompletionChunk(id, "chat.completion.chunk", created, modelName, [],
                    new CompletionUsage(promptTokens, completionTokens, promptTokens + completionTokens), null), ct);
            await sse.SendAsync(null, "[DONE]", ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            status = 499;  // the client hung up; cancelling the token stopped generation
        }
        catch (Exception e) when (Overload.RetryAfter(e) is { } retryAfter && !context.Response.HasStarted)
        {
            status = 429;
            await Overload.RefuseAsync(context, retryAfter, openAiShape: true);
        }
        catch (ArgumentException e) when (!context.Response.HasStarted)
        {
            // The inference core refuses what it cannot run (a prompt longer than the context) before starting.
            status = 400;
            await OpenAiErrors.Result(400, e.Message.Split(" (Parameter")[0], "context_length_exceeded", "messages").ExecuteAsync(context);
        }
        finally
        {
            await LogAsync(log, context, request.Question, retrieved, promptTokens, completionTokens, started, status);
        }
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
        catch (Exception e) when (Overload.RetryAfter(e) is { } retryAfter && !context.Response.HasStarted)
        {
            status = 429;
            await Overload.RefuseAsync(context, retryAfter, openAiShape: true);
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
