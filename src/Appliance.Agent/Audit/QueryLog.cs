using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Appliance.Audit.Evidence;
using Appliance.Audit.Pack;
using Microsoft.Data.Sqlite;

namespace Appliance.Agent.Audit;

/// <summary>
/// The append-only, hash-chained record of every question asked: each entry carries the SHA-256 of
/// the one before, so editing or removing an entry anywhere breaks the chain from there on. Only
/// the retention purge removes entries, oldest first, and it writes what it removed into the chain.
/// </summary>
public sealed class QueryLog
{
    public const string Genesis = QueryLogChain.Genesis;
    private readonly AgentDatabase _database;
    private readonly TimeProvider _clock;
    private readonly QuestionProtection? _questions;
    private readonly SemaphoreSlim _writer = new(1, 1);

    private QueryLog(AgentDatabase database, TimeProvider clock, QuestionProtection? questions) =>
        (_database, _clock, _questions) = (database, clock, questions);

    public string ModeName => _questions?.ModeName ?? "unknown";

    private QuestionProtection Questions => _questions ?? throw new InvalidOperationException("this query log was opened for reading only");

    public static async Task<QueryLog> OpenAsync(string databaseFile, QuestionProtection questions, TimeProvider clock, CancellationToken ct)
    {
        var log = new QueryLog(await AgentDatabase.OpenAsync(databaseFile, ct), clock, questions);
        await using var db = await log.ConnectAsync(ct);
        await Sql.ExecuteAsync(db, """
            CREATE TABLE IF NOT EXISTS entries (
                seq INTEGER PRIMARY KEY,
                at TEXT NOT NULL,
                kind TEXT NOT NULL,
                user TEXT,
                route TEXT,
                question_mode TEXT NOT NULL,
                question TEXT,
                document_ids TEXT NOT NULL,
                prompt_tokens INTEGER NOT NULL,
                completion_tokens INTEGER NOT NULL,
                latency_ms INTEGER NOT NULL,
                status INTEGER NOT NULL,
                purged_through_seq INTEGER,
                purged_through_hash TEXT,
                previous_hash TEXT NOT NULL,
                hash TEXT NOT NULL,
                question_salt TEXT);
            CREATE INDEX IF NOT EXISTS entries_at ON entries(at);
            CREATE TABLE IF NOT EXISTS purge_permit (granted INTEGER NOT NULL);
            CREATE TRIGGER IF NOT EXISTS entries_append_only_update BEFORE UPDATE ON entries
            BEGIN SELECT RAISE(ABORT, 'the query log is append-only'); END;
            CREATE TRIGGER IF NOT EXISTS entries_append_only_delete BEFORE DELETE ON entries
            WHEN NOT EXISTS (SELECT 1 FROM purge_permit)
            BEGIN SELECT RAISE(ABORT, 'the query log is append-only; only the retention purge removes entries'); END;
            """, ct);
        // Logs written before questions were committed to with a salt gain the column; their entries keep hashing as before.
        if (await Sql.ScalarAsync<long>(db, "SELECT COUNT(*) FROM pragma_table_info('entries') WHERE name = 'question_salt'", ct) == 0)
            await Sql.ExecuteAsync(db, "ALTER TABLE entries ADD COLUMN question_salt TEXT", ct);
        return log;
    }

    /// <summary>Opens an existing log for reading and verification only (the `log verify` verb).</summary>
    public static QueryLog OpenForReading(string databaseFile) =>
        new(AgentDatabase.ForReading(databaseFile), TimeProvider.System, null);

    public Task<QueryLogEntry> AppendAsync(QueryRecord record, CancellationToken ct) =>
        AppendAsync(EntryKinds.Query, record.User, record.Route, Questions.Protect(record.Question), record.DocumentIds,
            record.PromptTokens, record.CompletionTokens, (long)record.Latency.TotalMilliseconds, record.Status, null, null, ct);

