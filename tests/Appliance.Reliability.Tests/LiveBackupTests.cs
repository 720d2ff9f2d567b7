using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Appliance.Backup;
using Appliance.Exec;
using Appliance.Soak;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace Appliance.Reliability.Tests;

/// <summary>
/// Issue 14's "done when": `provision backup now` takes a set while the real agent ingests a folder
/// of memos and clients search and ask; the data folder is wiped and restored from the set, and what
/// comes back is the state of one moment between the backup's start and its end — every document
/// whole or absent, chunks and vectors as they were, users, tokens and conversations, and a query
/// log that is a prefix of the one that went on, whose chain verifies across the restore.
/// </summary>
public sealed class LiveBackupTests(ITestOutputHelper output)
{
    private const int Memos = 1500;   // far more than gets indexed before the agent is stopped: the ingest runs throughout
    private const int Clients = 8;
    private const string Layout = "/Library/Application Support/Appliance";

    [Fact]
    public async Task A_set_taken_under_load_restores_into_a_wiped_data_folder_as_one_moment_and_the_chain_verifies_across_it()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        void Phase(string what) => output.WriteLine($"{clock.Elapsed.TotalSeconds,5:0.0} s  {what}");
        var memos = Directory.CreateTempSubdirectory("backup-memos").FullName;
        for (var i = 0; i < Memos; i++)
            File.WriteAllText(Path.Combine(memos, $"memo-{i:D4}.md"), $"# Memo {i}\n\nMemo {i} sets out procedure code{i}z for the office.\n\n"
                + string.Join("\n\n", Enumerable.Range(0, 4).Select(p => $"Paragraph {p} of memo {i}: steps, owners and deadlines for code{i}z.")) + "\n");
        using var box = new SoakBox(users: Clients, queueLimit: 64, parallel: 2, memos: memos);
        var (provisionConfig, target, keyFile, destination) = Provisioned(box);
        // The first set, as at installation (it makes the box's audit and naming keys), while the agent starts:
        // the one taken under load is then a nightly one, incremental.
        var installation = Provision("backup", "now", "-c", provisionConfig, "--target", target);
        box.AdminToken = (await AgentProcess.VerbAsync(box, CancellationToken.None, "users", "token", SoakBox.Admin, "--label", "backup")).EnsureSuccess().StandardOutput.Trim();

        Counts before, after;
        string setId;
        await using (var agent = await AgentProcess.StartAsync(box, CancellationToken.None))
        {
            using var admin = agent.Client(box.AdminToken, TimeSpan.FromSeconds(60));
            foreach (var user in box.Users)
            {
                var issued = await (await admin.PostAsJsonAsync("/api/admin/tokens", new { user = user.Name, name = "load" })).EnsureSuccessStatusCode()
                    .Content.ReadFromJsonAsync<JsonElement>();
                user.Token = issued.GetProperty("secret").GetString()!;
            }
            (await admin.PostAsJsonAsync("/api/ingest", new { collection = "memos" })).EnsureSuccessStatusCode();
            using var stop = new CancellationTokenSource();
            var load = box.Users.Select((user, i) => ClientAsync(agent, user, i, stop.Token)).ToList();

            Phase("agent started, tokens issued, ingest and clients running");
            await Eventually(() => Read(box.DataFolder) is { Documents: >= 12, Log: >= Clients, Turns: >= Clients },
                TimeSpan.FromSeconds(90), "the ingest and the clients have written something");
            var first = await installation;
            Assert.True(first.Succeeded, "the installation's backup: " + first.StandardOutput + first.StandardError);
            before = Read(box.DataFolder);
            Phase($"before the backup: {before}");
            var backup = await Provision("backup", "now", "-c", provisionConfig, "--target", target);
            after = Read(box.DataFolder);
            Assert.True(backup.Succeeded, backup.StandardOutput + backup.StandardError);
            Phase($"after the backup: {after}; {backup.StandardOutput.Trim()}");
            setId = BackupSets.List(Path.Combine(destination, "soak.test.lan"))[^1].Id;
            // Documents were being indexed before the backup and still are after it: the set was taken mid-ingest.
            Assert.Equal("running", (await admin.GetFromJsonAsync<JsonElement>("/api/ingest")).GetProperty("state").GetString());
            Assert.True(after.Log > before.Log, "no question was logged while the backup ran");

            // The load goes on past the set, so what is restored is visibly older than what was there at the end.
            await Eventually(() => Read(box.DataFolder).Log > after.Log + Clients, TimeSpan.FromSeconds(60), "the clients went on asking after the backup");
            await stop.CancelAsync();
            await Task.WhenAll(load);
            Assert.Equal(0, await agent.StopAsync());
            Phase("load stopped, agent stopped");
        }

