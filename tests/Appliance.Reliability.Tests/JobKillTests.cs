using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Appliance.Soak;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace Appliance.Reliability.Tests;

/// <summary>
/// A job over the sample office's handbook is running at night when the power goes: the agent is
/// killed with SIGKILL after some documents are finished. Started again, the job carries on from its
/// last finished document — what was written before stays as it was — finishes, and its result is
/// its requester's alone; every document it read is in the query log and the audit evidence's usage.
/// </summary>
public sealed class JobKillTests(ITestOutputHelper output)
{
    private const string Requester = "u01";   // everyone: reads the handbook, not HR
    private const string Colleague = "u02";   // the same groups

    [Fact]
    public async Task A_job_killed_mid_way_resumes_from_its_last_finished_document_and_its_result_is_the_requesters_alone()
    {
        // Long pieces per document, so a kill lands between documents rather than after the last.
        using var box = new SoakBox(users: 3, queueLimit: 8, parallel: 2, jobs: "{ tokens_per_document: 768 }");
        var tokens = new Dictionary<string, string>();
        foreach (var user in new[] { Requester, Colleague, SoakBox.Admin })
            tokens[user] = (await AgentProcess.VerbAsync(box, CancellationToken.None, "users", "token", user, "--label", "jobs")).EnsureSuccess().StandardOutput.Trim();

        string id;
        int total;
        IReadOnlyList<string> before;
        await using (var agent = await AgentProcess.StartAsync(box, CancellationToken.None))
        {
            await agent.WaitForSyncAsync(tokens[SoakBox.Admin], CancellationToken.None);
            using var http = agent.Client(tokens[Requester], TimeSpan.FromSeconds(60));
            var created = await http.PostAsJsonAsync("/api/jobs", new { name = "Handbook overnight", task = "summarise", schedule = "now", collections = new[] { "handbook" } });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var job = await created.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("background", job.GetProperty("priority").GetString());
            id = job.GetProperty("id").GetString()!;

            await Eventually(() => Progress(box, id) is { Done: >= 2 }, TimeSpan.FromMinutes(3), "two documents of the job are finished");
            agent.KillHard();
            (total, var done) = Progress(box, id)!.Value;
            before = FinishedDocuments(box, id);
            output.WriteLine($"killed after {done} of {total} documents");
            Assert.InRange(done, 2, total - 1);   // mid-way: the kill came before the last document
            Assert.Equal("running", JobState(box, id));
        }

        await using (var agent = await AgentProcess.StartAsync(box, CancellationToken.None))
        {
            using var http = agent.Client(tokens[Requester], TimeSpan.FromSeconds(60));
            JsonElement job = default;
            await Eventually(async () =>
            {
                job = (await http.GetFromJsonAsync<JsonElement>($"/api/jobs/{id}")).GetProperty("job");
                return job.GetProperty("state").GetString() is "done" or "failed";
            }, TimeSpan.FromMinutes(5), "the job finishes after the restart");
            Assert.Equal("done", job.GetProperty("state").GetString());
            Assert.Equal(total, job.GetProperty("documents_done").GetInt32());
            // Resumed, not restarted: a document finished before the kill was read once, never again.
            var reads = JobReads(box);
            Assert.All(before, document => Assert.Equal(1, reads.Count(r => r == document)));
            Assert.Equal(total, reads.Distinct().Count());
            // What was written per document now lives only in the result document (erasing that erases it).
            Assert.Empty(FinishedOutputs(box, id));

            var documentId = job.GetProperty("result").GetProperty("document_id").GetString()!;
            var text = await http.GetFromJsonAsync<JsonElement>($"/api/documents/{documentId}/text");
            Assert.Equal("Handbook overnight", text.GetProperty("title").GetString());
            Assert.Contains("TEST MODEL", text.GetProperty("text").GetString());
            using var colleague = agent.Client(tokens[Colleague], TimeSpan.FromSeconds(60));
            Assert.Equal(HttpStatusCode.NotFound, (await colleague.GetAsync($"/api/documents/{documentId}/text")).StatusCode);
            using var admin = agent.Client(tokens[SoakBox.Admin], TimeSpan.FromSeconds(60));
            Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/api/documents/{documentId}/text")).StatusCode);

            // Logged like questions (each finished document at least once), counted in the evidence's usage for the handbook.
            var evidence = await admin.GetFromJsonAsync<JsonElement>("/api/audit/evidence");
            var handbook = evidence.GetProperty("usage").GetProperty("queries").EnumerateArray()
                .Where(q => q.GetProperty("collection").GetString() == "handbook" && q.GetProperty("role").GetString() == "background work (jobs, digests)")
                .Sum(q => q.GetProperty("count").GetInt32());
            Assert.True(handbook >= total, $"{handbook} handbook queries counted as background work in the evidence, expected the job's {total} documents at least");
        }
        var chain = await AgentProcess.VerbAsync(box, CancellationToken.None, "log", "verify");
        Assert.True(chain.Succeeded, chain.StandardOutput + chain.StandardError);
    }