    /// <summary>Removes entries older than <paramref name="cutoff"/> and records the purge as a new entry.</summary>
    public async Task<PurgeReport> PurgeOlderThanAsync(DateTimeOffset cutoff, CancellationToken ct)
    {
        await _writer.WaitAsync(ct);
        try
        {
            await using var db = await ConnectAsync(ct);
            await using var tx = (SqliteTransaction)await db.BeginTransactionAsync(ct);
            // The newest purged entry must be followed by a kept one (the purge record at least), and
            // the chain resumes from its hash, which the purge record keeps.
            var through = await ReadLastBeforeAsync(db, cutoff, ct);
            if (through is null)
            {
                await tx.RollbackAsync(ct);
                return new PurgeReport(0, null, cutoff);
            }
            await Sql.ExecuteAsync(db, "INSERT INTO purge_permit (granted) VALUES (1)", ct);
            var removed = await Sql.ExecuteAsync(db, "DELETE FROM entries WHERE seq <= $s", ct, ("$s", through.Value.Seq));
            await Sql.ExecuteAsync(db, "DELETE FROM purge_permit", ct);
            await InsertAsync(db, EntryKinds.Purge, null, "retention", null, [], 0, 0, 0, 0, through.Value.Seq, through.Value.Hash, ct);
            await tx.CommitAsync(ct);
            return new PurgeReport(removed, through.Value.Seq, cutoff);
        }
        finally
        {
            _writer.Release();
        }
    }

    private async Task<QueryLogEntry> AppendAsync(string kind, string? user, string? route, string? question, IReadOnlyList<string> documentIds,
        int promptTokens, int completionTokens, long latencyMs, int status, long? purgedThroughSeq, string? purgedThroughHash, CancellationToken ct)
    {
        await _writer.WaitAsync(ct);
        try
        {
            await using var db = await ConnectAsync(ct);
            await using var tx = (SqliteTransaction)await db.BeginTransactionAsync(ct);
            var entry = await InsertAsync(db, kind, user, route, question, documentIds, promptTokens, completionTokens, latencyMs, status,
                purgedThroughSeq, purgedThroughHash, ct);
            await tx.CommitAsync(ct);
            return entry;
        }
        finally
        {
            _writer.Release();
        }
    }

    private async Task<QueryLogEntry> InsertAsync(SqliteConnection db, string kind, string? user, string? route, string? question,
        IReadOnlyList<string> documentIds, int promptTokens, int completionTokens, long latencyMs, int status,
        long? purgedThroughSeq, string? purgedThroughHash, CancellationToken ct)
    {
        var last = await ReadLastAsync(db, ct);
        var seq = (last?.Seq ?? purgedThroughSeq ?? 0) + 1;
        var previous = last?.Hash ?? purgedThroughHash ?? Genesis;
        var at = DateTimeOffset.FromUnixTimeMilliseconds(_clock.GetUtcNow().ToUnixTimeMilliseconds());
        var salt = question is null ? null : Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var draft = new QueryLogEntry(seq, at, kind, user, route, Questions.ModeName, question, documentIds, promptTokens, completionTokens,
            latencyMs, status, purgedThroughSeq, purgedThroughHash, previous, "", salt);
        var entry = draft with { Hash = HashOf(draft) };
        await Sql.ExecuteAsync(db, """
            INSERT INTO entries (seq, at, kind, user, route, question_mode, question, document_ids, prompt_tokens, completion_tokens,
                                 latency_ms, status, purged_through_seq, purged_through_hash, previous_hash, hash, question_salt)
            VALUES ($seq, $at, $kind, $user, $route, $mode, $q, $docs, $pt, $ct, $lat, $st, $pseq, $phash, $prev, $hash, $salt)
            """, ct,
            ("$seq", entry.Seq), ("$at", Time.Format(entry.At)), ("$kind", entry.Kind), ("$user", entry.User), ("$route", entry.Route),
            ("$mode", entry.QuestionMode), ("$q", entry.Question), ("$docs", JsonSerializer.Serialize(entry.DocumentIds)),
            ("$pt", entry.PromptTokens), ("$ct", entry.CompletionTokens), ("$lat", entry.LatencyMs), ("$st", entry.Status),
            ("$pseq", entry.PurgedThroughSeq), ("$phash", entry.PurgedThroughHash), ("$prev", entry.PreviousHash), ("$hash", entry.Hash), ("$salt", entry.QuestionSalt));
        return entry;
    }

