using Appliance.Agent.Audit;
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
