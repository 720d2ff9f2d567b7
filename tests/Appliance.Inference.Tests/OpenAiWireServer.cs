using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Appliance.Inference.Tests;

/// <summary>
/// A small OpenAI-compatible server on loopback (Kestrel), answering with the real engine behind
/// an <see cref="IChatClient"/>/<see cref="IEmbeddingGenerator{TInput,TEmbedding}"/>: what an
/// upstream (mlx_lm.server, Ollama, a second appliance) looks like on the wire.
/// </summary>
public sealed class OpenAiWireServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _chatRequests;
    private int _inFlight;

    private OpenAiWireServer(WebApplication app) => _app = app;

    public Uri BaseUrl { get; private set; } = null!;
    public int ChatRequests => Volatile.Read(ref _chatRequests);
    public int InFlight => Volatile.Read(ref _inFlight);

    public static async Task<OpenAiWireServer> StartAsync(IChatClient chat, IEmbeddingGenerator<string, Embedding<float>> embeddings, string modelName)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new OpenAiWireServer(app);

        app.MapGet("/v1/models", () => Results.Json(new
        {
            @object = "list",
            data = new[] { new { id = modelName, @object = "model", created = 0, owned_by = "appliance" } },
        }));
        app.MapPost("/v1/chat/completions", (HttpContext http) => server.Chat(http, chat, modelName));
        app.MapPost("/v1/embeddings", (HttpContext http) => Embeddings(http, embeddings, modelName));

        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseUrl = new Uri(address.TrimEnd('/') + "/v1/");
        return server;
    }

    private async Task Chat(HttpContext http, IChatClient chat, string modelName)
    {
        Interlocked.Increment(ref _chatRequests);
        Interlocked.Increment(ref _inFlight);
        try
        {
            var body = (await JsonNode.ParseAsync(http.Request.Body))!.AsObject();
            var messages = body["messages"]!.AsArray().Select(m => new ChatMessage(
                new ChatRole(m!["role"]!.GetValue<string>()), m["content"]!.GetValue<string>())).ToList();
            var options = new ChatOptions
            {
                MaxOutputTokens = (body["max_completion_tokens"] ?? body["max_tokens"])?.GetValue<int>(),
                Temperature = body["temperature"]?.GetValue<float>(),
                TopP = body["top_p"]?.GetValue<float>(),
                Seed = body["seed"]?.GetValue<long>(),
                StopSequences = body["stop"] switch
                {
                    JsonArray a => [.. a.Select(s => s!.GetValue<string>())],
                    JsonValue v => [v.GetValue<string>()],
                    _ => null,
                },
            };
            var id = "chatcmpl-" + Guid.NewGuid().ToString("N");
            var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            if (body["stream"]?.GetValue<bool>() != true)
            {
                var response = await chat.GetResponseAsync(messages, options, http.RequestAborted);
                await http.Response.WriteAsJsonAsync(new JsonObject
                {
                    ["id"] = id, ["object"] = "chat.completion", ["created"] = created, ["model"] = modelName,
                    ["choices"] = new JsonArray(new JsonObject
                    {
                        ["index"] = 0,
                        ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = response.Text },
                        ["finish_reason"] = Reason(response.FinishReason),
                    }),
                    ["usage"] = Usage(response.Usage),
                });
                return;
            }

            http.Response.ContentType = "text/event-stream";
            async Task Send(JsonObject chunk)
            {
                await http.Response.WriteAsync("data: " + chunk.ToJsonString() + "\n\n", http.RequestAborted);
                await http.Response.Body.FlushAsync(http.RequestAborted);
            }
            JsonObject Chunk(JsonArray choices) => new() { ["id"] = id, ["object"] = "chat.completion.chunk", ["created"] = created, ["model"] = modelName, ["choices"] = choices };

            UsageDetails? usage = null;
            await foreach (var update in chat.GetStreamingResponseAsync(messages, options, http.RequestAborted))
            {
                usage = update.Contents.OfType<UsageContent>().FirstOrDefault()?.Details ?? usage;
                await Send(Chunk(new JsonArray(new JsonObject
                {
                    ["index"] = 0,
                    ["delta"] = new JsonObject { ["role"] = "assistant", ["content"] = update.Text },
                    ["finish_reason"] = update.FinishReason is { } r ? Reason(r) : null,
                })));
            }
            if (body["stream_options"]?["include_usage"]?.GetValue<bool>() == true)
            {
                var last = Chunk([]);
                last["usage"] = Usage(usage);
                await Send(last);
            }
            await http.Response.WriteAsync("data: [DONE]\n\n", http.RequestAborted);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private static async Task Embeddings(HttpContext http, IEmbeddingGenerator<string, Embedding<float>> embeddings, string modelName)
    {
        var body = (await JsonNode.ParseAsync(http.Request.Body))!.AsObject();
        List<string> inputs = body["input"] switch
        {
            JsonArray a => [.. a.Select(s => s!.GetValue<string>())],
            var v => [v!.GetValue<string>()],
        };
        var base64 = body["encoding_format"]?.GetValue<string>() == "base64";
        var result = await embeddings.GenerateAsync(inputs, cancellationToken: http.RequestAborted);
        var data = new JsonArray();
        for (var i = 0; i < result.Count; i++)
        {
            var vector = result[i].Vector;
            JsonNode encoded = base64
                ? Convert.ToBase64String(System.Runtime.InteropServices.MemoryMarshal.AsBytes(vector.Span))
                : new JsonArray([.. vector.ToArray().Select(f => (JsonNode)f)]);
            data.Add(new JsonObject { ["object"] = "embedding", ["index"] = i, ["embedding"] = encoded });
        }
        await http.Response.WriteAsJsonAsync(new JsonObject
        {
            ["object"] = "list", ["data"] = data, ["model"] = modelName,
            ["usage"] = new JsonObject { ["prompt_tokens"] = result.Usage?.InputTokenCount, ["total_tokens"] = result.Usage?.InputTokenCount },
        });
    }

    private static string Reason(ChatFinishReason? reason) => reason == ChatFinishReason.Length ? "length" : "stop";

    private static JsonObject Usage(UsageDetails? usage) => new()
    {
        ["prompt_tokens"] = usage?.InputTokenCount ?? 0,
        ["completion_tokens"] = usage?.OutputTokenCount ?? 0,
        ["total_tokens"] = usage?.TotalTokenCount ?? 0,
    };

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