    /// <summary>The hash of an entry: SHA-256 over its <see cref="Canonical"/> form.</summary>
    public static string HashOf(QueryLogEntry e) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Canonical(e))));

    /// <summary>
    /// What an entry's hash covers: a JSON array of every field but the hash itself, with the question
    /// replaced by a salted commitment to it. So the chain can be checked from excerpts (the audit pack)
    /// that never contain the question — nor anything a guessed question could be tested against,
    /// since the salt stays in this database. Editing a stored question still breaks the hash.
    /// </summary>
    public static string Canonical(QueryLogEntry e) => JsonSerializer.Serialize(new object?[]
    {
        e.Seq, Time.Format(e.At), e.Kind, e.User, e.Route, e.QuestionMode, QuestionCommitment(e), e.DocumentIds, e.PromptTokens,
        e.CompletionTokens, e.LatencyMs, e.Status, e.PurgedThroughSeq, e.PurgedThroughHash, e.PreviousHash,
    });

    private static string? QuestionCommitment(QueryLogEntry e) => e.QuestionSalt is null || e.Question is null
        ? e.Question
        : "commit-sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(e.QuestionSalt + "\n" + e.Question)));

    /// <summary>Walks the whole chain and reports the first entry that does not check out.</summary>
    public async Task<ChainVerdict> VerifyAsync(CancellationToken ct)
    {
        await using var db = await ConnectAsync(ct);
        await using var command = Sql.Prepare(db, SelectEntries + " ORDER BY seq");
        await using var reader = await command.ExecuteReaderAsync(ct);
        // One verifier for the agent and the audit pack (Appliance.Audit.Pack.ChainWalk), fed the payloads the hashes cover.
        var walk = new ChainWalk(await ReadPurgeAnchorsAsync(ct));
        long checkedCount = 0;
        while (await reader.ReadAsync(ct))
        {
            var entry = ReadEntry(reader);
            var problem = walk.Next(new ChainEntry(entry.Seq, entry.PreviousHash, entry.Hash, Canonical(entry)));
            if (problem is not null) return new ChainVerdict(false, checkedCount, entry.Seq, problem);
            checkedCount++;
        }
        return new ChainVerdict(true, checkedCount, null, null);
    }

    private async Task<IReadOnlyDictionary<long, string>> ReadPurgeAnchorsAsync(CancellationToken ct)
    {
        await using var db = await ConnectAsync(ct);
        await using var command = Sql.Prepare(db, "SELECT purged_through_seq, purged_through_hash FROM entries WHERE kind = 'purge' AND purged_through_seq IS NOT NULL");
        await using var reader = await command.ExecuteReaderAsync(ct);
        var anchors = new Dictionary<long, string>();
        while (await reader.ReadAsync(ct)) anchors[reader.GetInt64(0)] = reader.GetString(1);
        return anchors;
    }

    /// <summary>The newest entries first, for the DPO's page.</summary>
    public async Task<IReadOnlyList<QueryLogEntry>> ReadAsync(long? beforeSeq, int limit, CancellationToken ct)
    {
        await using var db = await ConnectAsync(ct);
        await using var command = Sql.Prepare(db, SelectEntries + " WHERE $b IS NULL OR seq < $b ORDER BY seq DESC LIMIT $l",
            ("$b", beforeSeq), ("$l", limit));
        await using var reader = await command.ExecuteReaderAsync(ct);
        var entries = new List<QueryLogEntry>();
        while (await reader.ReadAsync(ct)) entries.Add(ReadEntry(reader));
        return entries;
    }

    /// <summary>
    /// The entries a DPO's filter selects, newest first, one page at a time (<paramref name="beforeSeq"/>
    /// continues below the last page), and how many entries the filter selects in all.
    /// </summary>
    public async Task<(IReadOnlyList<QueryLogEntry> Entries, long Matching)> FindAsync(LogFilter filter, long? beforeSeq, int limit, CancellationToken ct)
    {
        var (where, parameters) = filter.Sql();
        await using var db = await ConnectAsync(ct);
        var matching = await Sql.ScalarAsync<long>(db, "SELECT COUNT(*) FROM entries WHERE " + where, ct, [.. parameters]);
        await using var command = Sql.Prepare(db, SelectEntries + " WHERE " + where + " AND ($b IS NULL OR seq < $b) ORDER BY seq DESC LIMIT $l",
            [.. parameters, ("$b", beforeSeq), ("$l", limit)]);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var entries = new List<QueryLogEntry>();
        while (await reader.ReadAsync(ct)) entries.Add(ReadEntry(reader));
        return (entries, matching);
    }

    /// <summary>Entries from <paramref name="from"/> (inclusive) to <paramref name="to"/> (exclusive), oldest first: an audit excerpt.</summary>
    public async Task<IReadOnlyList<QueryLogEntry>> ReadBetweenAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        await using var db = await ConnectAsync(ct);
        await using var command = Sql.Prepare(db, SelectEntries + " WHERE at >= $f AND at < $t ORDER BY seq",
            ("$f", Time.Format(from)), ("$t", Time.Format(to)));
        await using var reader = await command.ExecuteReaderAsync(ct);
        var entries = new List<QueryLogEntry>();
        while (await reader.ReadAsync(ct)) entries.Add(ReadEntry(reader));
        return entries;
    }

    /// <summary>Every link of the chain from entry <paramref name="fromSeq"/> to the newest, oldest first (a signed excerpt's backbone).</summary>
    public async Task<IReadOnlyList<ChainLink>> LinksFromAsync(long fromSeq, CancellationToken ct)
    {
        await using var db = await ConnectAsync(ct);
        await using var command = Sql.Prepare(db, "SELECT seq, previous_hash, hash FROM entries WHERE seq >= $s ORDER BY seq", ("$s", fromSeq));
        await using var reader = await command.ExecuteReaderAsync(ct);
        var links = new List<ChainLink>();
        while (await reader.ReadAsync(ct)) links.Add(new ChainLink(reader.GetInt64(0), reader.GetString(1), reader.GetString(2)));
        return links;
    }

    /// <summary>The newest entry's link, or null while the log is empty.</summary>
    public async Task<ChainLink?> HeadAsync(CancellationToken ct)
    {
        await using var db = await ConnectAsync(ct);
        await using var command = Sql.Prepare(db, "SELECT seq, previous_hash, hash FROM entries ORDER BY seq DESC LIMIT 1");
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? new ChainLink(reader.GetInt64(0), reader.GetString(1), reader.GetString(2)) : null;
    }

    public async Task<long> CountAsync(CancellationToken ct)
    {
        await using var db = await ConnectAsync(ct);
        return await Sql.ScalarAsync<long>(db, "SELECT COUNT(*) FROM entries", ct);
    }

    private const string SelectEntries = """
        SELECT seq, at, kind, user, route, question_mode, question, document_ids, prompt_tokens, completion_tokens,
               latency_ms, status, purged_through_seq, purged_through_hash, previous_hash, hash, question_salt FROM entries
        """;

    private static QueryLogEntry ReadEntry(SqliteDataReader r) => new(
        r.GetInt64(0), Time.Parse(r.GetString(1)), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4),
        r.GetString(5), r.IsDBNull(6) ? null : r.GetString(6), JsonSerializer.Deserialize<List<string>>(r.GetString(7)) ?? [],
        r.GetInt32(8), r.GetInt32(9), r.GetInt64(10), r.GetInt32(11), r.IsDBNull(12) ? null : r.GetInt64(12),
        r.IsDBNull(13) ? null : r.GetString(13), r.GetString(14), r.GetString(15), r.IsDBNull(16) ? null : r.GetString(16));

    private static async Task<(long Seq, string Hash)?> ReadLastAsync(SqliteConnection db, CancellationToken ct)
    {
        await using var command = Sql.Prepare(db, "SELECT seq, hash FROM entries ORDER BY seq DESC LIMIT 1");
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? (reader.GetInt64(0), reader.GetString(1)) : null;
    }

    private static async Task<(long Seq, string Hash)?> ReadLastBeforeAsync(SqliteConnection db, DateTimeOffset cutoff, CancellationToken ct)
    {
        await using var command = Sql.Prepare(db, "SELECT seq, hash FROM entries WHERE at < $c ORDER BY seq DESC LIMIT 1", ("$c", Time.Format(cutoff)));
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? (reader.GetInt64(0), reader.GetString(1)) : null;
    }

    private Task<SqliteConnection> ConnectAsync(CancellationToken ct) => _database.ConnectAsync(ct);
}
