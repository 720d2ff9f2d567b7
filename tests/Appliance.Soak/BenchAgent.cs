using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Appliance.Soak;

/// <summary>
/// The agent as the serving benches drive it: a real process on the ~100 M F16 bench model with an
/// admin's API token, and one streamed /v1/chat/completions request at a time per call — greedy and
/// with exactly the asked number of tokens (ignore_eos), so every request is the same amount of work.
/// </summary>
public sealed class BenchAgent : IAsyncDisposable
{
    private readonly SoakBox _box;
    private readonly AgentProcess _agent;

    private BenchAgent(SoakBox box, AgentProcess agent, HttpClient http, string model) => (_box, _agent, Http, Model) = (box, agent, http, model);

    /// <summary>The admin's client (it may read /metrics too).</summary>
    public HttpClient Http { get; }

    public string Model { get; }

    public static async Task<BenchAgent> StartAsync(int parallel, int threads, int contextLength, CancellationToken ct)
    {
        var box = new SoakBox(users: 1, queueLimit: 64, parallel: parallel, chatModel: "bench-100m-f16.gguf", threads: threads, contextLength: contextLength);
        box.AdminToken = (await AgentProcess.VerbAsync(box, ct, "users", "token", SoakBox.Admin, "--label", "bench")).EnsureSuccess().StandardOutput.Trim();
        var agent = await AgentProcess.StartAsync(box, ct);
        await agent.WaitForSyncAsync(box.AdminToken, ct);
        var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { BaseAddress = agent.Address, Timeout = TimeSpan.FromMinutes(10) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", box.AdminToken);
        using var models = JsonDocument.Parse(await http.GetStringAsync("/v1/models", ct));
        var model = models.RootElement.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()!)
            .First(id => id.StartsWith("bench-100m", StringComparison.Ordinal));
        return new BenchAgent(box, agent, http, model);
    }

    /// <param name="Ttft">to the first event, which the agent sends with the first token (even one that shows no text)</param>
    public sealed record Streamed(int PromptTokens, int CompletionTokens, TimeSpan Ttft);

    /// <summary>
    /// One streamed completion. The arrival time (a Stopwatch timestamp) of every chunk with text goes into
    /// <paramref name="chunks"/>, which the caller keeps also when it cancels; <paramref name="producing"/> is
    /// set once twenty have come.
    /// </summary>
    public async Task<Streamed> StreamAsync(string prompt, int maxTokens, List<long> chunks, CancellationToken ct, TaskCompletionSource? producing = null)
    {
        var body = new JsonObject
        {
            ["model"] = Model,
            ["stream"] = true,
            ["stream_options"] = new JsonObject { ["include_usage"] = true },
            ["max_tokens"] = maxTokens,
            ["ignore_eos"] = true,
            ["temperature"] = 0,
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = prompt }),
        };
        var sent = Stopwatch.GetTimestamp();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
        using var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"/v1/chat/completions answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
        long first = 0;
        int promptTokens = 0, completionTokens = 0;
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (!line.StartsWith("data: ", StringComparison.Ordinal) || line == "data: [DONE]") continue;
            var now = Stopwatch.GetTimestamp();
            if (first == 0) first = now;
            using var chunk = JsonDocument.Parse(line.AsMemory(6));
            if (chunk.RootElement.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
            {
                promptTokens = usage.GetProperty("prompt_tokens").GetInt32();
                completionTokens = usage.GetProperty("completion_tokens").GetInt32();
            }
            if (!chunk.RootElement.GetProperty("choices").EnumerateArray()
                    .Any(c => c.TryGetProperty("delta", out var d) && d.TryGetProperty("content", out var t) && t.GetString() is { Length: > 0 }))
                continue;
            chunks.Add(now);
            if (chunks.Count == 20) producing?.TrySetResult();
        }
        return new Streamed(promptTokens, completionTokens, Stopwatch.GetElapsedTime(sent, first));
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _agent.DisposeAsync();
        _box.Dispose();
    }
}
