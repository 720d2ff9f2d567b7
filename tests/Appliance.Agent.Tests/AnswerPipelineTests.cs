using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Appliance.Agent.Answers;
using Appliance.Agent.Audit;
using Appliance.Inference;
using Appliance.Rag;
using Appliance.Rag.Answers;
using Microsoft.Extensions.AI;

namespace Appliance.Agent.Tests;

/// <summary>
/// /api/ask and /v1 (model "documents") are one answer pipeline: the same answer when nothing
/// readable matches, the same held-back handling, the same refusals — and a fault is a fault.
/// The agent runs with a small chat context, so retrieved sources must be fitted to it.
/// </summary>
public sealed class AnswerPipelineTests : IAsyncLifetime
{
    /// <summary>A question containing this makes the chat model fail with an ArgumentException that has nothing to do with length.</summary>
    private const string FaultMarker = "zebra-fault";

    /// <summary>Holds the question with its best source (about 370 tokens here), not with all six (about 690).</summary>
    private const int ChatContext = 512;

    private readonly TestOffice _office = TestOffice.Create(chatContext: ChatContext);
    private RunningAgent _agent = null!;

    public async Task InitializeAsync() => _agent = await RunningAgent.StartAsync(_office, services =>
    {
        var real = (ServedModels)services.Last(d => d.ServiceType == typeof(ServedModels)).ImplementationInstance!;
        services.AddSingleton(real with { Chat = new FaultOnMarker(real.Chat!) });
    });

    public async Task DisposeAsync()
    {
        await _agent.DisposeAsync();
        _office.Dispose();
    }

    [Fact]
    public async Task Both_surfaces_give_the_same_no_hit_answer_and_count_the_held_back_collection()
    {
        // Emil is not in HR: asking only HR holds it back, so nothing he may read can answer.
        var since = DateTimeOffset.UtcNow.AddMinutes(-1);
        using var emil = _agent.As("emil");
        using var asked = await emil.PostAsJsonAsync("/api/ask", new { question = "What is the salary band?", collections = new[] { "hr" } });
        Assert.Equal(HttpStatusCode.OK, asked.StatusCode);
        var done = (await ServerSentEventReader.ReadAllAsync(asked)).Single(e => e.Event == "done").Data;

        using var completed = await emil.PostAsJsonAsync("/v1/chat/completions", new
        {
            model = "documents",
            collections = new[] { "hr" },
            messages = new[] { new { role = "user", content = "What is the salary band?" } },
        });
        Assert.Equal(HttpStatusCode.OK, completed.StatusCode);
        var completion = await completed.Content.ReadFromJsonAsync<JsonElement>();

        var noHit = AnswerComposer.Extractive("anything", []).Text;
        Assert.Equal(noHit, done.GetProperty("answer").GetString());
        Assert.Equal(noHit, completion.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
        Assert.Equal(0, done.GetProperty("citations").GetArrayLength());
        Assert.Equal(0, completion.GetProperty("citations").GetArrayLength());

        var denials = await _agent.App.Services.GetRequiredService<SecurityEvents>().DenialsAsync(since, DateTimeOffset.UtcNow.AddMinutes(1), CancellationToken.None);
        Assert.Equal(1, denials.Where(d => d.Route == "/api/ask" && d.Reason == "group filter: collection hr").Sum(d => d.Count));
        Assert.Equal(1, denials.Where(d => d.Route == "/v1/chat/completions" && d.Reason == "group filter: collection hr").Sum(d => d.Count));
    }

    [Fact]
    public async Task An_unrelated_ArgumentException_inside_the_pipeline_is_a_500_on_both_surfaces_not_question_too_long()
    {
        using var emil = _agent.As("emil");
        using var asked = await emil.PostAsJsonAsync("/api/ask", new { question = $"Where do I park? {FaultMarker}", max_tokens = 4 });
        Assert.Equal(HttpStatusCode.InternalServerError, asked.StatusCode);
        var problem = await asked.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("internal error", problem.GetProperty("title").GetString());

        using var completed = await emil.PostAsJsonAsync("/v1/chat/completions", new
        {
            model = "documents",
            max_tokens = 4,
            messages = new[] { new { role = "user", content = $"Where do I park? {FaultMarker}" } },
        });
        Assert.Equal(HttpStatusCode.InternalServerError, completed.StatusCode);
        Assert.Equal("server_error", (await completed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public async Task An_over_budget_prompt_drops_the_lowest_ranked_sources_and_still_answers()
    {
        const string question = "Where is parking, the printer, the badge, the kitchen and coffee, and how many vacation days?";
        var services = _agent.App.Services;
        var hits = await services.GetRequiredService<DocumentLibrary>().SearchAsync(new SearchRequest(question, ["everyone"]), CancellationToken.None);
        var budget = services.GetRequiredService<ServedModels>().Chat!.GetService<PromptBudget>()!;
        var full = AnswerComposer.BuildPrompt(question, hits);
        var fullTokens = budget.CountTokens([new ChatMessage(ChatRole.System, full.System), new ChatMessage(ChatRole.User, full.User)]);
        Assert.True(hits.Count >= 3 && fullTokens > ChatContext, $"the scenario needs a prompt over the context: {hits.Count} hits, {fullTokens} tokens");

        using var emil = _agent.As("emil");
        using var asked = await emil.PostAsJsonAsync("/api/ask", new { question, max_tokens = 8 });
        Assert.Equal(HttpStatusCode.OK, asked.StatusCode);
        var events = await ServerSentEventReader.ReadAllAsync(asked);
        var sources = events.First(e => e.Event == "sources").Data.GetProperty("citations").EnumerateArray()
            .Select(c => (c.GetProperty("document_id").GetString(), c.GetProperty("start_char").GetInt32())).ToList();
        Assert.Equal("done", events[^1].Event);
        Assert.InRange(sources.Count, 1, hits.Count - 1);
        Assert.Equal(hits.Take(sources.Count).Select(h => ((string?)h.DocumentId, h.Citation.StartChar)), sources);
    }

    /// <summary>The real chat model, except that a marked question fails as a programming error would.</summary>
    private sealed class FaultOnMarker(IChatClient inner) : DelegatingChatClient(inner)
    {
        public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
            CancellationToken cancellationToken = default) =>
            messages.Any(m => m.Text.Contains(FaultMarker, StringComparison.Ordinal))
                ? throw new ArgumentException("an unrelated argument is wrong", "somethingElse")
                : base.GetStreamingResponseAsync(messages, options, cancellationToken);
    }
}