    private static (int Total, int Done)? Progress(SoakBox box, string id)
    {
        try
        {
            using var db = Open(box);
            using var command = db.CreateCommand();
            command.CommandText = "SELECT COUNT(*), COALESCE(SUM(state != 'pending'), 0) FROM items WHERE job_id = $id";
            command.Parameters.AddWithValue("$id", id);
            using var reader = command.ExecuteReader();
            return reader.Read() && reader.GetInt32(0) > 0 ? (reader.GetInt32(0), reader.GetInt32(1)) : null;
        }
        catch (SqliteException)
        {
            return null;   // busy: look again
        }
    }

    private static List<string> FinishedDocuments(SoakBox box, string id)
    {
        using var db = Open(box);
        using var command = db.CreateCommand();
        command.CommandText = "SELECT document_id FROM items WHERE job_id = $id AND state = 'done'";
        command.Parameters.AddWithValue("$id", id);
        using var reader = command.ExecuteReader();
        var documents = new List<string>();
        while (reader.Read()) documents.Add(reader.GetString(0));
        return documents;
    }

    /// <summary>Every document a job read, once per read, from the query log.</summary>
    private static List<string> JobReads(SoakBox box)
    {
        using var db = new SqliteConnection($"Data Source={Path.Combine(box.DataFolder, "querylog.db")};Mode=ReadOnly;Pooling=False");
        db.Open();
        using var command = db.CreateCommand();
        command.CommandText = "SELECT document_ids FROM entries WHERE route = 'background:job'";
        using var reader = command.ExecuteReader();
        var reads = new List<string>();
        while (reader.Read()) reads.AddRange(JsonSerializer.Deserialize<List<string>>(reader.GetString(0))!);
        return reads;
    }

    private static Dictionary<int, string> FinishedOutputs(SoakBox box, string id)
    {
        using var db = Open(box);
        using var command = db.CreateCommand();
        command.CommandText = "SELECT ordinal, output FROM items WHERE job_id = $id AND output IS NOT NULL";
        command.Parameters.AddWithValue("$id", id);
        using var reader = command.ExecuteReader();
        var outputs = new Dictionary<int, string>();
        while (reader.Read()) outputs[reader.GetInt32(0)] = reader.GetString(1);
        return outputs;
    }

    private static string? JobState(SoakBox box, string id)
    {
        using var db = Open(box);
        using var command = db.CreateCommand();
        command.CommandText = "SELECT state FROM jobs WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        return command.ExecuteScalar() as string;
    }

    private static SqliteConnection Open(SoakBox box)
    {
        var db = new SqliteConnection($"Data Source={Path.Combine(box.DataFolder, "jobs.db")};Mode=ReadOnly;Pooling=False");
        db.Open();
        return db;
    }


}
