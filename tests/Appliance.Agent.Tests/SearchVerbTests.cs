using System.Net.Http.Json;
using System.Text.Json;

namespace Appliance.Agent.Tests;

/// <summary>`appliance search` ranks like the agent: the same embedding model, the same fusion, beside the running agent.</summary>
[Collection("agent")]
public sealed class SearchVerbTests(AgentFixture fixture)
{
    [Fact]
    public async Task The_search_verb_returns_what_the_agent_returns_and_uses_the_embedding_model()
    {
        using var client = fixture.Agent.As("lars");
        var differsFromKeywords = false;
        foreach (var question in new[] { "how much notice for the termination", "expenses hotel", "where is the fire exit" })
        {
            var api = await (await client.PostAsJsonAsync("/api/search", new { query = question, k = 5 })).Content.ReadFromJsonAsync<JsonElement>();
            var cli = await AgentProgram.RunAsync(null, "search", question, "--user", "lars", "--k", "5", "--json", "--config", fixture.Office.ConfigFile);
            Assert.True(cli.Succeeded, cli.StandardError);
            Assert.Contains("keywords and meaning", await SearchTextAsync(question));
            var hits = JsonDocument.Parse(cli.StandardOutput).RootElement;
            Assert.Equal(api.EnumerateArray().Select(h => h.GetProperty("text").GetString()), hits.EnumerateArray().Select(h => h.GetProperty("text").GetString()));
            // Each process embeds the question itself (its own threads and batch): float sums may differ in the last digits.
            Assert.All(api.EnumerateArray().Zip(hits.EnumerateArray()), pair =>
                Assert.Equal(pair.First.GetProperty("score").GetDouble(), pair.Second.GetProperty("score").GetDouble(), 1e-3));

            var keywords = await AgentProgram.RunAsync(null, "search", question, "--user", "lars", "--k", "5", "--json", "--lexical", "--config", fixture.Office.ConfigFile);
            differsFromKeywords |= keywords.StandardOutput != cli.StandardOutput;
        }
        Assert.True(differsFromKeywords, "keyword-only search ranked exactly like hybrid: the test cannot tell whether vectors were used");
    }

    private async Task<string> SearchTextAsync(string question) =>
        (await AgentProgram.RunAsync(null, "search", question, "--user", "lars", "--k", "1", "--config", fixture.Office.ConfigFile)).StandardOutput;
}
