using Microsoft.Extensions.DependencyInjection;
using Appliance.Agent.Audit;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Appliance.Agent.Tests;

[Collection("agent")]
public sealed class DocumentTests(AgentFixture fixture)
{
    private readonly RunningAgent _agent = fixture.Agent;

    private static IEnumerable<string> Ids(JsonElement array, string property) =>
        array.EnumerateArray().Select(e => e.GetProperty(property).GetString()!);

    [Fact]
    public async Task Each_employee_sees_only_the_collections_and_documents_of_their_groups()
    {
        using var emil = _agent.As("emil");
        using var lars = _agent.As("lars");
        Assert.Equal(["handbook"], Ids(await emil.GetFromJsonAsync<JsonElement>("/api/collections"), "id"));
        Assert.Equal(["clients", "handbook"], Ids(await lars.GetFromJsonAsync<JsonElement>("/api/collections"), "id").Order());
        var emilsDocuments = await emil.GetFromJsonAsync<JsonElement>("/api/documents");
        Assert.True(emilsDocuments.GetArrayLength() >= 3);  // another test adds a handbook page
        Assert.All(Ids(emilsDocuments, "collection_id"), c => Assert.Equal("handbook", c));
    }

    [Fact]
    public async Task Search_returns_cited_chunks_with_a_link_to_the_cited_span_whose_text_is_the_chunk()
    {
        using var lars = _agent.As("lars");
        using var response = await lars.PostAsJsonAsync("/api/search", new { query = "escrow arbitration merger" });
        response.EnsureSuccessStatusCode();
        var hits = await response.Content.ReadFromJsonAsync<JsonElement>();
        // The test embedding model has random weights, so only the lexical half of the ranking means
        // anything: the document is among the hits, not necessarily first.
        var hit = hits.EnumerateArray().First(h => h.GetProperty("citation").GetProperty("path").GetString() == "mueller-merger.md");
        var top = hit.GetProperty("citation");
        var (id, start, end) = (top.GetProperty("document_id").GetString()!, top.GetProperty("start_char").GetInt32(), top.GetProperty("end_char").GetInt32());
        Assert.Equal($"/#view/{id}/{start}/{end}", top.GetProperty("link").GetString());
        var text = await lars.GetFromJsonAsync<JsonElement>($"/api/documents/{id}/text");
        Assert.Equal(hit.GetProperty("text").GetString(), text.GetProperty("text").GetString()![start..end]);
        using var emil = _agent.As("emil");
        Assert.Equal(HttpStatusCode.NotFound, (await emil.GetAsync($"/api/documents/{id}/text")).StatusCode);

        // The file itself is a download, never rendered in the agent's origin.
        using var source = await lars.GetAsync($"/api/documents/{id}/content");
        Assert.Equal(HttpStatusCode.OK, source.StatusCode);
        Assert.Equal("attachment", source.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Contains("Müller AG merger", await source.Content.ReadAsStringAsync());
        Assert.Equal("sandbox; default-src 'none'", source.Headers.GetValues("Content-Security-Policy").Single());
    }

    [Fact]
    public async Task A_document_outside_the_callers_groups_cannot_be_opened_by_id()
    {
        using var dora = _agent.As("dora");
        var hr = (await dora.GetFromJsonAsync<JsonElement>("/api/documents")).EnumerateArray()
            .First(d => d.GetProperty("collection_id").GetString() == "hr").GetProperty("id").GetString();
        using var emil = _agent.As("emil");
        var since = DateTimeOffset.UtcNow.AddSeconds(-1);
        Assert.Equal(HttpStatusCode.NotFound, (await emil.GetAsync($"/api/documents/{hr}/content")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await emil.GetAsync($"/api/documents/{hr}/text")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await emil.GetAsync("/api/documents/0000000000000000dead/text")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await dora.GetAsync($"/api/documents/{hr}/content")).StatusCode);
        // The DPO sees each attempt on a held-back document; a document that does not exist is no denial.
        var denials = await _agent.App.Services.GetRequiredService<SecurityEvents>().DenialsAsync(since, DateTimeOffset.UtcNow.AddMinutes(1), CancellationToken.None);
        Assert.Equal(2, denials.Where(d => d.Reason == "group filter: document in collection hr").Sum(d => d.Count));
    }

    [Fact]
    public async Task Uploads_go_only_where_the_collection_allows_them_and_the_caller_belongs()
    {
        var body = new StringContent("Neue Mandantin: Weber KG, retainer signed, escrow for the zeppelin purchase.");
        using var lars = _agent.As("lars");
        using var created = await lars.PostAsync("/api/documents?collection=clients&name=weber.txt", body);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var hits = await (await lars.PostAsJsonAsync("/api/search", new { query = "zeppelin" })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(hits.EnumerateArray(), h => h.GetProperty("citation").GetProperty("path").GetString() == "uploads/weber.txt");

        using var emil = _agent.As("emil");
        Assert.Equal(HttpStatusCode.NotFound, (await emil.PostAsync("/api/documents?collection=clients&name=x.txt", new StringContent("x"))).StatusCode);
        using var anna = _agent.As("anna");
        Assert.Equal(HttpStatusCode.Forbidden, (await anna.PostAsync("/api/documents?collection=handbook&name=x.txt", new StringContent("x"))).StatusCode);
        using var unsupported = await lars.PostAsync("/api/documents?collection=clients&name=tool.exe", new StringContent("MZ"));
        Assert.Equal(HttpStatusCode.BadRequest, unsupported.StatusCode);
    }

    [Fact]
    public async Task An_upload_above_max_upload_mb_is_refused_with_413_and_leaves_nothing()
    {
        using var lars = _agent.As("lars");
        using var response = await lars.PostAsync("/api/documents?collection=clients&name=huge.txt", new ByteArrayContent(new byte[1024 * 1024 + 10]));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("files can be up to 1 MB", problem.GetProperty("detail").GetString());
        Assert.Equal("file_too_large", problem.GetProperty("code").GetString());
        Assert.DoesNotContain("huge.txt", await lars.GetStringAsync("/api/documents"));
    }

    [Fact]
    public async Task Deleting_a_document_is_for_the_DPO_or_admin_removes_it_from_search_and_leaves_an_erasure_record()
    {
        using var lars = _agent.As("lars");
        await lars.PostAsync("/api/documents?collection=clients&name=to-erase.txt", new StringContent("The quokka file: client asked for erasure."));
        var id = (await lars.GetFromJsonAsync<JsonElement>("/api/documents")).EnumerateArray()
            .Single(d => d.GetProperty("path").GetString() == "uploads/to-erase.txt").GetProperty("id").GetString();

        Assert.Equal(HttpStatusCode.Forbidden, (await lars.DeleteAsync($"/api/documents/{id}")).StatusCode);
        using var dora = _agent.As("dora");
        using var erased = await dora.DeleteAsync($"/api/documents/{id}");
        Assert.Equal(HttpStatusCode.OK, erased.StatusCode);
        Assert.Equal("dora", (await erased.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("erased_by").GetString());

        var hits = await (await lars.PostAsJsonAsync("/api/search", new { query = "quokka" })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.DoesNotContain("quokka", hits.ToString());
        var erasures = await dora.GetFromJsonAsync<JsonElement>("/api/audit/erasures");
        Assert.Contains(erasures.EnumerateArray(), e => e.GetProperty("document_id").GetString() == id);
        Assert.Equal(HttpStatusCode.NotFound, (await dora.DeleteAsync($"/api/documents/{id}")).StatusCode);
    }

    [Fact]
    public async Task A_refused_upload_is_a_4xx_and_adds_nothing_to_the_erasures_the_audit_pack_reads()
    {
        using var dora = _agent.As("dora");
        async Task<int> PackErasures() =>
            (await dora.GetFromJsonAsync<JsonElement>("/api/audit/evidence")).GetProperty("erasures").GetArrayLength();
        var before = await PackErasures();
        var logged = (await dora.GetFromJsonAsync<JsonElement>("/api/audit/erasures")).GetArrayLength();

        using var lars = _agent.As("lars");
        using var refused = await lars.PostAsync("/api/documents?collection=clients&name=damaged-scan.pdf",
            new ByteArrayContent("%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage, no xref, no trailer"u8.ToArray()));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("damaged-scan.pdf", await refused.Content.ReadAsStringAsync());

        Assert.Equal(before, await PackErasures());
        Assert.Equal(logged, (await dora.GetFromJsonAsync<JsonElement>("/api/audit/erasures")).GetArrayLength());
        Assert.DoesNotContain("damaged-scan.pdf", await lars.GetStringAsync("/api/documents"));
    }

    [Fact]
    public async Task Ingestion_runs_in_the_background_and_a_second_request_waits_for_it()
    {
        using var anna = _agent.As("anna");
        File.WriteAllText(Path.Combine(fixture.Office.Folder, "docs/handbook/new-rule.md"), "# Bicycles\n\nBicycles are parked in the cellar, never in the corridor.");
        // Another run holds the library (stopped at its first progress report), so the run started
        // now is still going when the second request comes: it is queued, certainly, not by a race.
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var holder = Task.Run(() => _agent.App.Services.GetRequiredService<Appliance.Rag.DocumentLibrary>()
            .IngestAsync("clients", new HeldAtFirstReport(entered, release), CancellationToken.None));
        await Eventually(() => entered.IsSet, TimeSpan.FromSeconds(30), "the holding run started");
        try
        {
            using var started = await anna.PostAsJsonAsync("/api/ingest", new { collection = "handbook" });
            Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
            using var second = await anna.PostAsJsonAsync("/api/ingest", new { });
            Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
            var queued = (await second.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("queued");
            Assert.Equal(JsonValueKind.Null, Assert.Single(queued.EnumerateArray()).ValueKind);   // a sync of every collection waits
        }
        finally
        {
            release.Set();
            await holder;
        }
        var status = default(JsonElement);
        await Eventually(async () =>
        {
            status = await anna.GetFromJsonAsync<JsonElement>("/api/ingest");
            return status.GetProperty("state").GetString() != "running" && status.GetProperty("queued").GetArrayLength() == 0;
        }, TimeSpan.FromMinutes(2), "the ingestion runs end");
        Assert.Equal("done", status.GetProperty("state").GetString());
        var handbook = status.GetProperty("collections").EnumerateArray().Single(c => c.GetProperty("id").GetString() == "handbook");
        Assert.True(handbook.GetProperty("documents").GetInt64() >= 4);
        Assert.Equal("done", handbook.GetProperty("last_sync").GetProperty("outcome").GetString());
        using var emil = _agent.As("emil");
        var hits = await (await emil.PostAsJsonAsync("/api/search", new { query = "bicycles cellar" })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(hits.EnumerateArray(), h => h.GetProperty("citation").GetProperty("path").GetString() == "new-rule.md");
        Assert.Equal(HttpStatusCode.NotFound, (await anna.PostAsJsonAsync("/api/ingest", new { collection = "nope" })).StatusCode);
    }

    [Fact]
    public async Task A_search_is_written_to_the_query_log_with_the_documents_it_returned()
    {
        using var lars = _agent.As("lars");
        await lars.PostAsJsonAsync("/api/search", new { query = "subpoena served" });
        using var dora = _agent.As("dora");
        var page = await dora.GetFromJsonAsync<JsonElement>("/api/audit/log?limit=20");
        Assert.True(page.GetProperty("chain").GetProperty("intact").GetBoolean());
        var entry = page.GetProperty("entries").EnumerateArray().First(e => e.GetProperty("question").GetString() == "subpoena served");
        Assert.Equal("lars", entry.GetProperty("user").GetString());
        Assert.Equal("/api/search", entry.GetProperty("route").GetString());
        Assert.NotEqual(0, entry.GetProperty("document_ids").GetArrayLength());
    }

    /// <summary>Stops the run it reports for at its first report until released.</summary>
    private sealed class HeldAtFirstReport(ManualResetEventSlim entered, ManualResetEventSlim release) : IProgress<Appliance.Rag.Ingestion.IngestProgress>
    {
        private int _reports;

        public void Report(Appliance.Rag.Ingestion.IngestProgress value)
        {
            if (Interlocked.Increment(ref _reports) != 1) return;
            entered.Set();
            release.Wait(TimeSpan.FromMinutes(2));
        }
    }
}
