using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Collections.Concurrent;
using Appliance.Agent.Answers;
using Appliance.Agent.Audit;
using Appliance.Agent.Jobs;
using Appliance.Inference;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Appliance.Agent.Tests;

/// <summary>
/// Jobs over the office's documents: a lawyer's summary of the client matters runs at the background
/// class, cites only what the lawyer may read, and lands as a document only the lawyer finds — until
/// they erase it. Bad requests get a 4xx with a JSON body; another person's job does not exist for them.
/// </summary>
public sealed class JobTests
{
    [Fact]
    public async Task A_lawyers_summary_job_writes_a_cited_document_that_only_the_lawyer_can_find_and_erase()
    {
        using var office = TestOffice.Create();
        var classes = new ConcurrentQueue<WorkPriority>();
        await using var agent = await RunningAgent.StartAsync(office, services => ObserveClasses(services, classes));
        using var lars = agent.As("lars");
        var created = await lars.PostAsJsonAsync("/api/jobs", new { name = "Client matters overnight", task = "summarise", schedule = "now", collections = new[] { "clients" } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        var job = await FinishedAsync(lars, id);
        Assert.Equal("background", job.GetProperty("priority").GetString());
        // What reached the inference core: one request per document, each at the background class.
        Assert.Equal([WorkPriority.Background, WorkPriority.Background], classes.ToArray());
        Assert.Equal(2, job.GetProperty("documents_done").GetInt32());
        var result = job.GetProperty("result");
        Assert.True(result.GetProperty("test_model").GetBoolean());
        Assert.StartsWith("TEST MODEL", result.GetProperty("notice").GetString());
        var documentId = result.GetProperty("document_id").GetString()!;

        // The result is Lars's: listed, readable and searchable by him, citing only client matters.
        var text = await lars.GetFromJsonAsync<JsonElement>($"/api/documents/{documentId}/text");
        var body = text.GetProperty("text").GetString()!;
        Assert.Equal("Client matters overnight", text.GetProperty("title").GetString());
        Assert.Contains("TEST MODEL", body);
        Assert.Contains("mueller-merger.md", body);
        Assert.DoesNotContain("salaries.md", body);
        var download = await lars.GetAsync($"/api/documents/{documentId}/content");
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.StartsWith("# Client matters overnight", await download.Content.ReadAsStringAsync());
        var listed = await lars.GetFromJsonAsync<JsonElement>("/api/documents");
        Assert.Contains(listed.EnumerateArray(), d => d.GetProperty("id").GetString() == documentId);
        var found = await (await lars.PostAsJsonAsync("/api/search", new { query = "Client matters overnight", k = 20 })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(found.EnumerateArray(), h => h.GetProperty("citation").GetProperty("document_id").GetString() == documentId);

        // Nobody else finds it: not a colleague in the same groups' collections, not the admin, not the DPO.
        foreach (var other in new[] { "emil", "anna", "dora" })
        {
            using var client = agent.As(other);
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/documents/{documentId}/text")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/documents/{documentId}/content")).StatusCode);
            var theirs = await (await client.PostAsJsonAsync("/api/search", new { query = "Client matters overnight", k = 50 })).Content.ReadFromJsonAsync<JsonElement>();
            Assert.DoesNotContain(theirs.EnumerateArray(), h => h.GetProperty("citation").GetProperty("document_id").GetString() == documentId);
            Assert.DoesNotContain((await client.GetFromJsonAsync<JsonElement>("/api/documents")).EnumerateArray(), d => d.GetProperty("id").GetString() == documentId);
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/jobs/{id}")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await client.DeleteAsync($"/api/jobs/{id}/result")).StatusCode);
        }

        // Each document read is in the query log like a question, marked as background work.
        var entries = await agent.App.Services.GetRequiredService<QueryLog>().ReadAsync(null, 100, CancellationToken.None);
        Assert.Equal(2, entries.Count(e => e.User == "lars" && e.Route == BackgroundRoutes.Job && e.DocumentIds.Count == 1));

        // Erasable by its owner, with an erasure record.
        var erased = await lars.DeleteAsync($"/api/jobs/{id}/result");
        Assert.Equal(HttpStatusCode.OK, erased.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await lars.GetAsync($"/api/documents/{documentId}/text")).StatusCode);
        using var dora = agent.As("dora");
        var erasures = await dora.GetFromJsonAsync<JsonElement>("/api/audit/erasures");
        Assert.Contains(erasures.EnumerateArray(), e => e.GetProperty("document_id").GetString() == documentId && e.GetProperty("erased_by").GetString() == "lars");
    }

    [Fact]
    public async Task The_dpo_finds_a_persons_jobs_in_the_access_report_and_erases_them_with_their_results()
    {
        using var office = TestOffice.Create();
        await using var agent = await RunningAgent.StartAsync(office);
        using var lars = agent.As("lars");
        var done = await (await lars.PostAsJsonAsync("/api/jobs", new { name = "Mandate summary", task = "summarise", schedule = "now", collections = new[] { "clients" } }))
            .Content.ReadFromJsonAsync<JsonElement>();
        var nightly = await (await lars.PostAsJsonAsync("/api/jobs", new { name = "Nightly deadlines of Lars", task = "deadlines", schedule = "daily" }))
            .Content.ReadFromJsonAsync<JsonElement>();
        var id = done.GetProperty("id").GetString()!;
        var job = await FinishedAsync(lars, id);
        var result = job.GetProperty("result").GetProperty("document_id").GetString()!;

        // The access report lists both jobs, what was asked and the result on Lars's shelf.
        using var dora = agent.As("dora");
        var report = await dora.GetFromJsonAsync<JsonElement>("/api/audit/access-report?account=lars");
        var jobs = report.GetProperty("jobs").EnumerateArray().ToDictionary(j => j.GetProperty("name").GetString()!);
        Assert.Equal(["Mandate summary", "Nightly deadlines of Lars"], jobs.Keys.Order());
        Assert.Equal("Mandate summary", jobs["Mandate summary"].GetProperty("result").GetProperty("title").GetString());
        Assert.Equal("deadlines", jobs["Nightly deadlines of Lars"].GetProperty("task").GetString());
        var pdf = await dora.GetByteArrayAsync("/api/audit/access-report?account=lars&format=pdf");
        Assert.StartsWith("%PDF", System.Text.Encoding.ASCII.GetString(pdf, 0, 4));

        // Erased on the DPO's word: the jobs, and the result with the library's own erasure record.
        Assert.Equal(HttpStatusCode.Forbidden, (await lars.DeleteAsync("/api/audit/people/lars/jobs")).StatusCode);
        var erased = await dora.DeleteAsync("/api/audit/people/lars/jobs?reason=Art.%2017%20request");
        Assert.Equal(HttpStatusCode.OK, erased.StatusCode);
        var answer = await erased.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(2, answer.GetProperty("jobs_erased").GetInt32());
        Assert.Equal(1, answer.GetProperty("results_erased").GetInt32());
        Assert.Equal(0, answer.GetProperty("outputs_erased").GetInt32());   // a finished run keeps what it wrote only in its result document
        Assert.Empty((await lars.GetFromJsonAsync<JsonElement>("/api/jobs")).EnumerateArray());
        Assert.Equal(HttpStatusCode.NotFound, (await lars.GetAsync($"/api/jobs/{nightly.GetProperty("id").GetString()}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await lars.GetAsync($"/api/documents/{result}/text")).StatusCode);
        var documentErasures = await dora.GetFromJsonAsync<JsonElement>("/api/audit/erasures");
        Assert.Contains(documentErasures.EnumerateArray(), e => e.GetProperty("document_id").GetString() == result
            && e.GetProperty("erased_by").GetString() == "dora" && e.GetProperty("reason").GetString() == "Art. 17 request");
        var record = (await dora.GetFromJsonAsync<JsonElement>("/api/audit/erasures/people")).EnumerateArray().First();
        Assert.Equal(("jobs", "lars", 2, 1), (record.GetProperty("kind").GetString(), record.GetProperty("person").GetString(),
            record.GetProperty("items").GetInt32(), record.GetProperty("attachments").GetInt32()));
        Assert.Empty((await dora.GetFromJsonAsync<JsonElement>("/api/audit/access-report?account=lars")).GetProperty("jobs").EnumerateArray());
    }

    /// <summary>The job once it ended, asserted done (it prints the whole job, with its error, when it is not).</summary>
    private static async Task<JsonElement> FinishedAsync(HttpClient owner, string id)
    {
        JsonElement job = default;
        await Eventually(async () =>
        {
            job = (await owner.GetFromJsonAsync<JsonElement>($"/api/jobs/{id}")).GetProperty("job");
            return job.GetProperty("state").GetString() is "done" or "failed";
        }, TimeSpan.FromMinutes(2), "the job finishes");
        Assert.True(job.GetProperty("state").GetString() == "done", $"the job did not finish: {job}");
        return job;
    }

    [Fact]
    public async Task Bad_job_requests_get_a_4xx_with_a_json_body_and_a_waiting_job_can_be_cancelled()
    {
        using var office = TestOffice.Create();
        await using var agent = await RunningAgent.StartAsync(office);
        using var emil = agent.As("emil");
        foreach (var (bad, title) in new (object Body, string Title)[]
        {
            (new { task = "summarise" }, "name needed"),
            (new { name = "x", task = "translate" }, "unknown task"),
            (new { name = "x", task = "summarise", schedule = "hourly" }, "unknown schedule"),
            (new { name = "x", task = "summarise", collections = new[] { "clients" } }, "no such collection"),
            (new { name = "x", task = "summarise", documents = new[] { "0000000000unknown" } }, "no such document"),
            (new { name = new string('n', 101), task = "summarise" }, "name not acceptable"),
        })
        {
            var response = await emil.PostAsJsonAsync("/api/jobs", bad);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(title, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
        }
        var broken = await emil.PostAsync("/api/jobs", new StringContent("{\"name\": ", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);

        var tonight = await (await emil.PostAsJsonAsync("/api/jobs", new { name = "Handbook deadlines", task = "deadlines", schedule = "daily" }))
            .Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("scheduled", tonight.GetProperty("state").GetString());
        var id = tonight.GetProperty("id").GetString()!;
        var cancelled = await emil.DeleteAsync($"/api/jobs/{id}");
        Assert.Equal("cancelled", (await cancelled.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("state").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await emil.DeleteAsync($"/api/jobs/{id}")).StatusCode);
        using var lars = agent.As("lars");
        Assert.Equal(HttpStatusCode.NotFound, (await lars.DeleteAsync($"/api/jobs/{id}")).StatusCode);
        Assert.Empty((await lars.GetFromJsonAsync<JsonElement>("/api/jobs")).EnumerateArray());
    }

    [Fact]
    public async Task A_nightly_digest_from_appliance_yaml_is_written_in_the_quiet_hours_for_its_recipient_groups_only()
    {
        // Quiet hours around now, in the box's time zone: the digest is due as the agent starts.
        var now = TimeOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, TimeZoneInfo.Local).DateTime);
        using var office = TestOffice.Create(jobs: $"{{ quiet_hours: {{ start: \"{now.AddHours(-1):HH:mm}\", end: \"{now.AddHours(1):HH:mm}\" }}, " +
            "digests: { enabled: true, collections: [clients], recipients: [lawyers] } }");
        await using var agent = await RunningAgent.StartAsync(office);
        using var lars = agent.As("lars");
        JsonElement digest = default;
        await Eventually(async () =>
        {
            var documents = await lars.GetFromJsonAsync<JsonElement>("/api/documents");
            digest = documents.EnumerateArray().FirstOrDefault(d => d.GetProperty("collection_id").GetString() == "digest:clients");
            return digest.ValueKind == JsonValueKind.Object;
        }, TimeSpan.FromMinutes(2), "the digest of the client matters is written");
        var id = digest.GetProperty("id").GetString()!;
        var text = await lars.GetFromJsonAsync<JsonElement>($"/api/documents/{id}/text");
        Assert.Equal("Digest of Client matters", text.GetProperty("title").GetString());
        Assert.Contains("schmidt-litigation.txt", text.GetProperty("text").GetString());
        Assert.Contains("TEST MODEL", text.GetProperty("text").GetString());

        foreach (var other in new[] { "emil", "dora", "anna" })
        {
            using var client = agent.As(other);
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/documents/{id}/text")).StatusCode);
        }
        var entries = await agent.App.Services.GetRequiredService<QueryLog>().ReadAsync(null, 100, CancellationToken.None);
        Assert.Equal(2, entries.Count(e => e.Route == BackgroundRoutes.Digest));
    }

    [Fact]
    public async Task A_job_reads_through_the_groups_its_owner_still_has_not_those_stored_when_they_asked()
    {
        using var office = TestOffice.Create();
        await using var agent = await RunningAgent.StartAsync(office);
        // Emil asked while he was a lawyer (as stored); he is not one now.
        var store = agent.App.Services.GetRequiredService<JobStore>();
        var job = await store.AddAsync(new JobRequest("emil", ["everyone", "lawyers"], "Everything I read", JobTask.Summarise,
            JobTasks.DefaultPrompt(JobTask.Summarise), JobSchedule.Now, [], null, []), DateTimeOffset.UtcNow, CancellationToken.None);
        agent.App.Services.GetRequiredService<JobRunner>().Wake();
        await Eventually(async () => (await store.GetAsync("emil", job.Id, CancellationToken.None))!.State == JobState.Done,
            TimeSpan.FromMinutes(2), "the job finishes");
        var items = await store.ItemsAsync(job.Id, CancellationToken.None);
        Assert.NotEmpty(items);
        Assert.All(items, i => Assert.Equal("handbook", i.CollectionId));
    }

    /// <summary>The real chat model, with each request's work class noted on its way in.</summary>
    private static void ObserveClasses(IServiceCollection services, ConcurrentQueue<WorkPriority> classes)
    {
        var models = (ServedModels)services.Single(d => d.ServiceType == typeof(ServedModels)).ImplementationInstance!;
        services.Replace(ServiceDescriptor.Singleton(models with { Chat = new ClassObserver(models.Chat!, classes) }));
    }

    private sealed class ClassObserver(IChatClient inner, ConcurrentQueue<WorkPriority> classes) : DelegatingChatClient(inner)
    {
        public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
            CancellationToken cancellationToken = default)
        {
            classes.Enqueue(WorkPriorities.From(options?.AdditionalProperties, WorkPriority.Interactive));
            return base.GetStreamingResponseAsync(messages, options, cancellationToken);
        }
    }
}
