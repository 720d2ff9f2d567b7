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
        using var response = await client.PostAsJsonAsync("/api/ask", new { question });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return await ServerSentEventReader.ReadAllAsync(response);
    }

    [Fact]
    public async Task An_answer_streams_sources_then_text_then_a_summary_with_citations_that_link_to_the_place()
    {
        var events = await AskAsync("emil", "How many vacation days do I have?");
        Assert.Equal("sources", events[0].Event);
        Assert.Contains(events, e => e.Event == "delta");
        Assert.Equal("done", events[^1].Event);
        var done = events[^1].Data;
        var citation = done.GetProperty("citations")[0];
        Assert.Equal("holidays.md", citation.GetProperty("path").GetString());
        Assert.StartsWith($"/api/documents/{citation.GetProperty("document_id").GetString()}/content#", citation.GetProperty("link").GetString());
        Assert.Contains("[1]", done.GetProperty("answer").GetString());
        Assert.Equal(string.Concat(events.Where(e => e.Event == "delta").Select(e => e.Data.GetProperty("text").GetString())),
            done.GetProperty("answer").GetString());
        Assert.False(string.IsNullOrEmpty(done.GetProperty("notice").GetString()));
    }

    [Fact]
    public async Task A_question_nothing_readable_answers_says_so_instead_of_guessing()
    {
        var events = await AskAsync("emil", "payroll salary pension bonus");
        var done = events[^1].Data;
        Assert.Empty(done.GetProperty("citations").EnumerateArray());
        Assert.Contains("No document you can read", done.GetProperty("answer").GetString());
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