        var final = Path.Combine(box.Folder, "final");
        CopyFolder(box.DataFolder, final);
        Directory.Delete(box.DataFolder, recursive: true);
        var into = Path.Combine(box.Folder, "restored");
        var restore = await Provision("backup", "restore", "-c", provisionConfig, "--target", target, "--key", keyFile, "--set", setId, "--into", into);
        Assert.True(restore.Succeeded, restore.StandardOutput + restore.StandardError);
        Directory.Move(Path.Combine(into, "data"), box.DataFolder);
        Phase($"data folder wiped and restored: {restore.StandardOutput.Trim().Split('\n')[^1]}");

        var restored = IndexChecks.AssertConsistent(box);  // every document whole or absent, full-text and vectors agree
        var counts = Read(box.DataFolder);
        Phase($"restored: {counts}");
        Assert.Equal(restored, counts.Documents);
        Assert.InRange(counts.Documents, before.Documents, after.Documents);
        Assert.InRange(counts.Log, before.Log, after.Log);
        Assert.InRange(counts.Turns, before.Turns, after.Turns);
        string Library(string folder) => Path.Combine(folder, "library.db");
        string Agent(string folder) => Path.Combine(folder, "agent.db");
        string Talks(string folder) => Path.Combine(folder, "conversations.db");
        string Log(string folder) => Path.Combine(folder, "querylog.db");
        AssertSubset(Library, "SELECT id, collection_id, path, content_hash, status, chunk_count FROM documents", box.DataFolder, final, "documents");
        AssertSubset(Library, "SELECT c.id, c.document_id, c.ordinal, c.text, hex(v.data) FROM chunks c LEFT JOIN vectors v ON v.chunk_id = c.id", box.DataFolder, final, "chunks and vectors");
        AssertSubset(Talks, "SELECT id, user, created_at FROM conversations", box.DataFolder, final, "conversations");
        AssertSubset(Talks, "SELECT id, conversation_id, question, answer, asked_at FROM turns", box.DataFolder, final, "turns");
        Assert.Equal(Rows(Agent(final), "SELECT name, display_name, password_hash FROM users"), Rows(Agent(box.DataFolder), "SELECT name, display_name, password_hash FROM users"));
        Assert.Equal(Rows(Agent(final), "SELECT id, user, name, hex(token_hash), created FROM api_tokens"), Rows(Agent(box.DataFolder), "SELECT id, user, name, hex(token_hash), created FROM api_tokens"));
        var log = Rows(Log(box.DataFolder), "SELECT seq, hash FROM entries ORDER BY seq");
        Assert.Equal(Rows(Log(final), "SELECT seq, hash FROM entries ORDER BY seq").Take(log.Count), log);  // a prefix: the log of one moment

