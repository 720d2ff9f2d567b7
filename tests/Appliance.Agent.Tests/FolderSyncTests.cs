using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Appliance.Agent.Tests;

/// <summary>
/// Nobody runs `appliance ingest`: a letter saved into a collection's folder is searchable seconds
/// after it is written, an edit replaces it, a deletion removes it — the agent watches by itself.
/// </summary>
public sealed class FolderSyncTests : IAsyncLifetime
{
    private readonly TestOffice _office = TestOffice.Create();
    private RunningAgent _agent = null!;

    public async Task InitializeAsync() => _agent = await RunningAgent.StartAsync(_office);

    public async Task DisposeAsync()
    {
        await _agent.DisposeAsync();
        _office.Dispose();
    }

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The paths of hits whose text holds <paramref name="word"/>. The test embedding model has random
    /// weights, so its half of the ranking brings unrelated chunks: only a hit's own text proves a match.
    /// </summary>
    private async Task<List<string>> PathsFoundAsync(HttpClient client, string word)
    {
        using var response = await client.PostAsJsonAsync("/api/search", new { query = word });
        response.EnsureSuccessStatusCode();
        var hits = await response.Content.ReadFromJsonAsync<JsonElement>();
        return [.. hits.EnumerateArray()
            .Where(h => h.GetProperty("text").GetString()!.Contains(word, StringComparison.OrdinalIgnoreCase))
            .Select(h => h.GetProperty("citation").GetProperty("path").GetString()!)];
    }

    [Fact]
    public async Task A_file_saved_into_a_watched_folder_becomes_searchable_an_edit_replaces_it_and_a_deletion_removes_it()
    {
        using var emil = _agent.As("emil");
        var letter = Path.Combine(_office.Folder, "docs/handbook/letters/bicycle-letter.md");
        Directory.CreateDirectory(Path.GetDirectoryName(letter)!);
        Assert.Empty(await PathsFoundAsync(emil, "zorblax"));

        File.WriteAllText(letter, "# Bicycle letter\n\nThe zorblax rack behind the building is reserved for bicycles.\n");
        await Eventually(async () => (await PathsFoundAsync(emil, "zorblax")).Contains("letters/bicycle-letter.md"), Deadline,
            "the new file is found without anyone syncing");

        File.WriteAllText(letter, "# Bicycle letter\n\nThe quibbleton shed now holds the bicycles; the old rack is gone.\n");
        await Eventually(async () => (await PathsFoundAsync(emil, "quibbleton")).Contains("letters/bicycle-letter.md")
                                     && (await PathsFoundAsync(emil, "zorblax")).Count == 0, Deadline,
            "the edited file replaces its old version");

        File.Delete(letter);
        await Eventually(async () => (await PathsFoundAsync(emil, "quibbleton")).Count == 0, Deadline, "the deleted file disappears");
        var documents = await emil.GetFromJsonAsync<JsonElement>("/api/documents");
        Assert.DoesNotContain(documents.EnumerateArray(), d => d.GetProperty("path").GetString() == "letters/bicycle-letter.md");

        using var anna = _agent.As("anna");
        var indexing = await anna.GetFromJsonAsync<JsonElement>("/api/ingest");
        var handbook = indexing.GetProperty("collections").EnumerateArray().Single(c => c.GetProperty("id").GetString() == "handbook");
        Assert.Equal("change", handbook.GetProperty("last_sync").GetProperty("trigger").GetString());
        Assert.True(indexing.GetProperty("automatic").GetProperty("watched_folders").GetInt32() >= 3);
        using var refused = await emil.GetAsync("/api/ingest");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }

    [Fact]
    public async Task A_sync_while_a_question_is_answered_does_not_fail_the_question()
    {
        using var emil = _agent.As("emil");
        using var anna = _agent.As("anna");
        var folder = Path.Combine(_office.Folder, "docs/handbook/circulars");
        Directory.CreateDirectory(folder);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/ask")
        {
            Content = JsonContent.Create(new { question = "How many vacation days do I have?", max_tokens = 48 }),
        };
        using var response = await emil.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // The answer is streaming: files arrive and a sync runs under it.
        for (var i = 0; i < 20; i++)
            File.WriteAllText(Path.Combine(folder, $"circular-{i:D2}.md"), $"# Circular {i}\n\nCircular {i} about the canteen menu, week {i}.\n");
        using (var sync = await anna.PostAsJsonAsync("/api/ingest", new { collection = "handbook" }))
            Assert.Equal(HttpStatusCode.Accepted, sync.StatusCode);

        var events = await ServerSentEventReader.ReadAllAsync(response);
        Assert.Equal("sources", events[0].Event);
        Assert.Equal("done", events[^1].Event);
        Assert.DoesNotContain(events, e => e.Event == "error");
        await Eventually(async () => (await PathsFoundAsync(emil, "canteen")).Count > 0, Deadline, "the circulars are indexed");
    }
}
