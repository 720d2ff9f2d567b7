using System.Text.Json;
using Appliance.Agent.Audit;
using Appliance.Agent.Conversations;
using Appliance.Audit.Evidence;
using Appliance.Audit.Pack;
using Appliance.Config;
using Microsoft.Data.Sqlite;

namespace Appliance.Agent.Tests;

/// <summary>The query log on real SQLite, checked by the real `appliance log verify` program.</summary>
public sealed class QueryLogTests : IDisposable
{
    private readonly TestOffice _office = TestOffice.Create(queryLog: "full");

    private string LogFile => Path.Combine(_office.DataFolder, "querylog.db");

    private async Task<QueryLog> OpenAsync(QueryLogMode mode = QueryLogMode.Full) =>
        await QueryLog.OpenAsync(LogFile, QuestionProtection.Load(mode, Path.Combine(_office.DataFolder, "querylog.key")), TimeProvider.System, CancellationToken.None);

    private static QueryRecord Question(int i) =>
        new("emil", "/api/ask", $"question number {i} about the holiday policy", [$"doc-{i}", "doc-common"], 100 + i, 20 + i, TimeSpan.FromMilliseconds(300 + i), 200);

    private async Task<QueryLog> FilledAsync(int entries)
    {
        var log = await OpenAsync();
        for (var i = 1; i <= entries; i++) await log.AppendAsync(Question(i), CancellationToken.None);
        return log;
    }

    private void Tamper(string sql)
    {
        using var db = new SqliteConnection($"Data Source={LogFile};Pooling=False");
        db.Open();
        using var command = db.CreateCommand();
        // Someone with file access can drop the guard triggers; the chain is what catches them.
        command.CommandText = "DROP TRIGGER entries_append_only_update; DROP TRIGGER entries_append_only_delete; " + sql;
        command.ExecuteNonQuery();
    }

    [Fact]
    public async Task An_untouched_log_verifies_through_the_CLI()
    {
        await FilledAsync(12);
        var result = await AgentProgram.RunAsync(null, "log", "verify", "-c", _office.ConfigFile);
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("intact: 12 entries", result.StandardOutput);
    }

    [Fact]
    public async Task Editing_one_row_makes_verify_fail_at_exactly_that_row()
    {
        await FilledAsync(12);
        Tamper("UPDATE entries SET user = 'lars' WHERE seq = 7");
        var result = await AgentProgram.RunAsync(null, "log", "verify", "-c", _office.ConfigFile);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("BROKEN at entry #7", result.StandardOutput);
        Assert.Contains("edited", result.StandardOutput);
    }

    [Fact]
    public async Task Rewriting_a_row_with_a_fresh_hash_breaks_the_link_of_the_next_row()
    {
        var log = await FilledAsync(10);
        var victim = (await log.ReadAsync(null, 100, CancellationToken.None)).Single(e => e.Seq == 4);
        var forged = victim with { Question = "something harmless" };
        forged = forged with { Hash = QueryLog.HashOf(forged) };
        Tamper($"UPDATE entries SET question = 'something harmless', hash = '{forged.Hash}' WHERE seq = 4");
        var verdict = await QueryLog.OpenForReading(LogFile).VerifyAsync(CancellationToken.None);
        Assert.False(verdict.Intact);
        Assert.Equal(5, verdict.FirstBrokenSeq);
    }

    [Fact]
    public async Task Removing_a_row_in_the_middle_is_reported_at_the_gap()
    {
        await FilledAsync(10);
        Tamper("DELETE FROM entries WHERE seq = 6");
        var verdict = await QueryLog.OpenForReading(LogFile).VerifyAsync(CancellationToken.None);
        Assert.Equal((false, 7L), (verdict.Intact, verdict.FirstBrokenSeq));
        Assert.Contains("#6", verdict.Problem);
    }

    [Fact]
    public async Task Removing_the_oldest_rows_without_a_purge_record_is_reported()
    {
        await FilledAsync(5);
        Tamper("DELETE FROM entries WHERE seq <= 2");
        var verdict = await QueryLog.OpenForReading(LogFile).VerifyAsync(CancellationToken.None);
        Assert.Equal((false, 3L), (verdict.Intact, verdict.FirstBrokenSeq));
    }

    [Fact]
    public async Task The_log_refuses_updates_and_deletes_through_SQL()
    {
        await FilledAsync(3);
        using var db = new SqliteConnection($"Data Source={LogFile};Pooling=False");
        db.Open();
        using var update = db.CreateCommand();
        update.CommandText = "UPDATE entries SET user = 'x' WHERE seq = 1";
        Assert.Contains("append-only", Assert.Throws<SqliteException>(() => update.ExecuteNonQuery()).Message);
        using var delete = db.CreateCommand();
        delete.CommandText = "DELETE FROM entries WHERE seq = 1";
        Assert.Contains("append-only", Assert.Throws<SqliteException>(() => delete.ExecuteNonQuery()).Message);
    }

