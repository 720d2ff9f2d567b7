using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Appliance.Agent.Tests;

[Collection("agent")]
public sealed class AskTests(AgentFixture fixture)
{
    private readonly RunningAgent _agent = fixture.Agent;

    private async Task<List<(string Event, JsonElement Data)>> AskAsync(string user, string question)
    {
        using var client = _agent.As(user);
        using var response = await client.PostAsJsonAsync("/api/ask", new { question, max_tokens = 12 });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return await ServerSentEventReader.ReadAllAsync(response);
    }

    [Fact]
    public async Task An_answer_streams_sources_then_text_then_a_summary_whose_citations_link_to_the_place()
    {
        var events = await AskAsync("emil", "How many vacation days do I have?");
        Assert.Equal("sources", events[0].Event);
        Assert.Contains(events, e => e.Event == "delta");
        Assert.Equal("done", events[^1].Event);
        var sources = events[0].Data.GetProperty("citations").EnumerateArray().ToList();
        var holidays = sources.First(c => c.GetProperty("path").GetString() == "holidays.md");
        Assert.Equal($"/#view/{holidays.GetProperty("document_id").GetString()}/{holidays.GetProperty("start_char").GetInt32()}/{holidays.GetProperty("end_char").GetInt32()}",
            holidays.GetProperty("link").GetString());
        var done = events[^1].Data;
        // Whatever the model cites must be one of the numbered sources it was given.
        foreach (var cited in done.GetProperty("citations").EnumerateArray())
            Assert.Contains(sources, s => s.GetProperty("number").GetInt32() == cited.GetProperty("number").GetInt32()
                && s.GetProperty("document_id").GetString() == cited.GetProperty("document_id").GetString());
        Assert.InRange(done.GetProperty("usage").GetProperty("completion_tokens").GetInt32(), 1, 12);
        Assert.True(done.GetProperty("timing").GetProperty("first_token_ms").GetDouble() > 0);
    }

    [Fact]
    public async Task An_answer_from_the_generated_test_model_says_that_its_text_is_meaningless()
    {
        var done = (await AskAsync("emil", "Where do I park?"))[^1].Data;
        Assert.True(done.GetProperty("test_model").GetBoolean());
        Assert.Contains("meaningless", done.GetProperty("notice").GetString());
    }

    [Fact]
    public async Task An_empty_question_gets_400_problem_details()
    {
        using var client = _agent.As("emil");
        using var response = await client.PostAsJsonAsync("/api/ask", new { question = "  " });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Every_ask_is_logged_with_user_route_question_documents_and_latency()
    {
        await AskAsync("lars", "What does the retainer cover in the merger?");
        using var dora = _agent.As("dora");
        var entry = (await dora.GetFromJsonAsync<JsonElement>("/api/audit/log?limit=50")).GetProperty("entries").EnumerateArray()
            .First(e => e.GetProperty("route").GetString() == "/api/ask" && e.GetProperty("user").GetString() == "lars");
        Assert.Equal("What does the retainer cover in the merger?", entry.GetProperty("question").GetString());
        Assert.NotEqual(0, entry.GetProperty("document_ids").GetArrayLength());
        Assert.True(entry.GetProperty("latency_ms").GetInt64() >= 0);
        Assert.Equal(200, entry.GetProperty("status").GetInt32());
    }
}
