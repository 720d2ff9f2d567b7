using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Appliance.Soak;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace Appliance.Reliability.Tests;

/// <summary>
/// Someone pulls the power cord: the agent is killed with SIGKILL at 20 random moments while it
/// ingests 3,000 documents and logs queries. After every restart the index holds each document
/// whole or not at all, the query-log chain verifies, and ingestion picks up and finishes.
/// </summary>
public sealed class AgentKillTests(ITestOutputHelper output)
{
    // Enough that twenty interrupted runs never finish it on an idle machine (1,000 did by kill 18).
    private const int Documents = 3000;
    private const int Kills = 20;

    [Fact]
    public async Task Twenty_kill_9s_during_ingest_and_query_logging_leave_a_consistent_index_and_an_intact_chain()
    {
        var memos = Directory.CreateTempSubdirectory("memos").FullName;
        for (var i = 0; i < Documents; i++)
            File.WriteAllText(Path.Combine(memos, $"memo-{i:D4}.md"),
                $"# Memo {i}\n\n## Scope\n\nMemo {i} sets out procedure code{i}z for the office.\n\n## Details\n\n" +
                string.Join("\n\n", Enumerable.Range(0, 6).Select(p => $"Paragraph {p} of memo {i}: steps, owners and deadlines for code{i}z.")) + "\n");
        using var box = new SoakBox(users: 4, queueLimit: 16, parallel: 2, memos: memos);
        box.AdminToken = (await AgentProcess.VerbAsync(box, CancellationToken.None, "users", "token", SoakBox.Admin, "--label", "faults")).EnsureSuccess().StandardOutput.Trim();
        var random = new Random(20261121);
        var previousReady = 0;

        for (var kill = 1; kill <= Kills; kill++)
        {
            await using var agent = await AgentProcess.StartAsync(box, CancellationToken.None);
            using var http = agent.Client(box.AdminToken, TimeSpan.FromSeconds(30));
            (await http.PostAsJsonAsync("/api/ingest", new { collection = "memos" })).EnsureSuccessStatusCode();
            using var load = new CancellationTokenSource();
            var queries = QueryUntilCancelledAsync(http, random.Next(), load.Token);

            // Kill only once this run has written documents, at a random moment after that: mid-ingest, not before it.
            await Eventually(() => ReadyDocuments(box) > previousReady, TimeSpan.FromMinutes(2), "this run wrote documents");
            await Task.Delay(random.Next(0, 1500));
            agent.KillHard();
            load.Cancel();
            await queries;

            var ready = IndexChecks.AssertConsistent(box);
            var chain = await AgentProcess.VerbAsync(box, CancellationToken.None, "log", "verify");
            Assert.True(chain.Succeeded, $"after kill {kill}: {chain.StandardOutput}{chain.StandardError}");
            Assert.True(ready > previousReady, $"after kill {kill}: {ready} ready documents, {previousReady} before: ingestion did not resume");
            output.WriteLine($"kill {kill,2}: {ready,4} documents ready, {chain.StandardOutput.Trim()}");
            previousReady = ready;
        }

        // A last, uninterrupted run finishes the job.
        (await AgentProcess.VerbAsync(box, CancellationToken.None, "ingest", "--collection", "memos")).EnsureSuccess();
        Assert.Equal(Documents, IndexChecks.AssertConsistent(box, collection: "memos"));
        var search = (await AgentProcess.VerbAsync(box, CancellationToken.None, "search", "code777z", "--groups", "everyone", "--k", "1", "--lexical", "--json")).EnsureSuccess();
        Assert.Contains("memo-0777.md", search.StandardOutput);
        Directory.Delete(memos, recursive: true);
    }

    private static async Task QueryUntilCancelledAsync(HttpClient http, int seed, CancellationToken stop)
    {
        var random = new Random(seed);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                using var response = await http.PostAsJsonAsync("/api/search", new { query = $"code{random.Next(Documents)}z", k = 3 }, stop);
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
            {
                // The agent died under us: that is the point of the test.
            }
        }
    }

    private static int ReadyDocuments(SoakBox box)
    {
        try
        {
            using var db = new SqliteConnection($"Data Source={Path.Combine(box.DataFolder, "library.db")};Mode=ReadOnly;Pooling=False");
            db.Open();
            return Convert.ToInt32(IndexChecks.Scalar(db, "SELECT count(*) FROM documents WHERE status = 'ready'"));
        }
        catch (SqliteException)
        {
            return 0; // not created yet, or busy: try again
        }
    }


}
