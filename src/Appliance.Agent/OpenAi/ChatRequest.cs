using System.Text.Json;
using Appliance.Inference;
using Microsoft.Extensions.AI;

namespace Appliance.Agent.OpenAi;

/// <summary>A chat completion request as understood from OpenAI's JSON, or the exact reason it is refused.</summary>
public sealed record ChatRequest(string Model, IReadOnlyList<ChatMessage> Messages, bool Stream, bool IncludeUsage, ChatOptions Options)
{
    public const int MaxTokensCeiling = 8192;

    /// <summary>Not in OpenAI's format: with model <c>documents</c>, answer only from these collections (as /api/ask's "collections").</summary>
    public IReadOnlyList<string>? Collections { get; init; }

    /// <summary>The last user message: what a retrieval-augmented answer answers and the query log records.</summary>
    public string? Question => Messages.LastOrDefault(m => m.Role == ChatRole.User)?.Text;

    public static (ChatRequest? Request, RequestProblem? Problem) Parse(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object) return Fail("the body must be a JSON object", null);
        if (!body.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.String || model.GetString() is not { Length: > 0 } modelId)
            return Fail("you must provide a model parameter", "model");
        if (!body.TryGetProperty("messages", out var messagesJson) || messagesJson.ValueKind != JsonValueKind.Array || messagesJson.GetArrayLength() == 0)
            return Fail("messages must be a non-empty array", "messages");

        var messages = new List<ChatMessage>();
        var index = 0;
        foreach (var message in messagesJson.EnumerateArray())
        {
            var at = $"messages[{index++}]";
            if (message.ValueKind != JsonValueKind.Object || !message.TryGetProperty("role", out var roleJson) || roleJson.ValueKind != JsonValueKind.String)
                return Fail($"{at} needs a role", at + ".role");
            ChatRole? role = roleJson.GetString() switch
            {
                "system" or "developer" => ChatRole.System,
                "user" => ChatRole.User,
                "assistant" => ChatRole.Assistant,
                "tool" => ChatRole.Tool,
                _ => null,
            };
            if (role is null) return Fail($"{at}.role '{roleJson.GetString()}' is not one of system, developer, user, assistant, tool", at + ".role");
            if (ContentText(message) is not { } text) return Fail($"{at}.content must be a string or an array of text parts", at + ".content");
            messages.Add(new ChatMessage(role.Value, text));
        }

        // The class of work is the caller's, not the body's: the endpoint adds it from the token.
        var options = new ChatOptions { AdditionalProperties = [] };
        if ((Integer(body, "max_completion_tokens") ?? Integer(body, "max_tokens")) is { } maxTokens)
        {
            if (maxTokens is < 1 or > MaxTokensCeiling) return Fail($"max_tokens must be between 1 and {MaxTokensCeiling}", "max_tokens");
            options.MaxOutputTokens = maxTokens;
        }
        if (Number(body, "temperature") is { } temperature)
        {
            if (temperature is < 0 or > 2) return Fail("temperature must be between 0 and 2", "temperature");
            options.Temperature = (float)temperature;
        }
        if (Number(body, "top_p") is { } topP)
        {
            if (topP is <= 0 or > 1) return Fail("top_p must be in (0, 1]", "top_p");
            options.TopP = (float)topP;
        }
        if (Integer(body, "seed") is { } seed) options.Seed = seed;
        if (Integer(body, "n") is { } n && n != 1) return Fail("only n = 1 is supported", "n");
        if (body.TryGetProperty("stop", out var stop) && stop.ValueKind != JsonValueKind.Null)
        {
            var stops = stop.ValueKind == JsonValueKind.String ? [stop.GetString()!]
                : stop.ValueKind == JsonValueKind.Array && stop.EnumerateArray().All(s => s.ValueKind == JsonValueKind.String)
                    ? stop.EnumerateArray().Select(s => s.GetString()!).ToList() : null;
            if (stops is null || stops.Count > 4) return Fail("stop must be a string or up to 4 strings", "stop");
            options.StopSequences = stops;
        }
        // llama.cpp server's extension: generate exactly max_tokens (benchmarks need a fixed amount of work).
        if (body.TryGetProperty("ignore_eos", out var ignoreEos) && ignoreEos.ValueKind == JsonValueKind.True)
            options.AdditionalProperties[LlamaChatClient.IgnoreEndOfGenerationProperty] = true;
        IReadOnlyList<string>? collections = null;
        if (body.TryGetProperty("collections", out var c) && c.ValueKind != JsonValueKind.Null)
        {
            if (c.ValueKind != JsonValueKind.Array || !c.EnumerateArray().All(id => id.ValueKind == JsonValueKind.String))
                return Fail("collections must be an array of collection ids", "collections");
            collections = [.. c.EnumerateArray().Select(id => id.GetString()!)];
        }
        var stream = body.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True;
        var includeUsage = body.TryGetProperty("stream_options", out var so) && so.ValueKind == JsonValueKind.Object
            && so.TryGetProperty("include_usage", out var iu) && iu.ValueKind == JsonValueKind.True;
        return (new ChatRequest(modelId, messages, stream, includeUsage, options) { Collections = collections }, null);
    }

    private static string? ContentText(JsonElement message)
    {
        if (!message.TryGetProperty("content", out var content) || content.ValueKind == JsonValueKind.Null) return "";
        if (content.ValueKind == JsonValueKind.String) return content.GetString();
        if (content.ValueKind != JsonValueKind.Array) return null;
        var parts = new List<string>();
        foreach (var part in content.EnumerateArray())
        {
            if (part.ValueKind != JsonValueKind.Object || !part.TryGetProperty("type", out var type) || type.GetString() != "text"
                || !part.TryGetProperty("text", out var text) || text.ValueKind != JsonValueKind.String)
                return null;
            parts.Add(text.GetString()!);
        }
        return string.Join("\n", parts);
    }

    private static int? Integer(JsonElement body, string name) =>
        body.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n) ? n : null;

    private static double? Number(JsonElement body, string name) =>
        body.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;

    private static (ChatRequest?, RequestProblem?) Fail(string message, string? param) => (null, new RequestProblem(message, param));
}

public sealed record RequestProblem(string Message, string? Param);