    [Fact]
    public async Task A_retention_purge_removes_old_entries_records_itself_and_the_chain_still_verifies()
    {
        var log = await FilledAsync(8);
        var report = await log.PurgeOlderThanAsync(DateTimeOffset.UtcNow.AddSeconds(1), CancellationToken.None);
        Assert.Equal((8, 8L), (report.Removed, report.ThroughSeq));
        await log.AppendAsync(Question(9), CancellationToken.None);
        var entries = await log.ReadAsync(null, 100, CancellationToken.None);
        Assert.Equal([EntryKinds.Query, EntryKinds.Purge], entries.Select(e => e.Kind));
        Assert.Equal(8, entries[1].PurgedThroughSeq);
        Assert.True((await log.VerifyAsync(CancellationToken.None)).Intact);

        // A second purge that removes the first purge record is vouched for by its own record.
        await log.PurgeOlderThanAsync(DateTimeOffset.UtcNow.AddSeconds(1), CancellationToken.None);
        await log.AppendAsync(Question(10), CancellationToken.None);
        Assert.True((await log.VerifyAsync(CancellationToken.None)).Intact);
        var result = await AgentProgram.RunAsync(null, "log", "verify", "-c", _office.ConfigFile);
        Assert.Equal(0, result.ExitCode);
    }

    [Fact]
    public async Task A_purge_with_nothing_old_enough_changes_nothing()
    {
        var log = await FilledAsync(3);
        var report = await log.PurgeOlderThanAsync(DateTimeOffset.UtcNow.AddDays(-30), CancellationToken.None);
        Assert.Equal(0, report.Removed);
        Assert.Equal(3, await log.CountAsync(CancellationToken.None));
    }

    [Theory]
    [InlineData(QueryLogMode.Full)]
    [InlineData(QueryLogMode.Hashed)]
    [InlineData(QueryLogMode.Off)]
    public async Task The_question_is_stored_per_the_privacy_mode(QueryLogMode mode)
    {
        var log = await OpenAsync(mode);
        await log.AppendAsync(Question(1), CancellationToken.None);
        await log.AppendAsync(Question(1), CancellationToken.None);
        var entries = await log.ReadAsync(null, 10, CancellationToken.None);
        var stored = entries[0].Question;
        switch (mode)
        {
            case QueryLogMode.Full:
                Assert.Equal(Question(1).Question, stored);
                break;
            case QueryLogMode.Hashed:
                Assert.StartsWith("hmac-sha256:", stored);
                Assert.DoesNotContain("holiday", stored);
                Assert.Equal(stored, entries[1].Question);  // same question, same keyed hash: the DPO can match it
                break;
            default:
                Assert.Null(stored);
                break;
        }
        Assert.Equal(["doc-1", "doc-common"], entries[0].DocumentIds);
        Assert.Equal((101, 21), (entries[0].PromptTokens, entries[0].CompletionTokens));
        var raw = System.Text.Encoding.UTF8.GetString(await File.ReadAllBytesAsync(LogFile));
        Assert.Equal(mode == QueryLogMode.Full, raw.Contains("holiday policy") || File.ReadAllText(LogFile + "-wal", System.Text.Encoding.Latin1).Contains("holiday policy"));
    }

    [Theory]
    [InlineData(QueryLogMode.Full)]
    [InlineData(QueryLogMode.Hashed)]
    [InlineData(QueryLogMode.Off)]
    public async Task An_excerpt_checks_out_with_the_auditors_verifier_and_carries_no_trace_of_a_question(QueryLogMode mode)
    {
        var log = await OpenAsync(mode);
        foreach (var i in new[] { 1, 2, 1 }) await log.AppendAsync(Question(i), CancellationToken.None);
        var entries = await log.ReadBetweenAsync(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(5), CancellationToken.None);
        var excerpt = entries.Select(e => new ChainEntry(e.Seq, e.PreviousHash, e.Hash, QueryLog.Canonical(e))).ToList();
        Assert.Equal([1L, 2L, 3L], excerpt.Select(e => e.Sequence));
        Assert.True(QueryLogChain.Verify(excerpt).Intact);
        foreach (var (entry, link) in entries.Zip(excerpt))
        {
            Assert.DoesNotContain("holiday", link.Payload);
            if (entry.Question is not null) Assert.DoesNotContain(entry.Question, link.Payload);
        }
        // The same question asked twice leaves two unrelated commitments: nothing to match, nothing to test a guess against.
        var commitments = excerpt.Select(e => JsonSerializer.Deserialize<JsonElement[]>(e.Payload)![6]).ToList();
        if (mode == QueryLogMode.Off) Assert.All(commitments, c => Assert.Equal(JsonValueKind.Null, c.ValueKind));
        else Assert.NotEqual(commitments[0].GetString(), commitments[2].GetString());

        // Changing a stored question still breaks the entry's hash.
        if (mode == QueryLogMode.Full)
        {
            Tamper("UPDATE entries SET question = 'another question' WHERE seq = 2");
            Assert.Equal(2, (await log.VerifyAsync(CancellationToken.None)).FirstBrokenSeq);
        }
    }

