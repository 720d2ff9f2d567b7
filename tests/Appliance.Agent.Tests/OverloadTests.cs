using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Appliance.Agent.Answers;

namespace Appliance.Agent.Tests;

/// <summary>One sequence, no waiting room: the second concurrent request must get 429 with Retry-After.</summary>
public sealed class OverloadTests : IAsyncLifetime
{
    private readonly TestOffice _office = TestOffice.Create(parallel: 1, queueLimit: 0);
    private RunningAgent _agent = null!;

    public async Task InitializeAsync() => _agent = await RunningAgent.StartAsync(_office);

    public async Task DisposeAsync()
    {
        await _agent.DisposeAsync();
        _office.Dispose();
    }

    private static HttpRequestMessage LongStream() => new(HttpMethod.Post, "/v1/chat/completions")
    {
        Content = JsonContent.Create(new { model = "tiny-chat", stream = true, max_tokens = 2000, messages = new[] { new { role = "user", content = "Write a long story." } } }),
    };

    private int ActiveSequences => _agent.App.Services.GetRequiredService<ServedModels>().Stats!().ActiveSequences;

    [Fact]
    public async Task A_full_queue_answers_429_with_Retry_After_and_a_hang_up_frees_the_sequence()
    {
        // The generated model has random weights: now and then it ends its "long story" at once, and a
        // fast core finishes 2,000 tokens in a blink. The refusals are only checked while the first
        // answer still holds the one sequence; if it ended first, the scenario starts over.
        for (var attempt = 1; ; attempt++)
        {
            using var first = _agent.As("emil");
            using var streaming = await first.SendAsync(LongStream(), HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, streaming.StatusCode);
            var reader = new StreamReader(await streaming.Content.ReadAsStreamAsync());
            Assert.StartsWith("data: ", await reader.ReadLineAsync());

            using var second = _agent.As("lars");
            using var refused = await second.SendAsync(LongStream());
            using var asked = await second.PostAsJsonAsync("/api/ask", new { question = "parking?", max_tokens = 4 });
            using var documents = await second.PostAsJsonAsync("/v1/chat/completions",
                new { model = "documents", max_tokens = 4, messages = new[] { new { role = "user", content = "parking?" } } });
            var held = ActiveSequences == 1;
            if (!held && attempt < 5) continue;
            Assert.True(held, "the first answer never held its sequence long enough in 5 attempts");

            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.True(refused.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
            var error = (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
            Assert.Equal("rate_limit_exceeded", error.GetProperty("code").GetString());
            // The same refusal on every surface: 429, Retry-After, and the surface's JSON error body.
            Assert.Equal(HttpStatusCode.TooManyRequests, asked.StatusCode);
            Assert.True(asked.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
            Assert.Equal("application/problem+json", asked.Content.Headers.ContentType?.MediaType);
            Assert.Equal(HttpStatusCode.TooManyRequests, documents.StatusCode);
            Assert.True(documents.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
            Assert.Equal("rate_limit_exceeded", (await documents.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("code").GetString());

            // The client hangs up mid-answer: generation stops and the sequence is free again.
            streaming.Dispose();
            await Eventually(() => ActiveSequences == 0, TimeSpan.FromSeconds(30), "the hung-up answer frees its sequence");
            using var after = await second.PostAsJsonAsync("/v1/chat/completions",
                new { model = "tiny-chat", max_tokens = 2, messages = new[] { new { role = "user", content = "hi" } } });
            Assert.Equal(HttpStatusCode.OK, after.StatusCode);
            return;
        }
    }

    [Fact]
    public async Task An_oversized_or_malformed_body_gets_an_OpenAI_error_body()
    {
        using var client = _agent.As("emil");
        using var huge = await client.PostAsync("/v1/chat/completions", new StringContent(
            "{\"model\":\"tiny-chat\",\"messages\":[{\"role\":\"user\",\"content\":\"" + new string('x', 2 * 1024 * 1024) + "\"}]}",
            System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge.StatusCode);
        Assert.Contains("larger than", (await huge.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("message").GetString());

        using var broken = await client.PostAsync("/v1/chat/completions", new StringContent("{\"model\": ", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);
        Assert.Equal("invalid_request_error", (await broken.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("type").GetString());

        using var tooLong = await client.PostAsJsonAsync("/v1/chat/completions",
            new { model = "tiny-chat", messages = new[] { new { role = "user", content = string.Join(' ', Enumerable.Repeat("word", 5000)) } } });
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.Contains("context", (await tooLong.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("message").GetString());
    }
}
