using System.Net.Http.Json;
using System.Text.Json;

namespace Appliance.Agent.Tests;

/// <summary>
/// A user outside a group gets no chunk of its collections, whatever they ask: random questions
/// built from every collection's private words, through every route that retrieves.
/// </summary>
[Collection("agent")]
public sealed class GroupLeakTests(AgentFixture fixture)
{
    private readonly RunningAgent _agent = fixture.Agent;

    private static readonly Dictionary<string, string[]> Readable = new()
    {
        ["emil"] = ["handbook"],
        ["lars"] = ["handbook", "clients"],
        ["dora"] = ["handbook", "hr"],
    };

    public static IEnumerable<string> RandomQuestions(int seed, int count)
    {
        var random = new Random(seed);
        var words = OfficeDocuments.Vocabulary.Values.SelectMany(w => w).ToArray();
        for (var i = 0; i < count; i++)
            yield return string.Join(' ', Enumerable.Range(0, random.Next(1, 5)).Select(_ => words[random.Next(words.Length)]))
                + (random.Next(2) == 0 ? "?" : "");
    }

    [Fact]
    public async Task No_search_result_comes_from_a_collection_outside_the_callers_groups()
    {
        foreach (var (user, allowed) in Readable)
        {
            using var client = _agent.As(user);
            foreach (var question in RandomQuestions(seed: user.Length * 17 + 7, count: 20))
            {
                var hits = await (await client.PostAsJsonAsync("/api/search", new { query = question, k = 20 })).Content.ReadFromJsonAsync<JsonElement>();
                foreach (var hit in hits.EnumerateArray())
                {
                    var collection = hit.GetProperty("citation").GetProperty("collection_id").GetString();
                    Assert.True(allowed.Contains(collection), $"{user} asked '{question}' and got a chunk of '{collection}'");
                    AssertNoForeignWords(user, allowed, hit.GetProperty("text").GetString()!, question);
                }
            }
        }
    }

    [Fact]
    public async Task No_answer_source_or_citation_comes_from_a_collection_outside_the_callers_groups()
    {
        foreach (var (user, allowed) in Readable)
        {
            using var client = _agent.As(user);
            foreach (var question in RandomQuestions(seed: user.Length * 31, count: 8))
            {
                using var response = await client.PostAsJsonAsync("/api/ask", new { question, max_tokens = 4 });
                var events = await ServerSentEventReader.ReadAllAsync(response);
                var cited = events.Where(e => e.Event == "sources").SelectMany(e => e.Data.GetProperty("citations").EnumerateArray())
                    .Concat(events.Where(e => e.Event == "done").SelectMany(e => e.Data.GetProperty("citations").EnumerateArray()));
                foreach (var citation in cited)
                {
                    var collection = citation.GetProperty("collection_id").GetString();
                    Assert.True(allowed.Contains(collection), $"{user} asked '{question}' and was cited '{collection}'");
                    AssertNoForeignWords(user, allowed, citation.GetProperty("snippet").GetString()!, question);
                }
                var done = events.Single(e => e.Event == "done").Data;
                if (done.GetProperty("extractive").GetBoolean())
                    AssertNoForeignWords(user, allowed, done.GetProperty("answer").GetString()!, question);
            }
        }
    }

    [Fact]
    public async Task No_citation_of_the_documents_model_comes_from_a_collection_outside_the_callers_groups()
    {
        foreach (var (user, allowed) in Readable)
        {
            using var client = _agent.As(user);
            foreach (var question in RandomQuestions(seed: user.Length * 53, count: 8))
            {
                using var response = await client.PostAsJsonAsync("/v1/chat/completions",
                    new { model = "documents", max_tokens = 2, messages = new[] { new { role = "user", content = question } } });
                var completion = await response.Content.ReadFromJsonAsync<JsonElement>();
                foreach (var citation in completion.GetProperty("citations").EnumerateArray())
                    Assert.True(allowed.Contains(citation.GetProperty("collection_id").GetString()), $"{user} asked '{question}' and was cited {citation}");
            }
            // What the model was shown is in the query log: only readable documents were retrieved.
            using var dora = _agent.As("dora");
            var readable = (await client.GetFromJsonAsync<JsonElement>("/api/documents")).EnumerateArray().Select(d => d.GetProperty("id").GetString()).ToHashSet();
            var entries = (await dora.GetFromJsonAsync<JsonElement>("/api/audit/log?limit=1000")).GetProperty("entries").EnumerateArray()
                .Where(e => e.GetProperty("user").GetString() == user && e.GetProperty("route").GetString() == "/v1/chat/completions").ToList();
            Assert.NotEmpty(entries);
            Assert.All(entries.SelectMany(e => e.GetProperty("document_ids").EnumerateArray()), id => Assert.Contains(id.GetString(), readable));
        }
    }

    private static void AssertNoForeignWords(string user, string[] allowed, string text, string question)
    {
        foreach (var (collection, words) in OfficeDocuments.Vocabulary.Where(v => !allowed.Contains(v.Key)))
            foreach (var word in words)
                Assert.False(text.Contains(word, StringComparison.OrdinalIgnoreCase),
                    $"{user} asked '{question}' and saw '{word}' from '{collection}' in: {text}");
    }
}
