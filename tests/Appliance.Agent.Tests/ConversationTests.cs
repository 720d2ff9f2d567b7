using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Appliance.Agent.Tests;

/// <summary>
/// Conversations over real HTTP: follow-ups are searched in their conversation's context (by the
/// deterministic carry-over, since the test model is not a real one), history is per user and only
/// the owner's, and /v1's model "documents" searches follow-ups the same way.
/// </summary>
[Collection("agent")]
public sealed class ConversationTests(AgentFixture fixture)
{
    private readonly RunningAgent _agent = fixture.Agent;

    private static async Task<List<(string Event, JsonElement Data)>> AskAsync(HttpClient client, object body)
    {
        using var response = await client.PostAsJsonAsync("/api/ask", body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await ServerSentEventReader.ReadAllAsync(response);
    }

    private static JsonElement Event(List<(string Event, JsonElement Data)> events, string name) => events.Single(e => e.Event == name).Data;

    [Fact]
    public async Task A_three_turn_conversation_searches_each_follow_up_with_the_topic_and_is_kept_for_its_owner_only()
    {
        using var emil = _agent.As("emil");
        var first = await AskAsync(emil, new { question = "How many vacation days do I have?", max_tokens = 4 });
        var conversation = Event(first, "sources").GetProperty("conversation").GetProperty("id").GetString()!;
        Assert.Equal("How many vacation days do I have?", Event(first, "sources").GetProperty("searched").GetString());

        var second = await AskAsync(emil, new { question = "And can I carry them over?", conversation_id = conversation, max_tokens = 4 });
        var searched = Event(second, "sources").GetProperty("searched").GetString()!;
        Assert.StartsWith("And can I carry them over?", searched);
        Assert.Contains("vacation", searched);
        Assert.Contains(Event(second, "sources").GetProperty("citations").EnumerateArray(), c => c.GetProperty("path").GetString() == "holidays.md");

        var third = await AskAsync(emil, new { question = "Who approves that?", conversation_id = conversation, max_tokens = 4 });
        var thirdSearched = Event(third, "sources").GetProperty("searched").GetString()!;
        Assert.Contains("carry", thirdSearched);
        Assert.Contains("vacation", thirdSearched);
        var turnId = Event(third, "done").GetProperty("turn_id").GetInt64();

        var reopened = await emil.GetFromJsonAsync<JsonElement>($"/api/conversations/{conversation}");
        Assert.Equal("How many vacation days do I have?", reopened.GetProperty("summary").GetProperty("title").GetString());
        var turns = reopened.GetProperty("turns").EnumerateArray().ToList();
        Assert.Equal(["How many vacation days do I have?", "And can I carry them over?", "Who approves that?"], turns.Select(t => t.GetProperty("question").GetString()));
        Assert.Equal(Event(third, "done").GetProperty("answer").GetString(), turns[2].GetProperty("answer").GetString());
        Assert.Equal(thirdSearched, turns[2].GetProperty("searched").GetString());
        Assert.NotEqual(0, turns[2].GetProperty("sources").GetArrayLength());
        Assert.Equal("answered", turns[2].GetProperty("outcome").GetString());

        // Found by words of a later question, not only of the title; nobody else sees it.
        var found = await emil.GetFromJsonAsync<JsonElement>("/api/conversations?q=approves");
        Assert.Contains(found.EnumerateArray(), c => c.GetProperty("id").GetString() == conversation);
        using var lars = _agent.As("lars");
        Assert.Equal(HttpStatusCode.NotFound, (await lars.GetAsync($"/api/conversations/{conversation}")).StatusCode);
        Assert.DoesNotContain((await lars.GetFromJsonAsync<JsonElement>("/api/conversations")).EnumerateArray(), c => c.GetProperty("id").GetString() == conversation);
        Assert.Equal(HttpStatusCode.NotFound, (await lars.PostAsJsonAsync($"/api/turns/{turnId}/rating", new { rating = "down" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await lars.DeleteAsync($"/api/conversations/{conversation}")).StatusCode);

        // Exported for the file note, in the reader's language, with the sources and the test-model notice.
        var markdown = await emil.GetStringAsync($"/api/conversations/{conversation}/export?format=markdown&lang=de");
        Assert.Contains("# How many vacation days do I have?", markdown);
        Assert.Contains("## Frage 3", markdown);
        Assert.Contains("> Who approves that?", markdown);
        Assert.Contains("**Quellen**", markdown);
        Assert.Contains("holidays.md", markdown);
        Assert.Contains("TESTMODELL", markdown);
        using var pdf = await emil.GetAsync($"/api/conversations/{conversation}/export?format=pdf");
        Assert.Equal("application/pdf", pdf.Content.Headers.ContentType?.MediaType);
        var text = await PdfTextAsync(await pdf.Content.ReadAsByteArrayAsync());
        Assert.Contains("Who approves that?", text);
        Assert.Contains("holidays.md", text);
        Assert.Equal(HttpStatusCode.NotFound, (await lars.GetAsync($"/api/conversations/{conversation}/export?format=pdf")).StatusCode);

        var renamed = await emil.PatchAsJsonAsync($"/api/conversations/{conversation}", new { title = "Vacation carry-over" });
        Assert.Equal("Vacation carry-over", (await renamed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
        Assert.Equal(HttpStatusCode.NoContent, (await emil.DeleteAsync($"/api/conversations/{conversation}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await emil.GetAsync($"/api/conversations/{conversation}")).StatusCode);
    }

    [Fact]
    public async Task A_file_attached_to_a_conversation_is_cited_first_seen_only_by_its_owner_kept_out_of_the_log_and_erased_with_it()
    {
        using var emil = _agent.As("emil");
        using var created = await emil.PostAsJsonAsync("/api/conversations", new { title = "zanzibar-memo.txt" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var conversation = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        using var attached = await emil.PostAsync($"/api/conversations/{conversation}/attachments?name=zanzibar-memo.txt",
            new StringContent("Memo: the Zanzibar retainer expires at the end of April. Renewal needs the partner's signature."));
        Assert.Equal(HttpStatusCode.Created, attached.StatusCode);
        var attachment = (await attached.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        using var lars = _agent.As("lars");
        Assert.Equal(HttpStatusCode.NotFound, (await lars.PostAsync($"/api/conversations/{conversation}/attachments?name=x.txt", new StringContent("x"))).StatusCode);

        var asked = await AskAsync(emil, new { question = "When does the Zanzibar retainer expire?", conversation_id = conversation, max_tokens = 4 });
        var first = Event(asked, "sources").GetProperty("citations")[0];
        Assert.Equal("attachments/zanzibar-memo.txt", first.GetProperty("path").GetString());
        var (start, end) = (first.GetProperty("start_char").GetInt32(), first.GetProperty("end_char").GetInt32());
        Assert.Equal($"/#view/{attachment}/{start}/{end}", first.GetProperty("link").GetString());
        var reopened = await emil.GetFromJsonAsync<JsonElement>($"/api/conversations/{conversation}");
        Assert.Equal("When does the Zanzibar retainer expire?", reopened.GetProperty("summary").GetProperty("title").GetString());
        Assert.Equal("zanzibar-memo.txt", reopened.GetProperty("attachments")[0].GetProperty("name").GetString());

        // The viewer reads it like any document, for its owner only; the office's index never had it.
        var text = await emil.GetFromJsonAsync<JsonElement>($"/api/documents/{attachment}/text");
        Assert.Contains("Zanzibar retainer", text.GetProperty("text").GetString()![start..end]);
        Assert.Equal(HttpStatusCode.NotFound, (await lars.GetAsync($"/api/documents/{attachment}/text")).StatusCode);
        Assert.DoesNotContain("zanzibar", await emil.GetStringAsync("/api/documents"), StringComparison.OrdinalIgnoreCase);
        using var dora = _agent.As("dora");
        var logged = (await dora.GetFromJsonAsync<JsonElement>("/api/audit/log?limit=20")).GetProperty("entries").EnumerateArray()
            .First(e => e.GetProperty("question").GetString() == "When does the Zanzibar retainer expire?");
        Assert.DoesNotContain(logged.GetProperty("document_ids").EnumerateArray(), d => d.GetString() == attachment);

        Assert.Equal(HttpStatusCode.NoContent, (await emil.DeleteAsync($"/api/conversations/{conversation}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await emil.GetAsync($"/api/documents/{attachment}/text")).StatusCode);
    }

    [Fact]
    public async Task The_v1_documents_model_searches_a_follow_up_with_the_earlier_questions_key_words()
    {
        using var emil = _agent.As("emil");
        using var response = await emil.PostAsJsonAsync("/v1/chat/completions", new
        {
            model = "documents",
            max_tokens = 4,
            messages = new object[]
            {
                new { role = "user", content = "Where do I park?" },
                new { role = "assistant", content = "In the courtyard [1]." },
                new { role = "user", content = "Is that assigned by badge?" },
            },
        });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var completion = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Is that assigned by badge? park", completion.GetProperty("searched").GetString());
    }

    [Fact]
    public async Task Thumbs_are_counted_per_collection_for_the_admin_and_a_persons_erasure_takes_their_conversations()
    {
        using var lars = _agent.As("lars");
        var asked = await AskAsync(lars, new { question = "What is kept in escrow in the merger?", max_tokens = 4 });
        var conversation = Event(asked, "sources").GetProperty("conversation").GetProperty("id").GetString()!;
        var turn = Event(asked, "done").GetProperty("turn_id").GetInt64();
        var cited = Event(asked, "done").GetProperty("citations").EnumerateArray().Select(c => c.GetProperty("collection_id").GetString()).Distinct().ToList();

        using var anna = _agent.As("anna");
        var before = await anna.GetFromJsonAsync<JsonElement>("/api/admin/feedback");
        Assert.Equal(HttpStatusCode.BadRequest, (await lars.PostAsJsonAsync($"/api/turns/{turn}/rating", new { comment = "no rating" })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await lars.PostAsJsonAsync($"/api/turns/{turn}/rating", new { rating = "down", comment = "wrong annex" })).StatusCode);
        var after = await anna.GetFromJsonAsync<JsonElement>("/api/admin/feedback");
        foreach (var collection in cited.Count == 0 ? ["(none)"] : cited)
            Assert.Equal(Down(before, collection!) + 1, Down(after, collection!));
        Assert.DoesNotContain("wrong annex", after.GetRawText());
        Assert.DoesNotContain("escrow", after.GetRawText());
        Assert.Equal(HttpStatusCode.Forbidden, (await lars.GetAsync("/api/admin/feedback")).StatusCode);

        using var dora = _agent.As("dora");
        var erased = await dora.DeleteAsync("/api/audit/people/lars/conversations");
        Assert.True((await erased.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("conversations_erased").GetInt32() >= 1);
        Assert.Equal(HttpStatusCode.NotFound, (await lars.GetAsync($"/api/conversations/{conversation}")).StatusCode);
        Assert.Equal(Down(after, cited.FirstOrDefault() ?? "(none)"), Down(await anna.GetFromJsonAsync<JsonElement>("/api/admin/feedback"), cited.FirstOrDefault() ?? "(none)"));
    }

    [Fact]
    public async Task A_question_over_the_limit_is_refused_saying_how_long_it_is_and_a_blank_one_is_refused()
    {
        using var emil = _agent.As("emil");
        using var tooLong = await emil.PostAsJsonAsync("/api/ask", new { question = new string('a', 10_000) });
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        var problem = await tooLong.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("question_too_long", problem.GetProperty("code").GetString());
        Assert.Equal(10_000, problem.GetProperty("length").GetInt32());
        Assert.Contains("10000", problem.GetProperty("detail").GetString());
        using var blank = await emil.PostAsJsonAsync("/api/ask", new { question = " \n\t " });
        Assert.Equal("question_empty", (await blank.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
    }

    /// <summary>The text of a PDF as poppler's pdftotext reads it (Debian's poppler-utils, as the library's PDF tests use).</summary>
    private static async Task<string> PdfTextAsync(byte[] pdf)
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("/usr/bin/pdftotext", ["-", "-"])
        {
            RedirectStandardInput = true, RedirectStandardOutput = true,
        })!;
        await process.StandardInput.BaseStream.WriteAsync(pdf);
        process.StandardInput.Close();
        var text = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.Equal(0, process.ExitCode);
        return text;
    }

    private static int Down(JsonElement counts, string collection) =>
        counts.EnumerateArray().Where(c => c.GetProperty("collection").GetString() == collection).Select(c => c.GetProperty("down").GetInt32()).SingleOrDefault();
}
