using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Appliance.Agent.Answers;
using Appliance.Inference;

namespace Appliance.Agent.Tests;

/// <summary>An API token carries a class of work (api by default); the scheduler runs the token's /v1 requests in that class.</summary>
[Collection("agent")]
public sealed class TokenClassTests(AgentFixture fixture)
{
    private readonly RunningAgent _agent = fixture.Agent;

    private IReadOnlyDictionary<WorkPriority, long> RequestsByClass => _agent.App.Services.GetRequiredService<ServedModels>().Stats!().RequestsByClass;

    private async Task<string> IssueAsAdminAsync(object body)
    {
        using var anna = _agent.As("anna");
        using var created = await anna.PostAsJsonAsync("/api/admin/tokens", body);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("secret").GetString()!;
    }

    /// <summary>One completion with the token; the class the scheduler counted it in.</summary>
    private async Task<WorkPriority> ClassOfAnAnswerAsync(string secret)
    {
        using var client = _agent.Anonymous();
        client.DefaultRequestHeaders.Authorization = new("Bearer", secret);
        var before = RequestsByClass;
        using var answered = await client.PostAsJsonAsync("/v1/chat/completions",
            new { model = "tiny-chat", max_tokens = 2, messages = new[] { new { role = "user", content = "Summarise every contract." } } });
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        var after = RequestsByClass;
        return Assert.Single(after.Keys, c => after[c] != before[c]);
    }

    [Fact]
    public async Task A_background_token_runs_as_background_work_and_a_plain_token_as_API_work()
    {
        var background = await IssueAsAdminAsync(new { user = "emil", name = "nightly digest", @class = "background" });
        Assert.Equal(WorkPriority.Background, await ClassOfAnAnswerAsync(background));
        var interactive = await IssueAsAdminAsync(new { user = "emil", name = "editor chat", @class = "interactive" });
        Assert.Equal(WorkPriority.Interactive, await ClassOfAnAnswerAsync(interactive));
        Assert.Equal(WorkPriority.Api, await ClassOfAnAnswerAsync(_agent.Tokens["emil"]));

        using var anna = _agent.As("anna");
        var listed = await anna.GetFromJsonAsync<JsonElement>("/api/admin/tokens");
        Assert.Contains(listed.EnumerateArray(), t => t.GetProperty("name").GetString() == "nightly digest" && t.GetProperty("class").GetString() == "background");
        var metrics = await anna.GetStringAsync("/metrics");
        Assert.Matches("appliance_inference_requests_total\\{class=\"background\"\\} [1-9]", metrics);
    }

    [Fact]
    public async Task An_employee_may_lower_their_own_token_to_background_but_not_raise_it_to_interactive()
    {
        using var emil = _agent.As("emil");
        using var background = await emil.PostAsJsonAsync("/api/tokens", new { name = "batch script", @class = "background" });
        Assert.Equal(HttpStatusCode.Created, background.StatusCode);
        Assert.Equal("background", (await background.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("info").GetProperty("class").GetString());

        using var interactive = await emil.PostAsJsonAsync("/api/tokens", new { name = "me first", @class = "interactive" });
        Assert.Equal(HttpStatusCode.Forbidden, interactive.StatusCode);
        Assert.Contains("administrator", (await interactive.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());

        using var anna = _agent.As("anna");
        using var unknown = await anna.PostAsJsonAsync("/api/admin/tokens", new { user = "emil", name = "x", @class = "urgent" });
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("interactive, api or background", (await unknown.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
    }
}
