using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Appliance.Agent.Audit;
using Appliance.Agent.Conversations;
using Microsoft.Extensions.Hosting;

namespace Appliance.Agent.Tests;

/// <summary>With privacy.history off the box keeps no conversation: the page carries the turns itself, and follow-ups still work.</summary>
public sealed class HistoryOffTests : IAsyncLifetime
{
    private readonly TestOffice _office = TestOffice.Create(history: false);
    private RunningAgent _agent = null!;

    public async Task InitializeAsync() => _agent = await RunningAgent.StartAsync(_office);

    public async Task DisposeAsync()
    {
        await _agent.DisposeAsync();
        _office.Dispose();
    }

    [Fact]
    public async Task A_follow_up_is_searched_with_the_turns_the_page_sends_and_nothing_is_stored()
    {
        using var emil = _agent.As("emil");
        var status = await emil.GetFromJsonAsync<JsonElement>("/api/status");
        Assert.False(status.GetProperty("history").GetBoolean());

        using var response = await emil.PostAsJsonAsync("/api/ask", new
        {
            question = "And can I carry them over?",
            max_tokens = 4,
            earlier = new[] { new { question = "How many vacation days do I have?", answer = "30 [1]" } },
        });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var events = await ServerSentEventReader.ReadAllAsync(response);
        var sources = events.Single(e => e.Event == "sources").Data;
        Assert.Equal("And can I carry them over? many vacation days", sources.GetProperty("searched").GetString());
        Assert.Equal(JsonValueKind.Null, sources.GetProperty("conversation").ValueKind);
        Assert.Equal(JsonValueKind.Null, events.Single(e => e.Event == "done").Data.GetProperty("turn_id").ValueKind);
        Assert.Empty((await emil.GetFromJsonAsync<JsonElement>("/api/conversations")).EnumerateArray());
    }

    [Fact]
    public async Task Conversations_kept_before_history_was_switched_off_go_at_the_next_purge_and_are_counted()
    {
        var services = _agent.App.Services;
        var store = services.GetRequiredService<ConversationStore>();
        await store.CreateAsync("emil", "kept while history was on", null, CancellationToken.None);
        var since = DateTimeOffset.UtcNow.AddMinutes(-1);
        await services.GetServices<IHostedService>().OfType<Retention>().Single().PurgeAsync(CancellationToken.None);
        Assert.Empty(await store.ListAsync("emil", null, CancellationToken.None));
        var purges = await services.GetRequiredService<SecurityEvents>().PurgesAsync(since, DateTimeOffset.UtcNow.AddMinutes(1), CancellationToken.None);
        Assert.Contains(purges, p => p.Log == RetentionLogs.Conversations && p.EntriesRemoved == 1);
    }
}