    [Fact]
    public async Task A_log_written_before_salted_commitments_keeps_verifying_and_continues_with_them()
    {
        Directory.CreateDirectory(_office.DataFolder);
        var legacy = new QueryLogEntry(1, DateTimeOffset.Parse("2026-11-01T09:00:00Z"), EntryKinds.Query, "emil", "/api/ask", "full",
            "an old question", ["doc-1"], 10, 5, 100, 200, null, null, QueryLog.Genesis, "");
        legacy = legacy with { Hash = QueryLog.HashOf(legacy) };
        using (var db = new SqliteConnection($"Data Source={LogFile};Pooling=False"))
        {
            db.Open();
            using var command = db.CreateCommand();
            command.CommandText = $"""
                CREATE TABLE entries (seq INTEGER PRIMARY KEY, at TEXT NOT NULL, kind TEXT NOT NULL, user TEXT, route TEXT, question_mode TEXT NOT NULL,
                    question TEXT, document_ids TEXT NOT NULL, prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL, latency_ms INTEGER NOT NULL,
                    status INTEGER NOT NULL, purged_through_seq INTEGER, purged_through_hash TEXT, previous_hash TEXT NOT NULL, hash TEXT NOT NULL);
                INSERT INTO entries VALUES (1, '2026-11-01T09:00:00.0000000Z', 'query', 'emil', '/api/ask', 'full', 'an old question', '["doc-1"]',
                    10, 5, 100, 200, NULL, NULL, '{QueryLog.Genesis}', '{legacy.Hash}');
                """;
            command.ExecuteNonQuery();
        }
        var log = await OpenAsync();
        await log.AppendAsync(Question(2), CancellationToken.None);
        var verdict = await log.VerifyAsync(CancellationToken.None);
        Assert.True(verdict.Intact, verdict.ToString());
        var entries = await log.ReadAsync(null, 10, CancellationToken.None);
        Assert.Null(entries[1].QuestionSalt);
        Assert.NotNull(entries[0].QuestionSalt);
    }

    [Fact]
    public async Task Retention_purges_the_query_log_the_security_events_and_old_conversations_and_counts_each()
    {
        var log = await FilledAsync(4);
        var events = await SecurityEvents.OpenAsync(Path.Combine(_office.DataFolder, SecurityEvents.FileName), TimeProvider.System, CancellationToken.None);
        await events.RecordSignInAsync("emil", SignInOutcomes.SignedIn, CancellationToken.None);
        await events.RecordDenialAsync(null, "/api/status", "401 not signed in", CancellationToken.None);
        var conversations = await ConversationStore.OpenAsync(Path.Combine(_office.DataFolder, ConversationStore.FileName), TimeProvider.System, CancellationToken.None);
        var old = await conversations.CreateAsync("emil", "How many vacation days do I have?", null, CancellationToken.None);

        var monthLater = new ShiftedClock(TimeSpan.FromDays(31));
        var privacy = _office.Config.Privacy with { RetentionDays = 30, History = new HistorySettings { RetentionDays = 30 } };
        var recent = await (await ConversationStore.OpenAsync(Path.Combine(_office.DataFolder, ConversationStore.FileName), monthLater, CancellationToken.None))
            .CreateAsync("emil", "Where do I park?", null, CancellationToken.None);
        await new Retention(log, events, conversations, privacy, monthLater, Microsoft.Extensions.Logging.Abstractions.NullLogger<Retention>.Instance)
            .PurgeAsync(CancellationToken.None);

        var purges = await events.PurgesAsync(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1), CancellationToken.None);
        Assert.Equal([(RetentionLogs.QueryLog, 4L), (RetentionLogs.SecurityEvents, 2L), (RetentionLogs.Conversations, 1L)],
            purges.Select(p => (p.Log, p.EntriesRemoved)));
        Assert.Empty(await events.SignInsAsync(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1), CancellationToken.None));
        Assert.True((await log.VerifyAsync(CancellationToken.None)).Intact);
        Assert.Equal([recent.Id], (await conversations.ListAsync("emil", null, CancellationToken.None)).Select(c => c.Id));
        Assert.Null(await conversations.GetAsync("emil", old.Id, CancellationToken.None));
    }

    /// <summary>The real clock, moved: "a month from now" for the retention job.</summary>
    private sealed class ShiftedClock(TimeSpan by) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + by;
    }

    [Fact]
    public async Task Concurrent_appends_keep_one_unbroken_chain()
    {
        var log = await OpenAsync();
        await Task.WhenAll(Enumerable.Range(1, 40).Select(i => log.AppendAsync(Question(i), CancellationToken.None)));
        var verdict = await log.VerifyAsync(CancellationToken.None);
        Assert.True(verdict.Intact, verdict.ToString());
        Assert.Equal(40, verdict.EntriesChecked);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _office.Dispose();
    }
}