        // The agent starts on the restored folder: the old tokens still sign in, and new questions extend the restored chain.
        await using (var agent = await AgentProcess.StartAsync(box, CancellationToken.None))
        {
            var user = box.Users[0];
            using var http = agent.Client(user.Token, TimeSpan.FromSeconds(60));
            var theirs = await http.GetFromJsonAsync<JsonElement>("/api/conversations");
            Assert.Equal(Scalar(Talks(box.DataFolder), $"SELECT count(*) FROM conversations WHERE user = '{user.Name}'"), theirs.GetArrayLength());
            for (var i = 0; i < 3; i++) (await http.PostAsJsonAsync("/api/search", new { query = $"code{i}z", k = 3 })).EnsureSuccessStatusCode();
            using var dpo = agent.Client(box.AdminToken, TimeSpan.FromSeconds(60));
            JsonElement chain = default;
            await Eventually(async () => (chain = await dpo.GetFromJsonAsync<JsonElement>("/api/audit/log/verify")).GetProperty("entries_checked").GetInt64() == counts.Log + 3,
                TimeSpan.FromSeconds(30), "the three new searches are logged");
            Assert.True(chain.GetProperty("intact").GetBoolean(), chain.ToString());
            Phase($"after the restart: the chain verifies across the restore, {chain}");
            Assert.Equal(0, await agent.StopAsync());
        }
        Directory.Delete(memos, recursive: true);
    }

    private sealed record Counts(int Documents, int Log, int Turns);

    /// <summary>Ready documents, query-log entries and conversation turns, read beside the running agent.</summary>
    private static Counts Read(string data)
    {
        int Count(string file, string sql)
        {
            try { return Scalar(Path.Combine(data, file), sql); }
            catch (SqliteException) { return 0; }  // not created yet
        }
        return new Counts(Count("library.db", "SELECT count(*) FROM documents WHERE status = 'ready'"),
            Count("querylog.db", "SELECT count(*) FROM entries"), Count("conversations.db", "SELECT count(*) FROM turns"));
    }

    /// <summary>Every row the restore brought back is one that was there at the end, unchanged.</summary>
    private static void AssertSubset(Func<string, string> database, string sql, string restored, string final, string what)
    {
        var finalRows = Rows(database(final), sql).ToHashSet(StringComparer.Ordinal);
        var missing = Rows(database(restored), sql).Where(r => !finalRows.Contains(r)).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} restored {what} differ from the agent's own: {string.Join(" | ", missing.Take(2).Select(m => m[..Math.Min(200, m.Length)]))}");
    }

    private static List<string> Rows(string database, string sql)
    {
        using var db = new SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False");
        db.Open();
        using var command = db.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read()) rows.Add(string.Join('\u001f', Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "∅" : reader.GetValue(i).ToString())));
        return rows;
    }

    private static int Scalar(string database, string sql)
    {
        using var db = new SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False");
        db.Open();
        return Convert.ToInt32(IndexChecks.Scalar(db, sql));
    }

    /// <summary>Each client searches and asks (short answers) in turn until stopped; overload (429) is allowed, errors are not.</summary>
    private static async Task ClientAsync(AgentProcess agent, SoakUser user, int seed, CancellationToken stop)
    {
        using var http = agent.Client(user.Token, TimeSpan.FromSeconds(60));
        var random = new Random(seed);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                using var search = await http.PostAsJsonAsync("/api/search", new { query = $"code{random.Next(Memos)}z deadlines", k = 3 }, stop);
                Assert.True(search.IsSuccessStatusCode || (int)search.StatusCode == 429, $"search: {(int)search.StatusCode}");
                using var ask = await http.PostAsJsonAsync("/api/ask", new { question = $"Who owns procedure code{random.Next(Memos)}z?", max_tokens = 4 }, stop);
                Assert.True(ask.IsSuccessStatusCode || (int)ask.StatusCode == 429, $"ask: {(int)ask.StatusCode}");
                await ask.Content.ReadAsStringAsync(stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>
    /// The provisioner's view of the same box: a sandbox whose storage root is the soak box's folder,
    /// a backup block with a key this test holds, and a plugged-in "USB disk" in the sandbox.
    /// </summary>
    private static (string Config, string Target, string Key, string Destination) Provisioned(SoakBox box)
    {
        var sandbox = Path.Combine(box.Folder, "mac");
        var root = Path.Combine(sandbox, Layout.TrimStart('/'));
        Directory.CreateDirectory(Path.GetDirectoryName(root)!);
        Directory.CreateSymbolicLink(root, Path.Combine(box.Folder, "box"));
        var destination = Path.Combine(sandbox, "Volumes", "Backup");
        Directory.CreateDirectory(destination);
        var keyFile = Path.Combine(box.Folder, "office-backup.key");
        var key = OfficeBackupKey.Create();
        key.Save(keyFile);
        var text = File.ReadAllText(box.ConfigFile);
        var storage = $"root: \"{Path.Combine(box.Folder, "box")}\"";
        Assert.Contains(storage, text);
        var config = Path.Combine(box.Folder, "provision.yaml");
        File.WriteAllText(config, text.Replace(storage, $"root: \"{Layout}\"")
            + $"\nbackup:\n  destination: /Volumes/Backup\n  public_key: \"{key.Public.ToConfigString()}\"\n");
        return (config, "sandbox:" + sandbox, keyFile, destination);
    }

    private static Task<CommandResult> Provision(params string[] arguments) =>
        new LocalCommandRunner().RunAsync(Command.Of("dotnet", [ProvisionDll, .. arguments]).WithTimeout(TimeSpan.FromMinutes(3)));

    private static string ProvisionDll => Path.Combine(SoakBox.RepositoryRoot, "provision", "bin", "Release", "net10.0", "provision.dll");


    private static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var copy = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file, copy);
        }
    }
}
