using Appliance.Audit.Evidence;
using Microsoft.Data.Sqlite;

namespace Appliance.Agent.Audit;

/// <summary>
/// Sign-ins (and why they failed), lockouts and refused requests, kept for the retention period so
/// the audit pack can count them. Each row is time, user, kind, route and a reason from a fixed
/// vocabulary: never a password, a token, a question or a name someone typed that matches no account.
/// </summary>
public sealed class SecurityEvents
{
    public const string FileName = "security.db";
    public const string Unknown = "unknown";
    internal const string SignInKind = "sign-in";
    internal const string DeniedKind = "denied";
    internal const string AccessReportKind = "access-report";
    private readonly AgentDatabase _database;
    private readonly TimeProvider _clock;

    private SecurityEvents(AgentDatabase database, TimeProvider clock) => (_database, _clock) = (database, clock);

    public static async Task<SecurityEvents> OpenAsync(string databaseFile, TimeProvider clock, CancellationToken ct)
    {
        var events = new SecurityEvents(await AgentDatabase.OpenAsync(databaseFile, ct), clock);
        await using var db = await events.ConnectAsync(ct);
        await Sql.ExecuteAsync(db, """
            CREATE TABLE IF NOT EXISTS events (
                id INTEGER PRIMARY KEY,
                at TEXT NOT NULL,
                kind TEXT NOT NULL,
                user TEXT NOT NULL,
                route TEXT,
                reason TEXT NOT NULL);
            CREATE INDEX IF NOT EXISTS events_at ON events(at);
            CREATE TRIGGER IF NOT EXISTS events_append_only BEFORE UPDATE ON events
            BEGIN SELECT RAISE(ABORT, 'security events are append-only'); END;
            CREATE TABLE IF NOT EXISTS purges (
                id INTEGER PRIMARY KEY,
                at TEXT NOT NULL,
                log TEXT NOT NULL,
                removed INTEGER NOT NULL,
                older_than TEXT NOT NULL);
            """, ct);
        return events;
    }

    /// <summary>Opens existing events for reading only (the `audit export` verb, which must not create files in the agent's folder).</summary>
    public static SecurityEvents OpenForReading(string databaseFile) =>
        new(AgentDatabase.ForReading(databaseFile), TimeProvider.System);

    /// <param name="user">the account's name; <see cref="Unknown"/> when the name matches no account (it may be a mistyped password)</param>
    /// <param name="outcome">one of <see cref="SignInOutcomes"/></param>
    public Task RecordSignInAsync(string user, string outcome, CancellationToken ct) => InsertAsync(SignInKind, user, "/api/session", outcome, ct);

    /// <param name="route">the route template (e.g. /api/documents/{id}/content), never the query string</param>
    /// <param name="reason">e.g. "401 not signed in", "403 role", "group filter: collection hr"</param>
    public Task RecordDenialAsync(string? user, string route, string reason, CancellationToken ct) =>
        InsertAsync(DeniedKind, user ?? Unknown, route, reason, ct);

    /// <summary>A DPO ran an access report: who and for whom (the account and the name variants searched), never what it found.</summary>
    public Task RecordAccessReportAsync(string dpo, string subject, CancellationToken ct) =>
        InsertAsync(AccessReportKind, dpo, "/api/audit/access-report", "access report for " + subject, ct);

    /// <summary>
    /// The events a DPO's filter selects, newest first, one page at a time (<paramref name="beforeId"/>
    /// continues below the last page), and how many the filter selects in all.
    /// </summary>
    public async Task<(IReadOnlyList<SecurityEvent> Events, long Matching)> FindAsync(SecurityEventFilter filter, long? beforeId, int limit, CancellationToken ct)
    {
        var (where, parameters) = filter.Sql();
        await using var db = await ConnectAsync(ct);
        var matching = await Sql.ScalarAsync<long>(db, "SELECT COUNT(*) FROM events WHERE " + where, ct, [.. parameters]);
        await using var command = Sql.Prepare(db, "SELECT id, at, kind, user, route, reason FROM events WHERE " + where
            + " AND ($b IS NULL OR id < $b) ORDER BY id DESC LIMIT $l", [.. parameters, ("$b", beforeId), ("$l", limit)]);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var events = new List<SecurityEvent>();
        while (await reader.ReadAsync(ct))
            events.Add(new SecurityEvent(reader.GetInt64(0), Time.Parse(reader.GetString(1)), KindOf(reader.GetString(2), reader.GetString(5)),
                reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetString(5)));
        return (events, matching);
    }

    /// <summary>The filtered events counted by kind, route and reason: failures by kind, denials by route and reason.</summary>
    public async Task<IReadOnlyList<SecurityEventCount>> CountAsync(SecurityEventFilter filter, CancellationToken ct)
    {
        var (where, parameters) = filter.Sql();
        await using var db = await ConnectAsync(ct);
        await using var command = Sql.Prepare(db, "SELECT kind, route, reason, COUNT(*) FROM events WHERE " + where
            + " GROUP BY kind, route, reason ORDER BY COUNT(*) DESC, kind, route, reason", [.. parameters]);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var counts = new List<SecurityEventCount>();
        while (await reader.ReadAsync(ct))
        {
            var kind = KindOf(reader.GetString(0), reader.GetString(2));
            // A sign-in's route is always the session's: the reason is what tells them apart.
            counts.Add(new SecurityEventCount(kind, kind == SecurityEventKind.Denied ? reader.IsDBNull(1) ? null : reader.GetString(1) : null,
                reader.GetString(2), reader.GetInt64(3)));
        }
        return counts;
    }

    public async Task<long> TotalAsync(CancellationToken ct)
    {
        await using var db = await ConnectAsync(ct);
        return await Sql.ScalarAsync<long>(db, "SELECT COUNT(*) FROM events", ct);
    }

    private static SecurityEventKind KindOf(string kind, string reason) => kind switch
    {
        DeniedKind => SecurityEventKind.Denied,
        AccessReportKind => SecurityEventKind.AccessReport,
        _ when reason == SignInOutcomes.SignedIn => SecurityEventKind.SignedIn,
        _ when reason == SignInOutcomes.Lockout => SecurityEventKind.Lockout,
        _ => SecurityEventKind.Failed,
    };

    private async Task InsertAsync(string kind, string user, string? route, string reason, CancellationToken ct)
    {
        await using var db = await ConnectAsync(ct);
        await Sql.ExecuteAsync(db, "INSERT INTO events (at, kind, user, route, reason) VALUES ($at, $k, $u, $r, $why)", ct,
            ("$at", Time.Format(_clock.GetUtcNow())), ("$k", kind), ("$u", user), ("$r", route), ("$why", reason));
    }

    /// <summary>Sign-in outcomes per day in [from, to).</summary>
    public async Task<IReadOnlyList<DailyCount>> SignInsAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        await using var db = await ConnectAsync(ct);
        await using var command = Sql.Prepare(db, """
            SELECT substr(at, 1, 10), reason, COUNT(*) FROM events WHERE kind = $k AND at >= $f AND at < $t
            GROUP BY 1, 2 ORDER BY 1, 2
            """, ("$k", SignInKind), ("$f", Time.Format(from)), ("$t", Time.Format(to)));
        await using var reader = await command.ExecuteReaderAsync(ct);
        var counts = new List<DailyCount>();
        while (await reader.ReadAsync(ct)) counts.Add(new DailyCount(DateOnly.Parse(reader.GetString(0)), reader.GetString(1), reader.GetInt32(2)));
        return counts;
    }

    /// <summary>Refused requests per day, route and reason in [from, to).</summary>
    public async Task<IReadOnlyList<DenialCount>> DenialsAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        await using var db = await ConnectAsync(ct);
        await using var command = Sql.Prepare(db, """
            SELECT substr(at, 1, 10), route, reason, COUNT(*) FROM events WHERE kind = $k AND at >= $f AND at < $t
            GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
            """, ("$k", DeniedKind), ("$f", Time.Format(from)), ("$t", Time.Format(to)));
        await using var reader = await command.ExecuteReaderAsync(ct);
        var counts = new List<DenialCount>();
        while (await reader.ReadAsync(ct))
            counts.Add(new DenialCount(DateOnly.Parse(reader.GetString(0)), reader.GetString(1), reader.GetString(2), reader.GetInt32(3)));
        return counts;
    }

    /// <summary>Removes events older than <paramref name="cutoff"/> and records the purge, in one transaction.</summary>
    public async Task<int> PurgeOlderThanAsync(DateTimeOffset cutoff, CancellationToken ct)
    {
        await using var db = await ConnectAsync(ct);
        await using var tx = (SqliteTransaction)await db.BeginTransactionAsync(ct);
        var removed = await Sql.ExecuteAsync(db, "DELETE FROM events WHERE at < $c", ct, ("$c", Time.Format(cutoff)));
        if (removed > 0) await InsertPurgeAsync(db, RetentionLogs.SecurityEvents, removed, cutoff, ct);
        await tx.CommitAsync(ct);
        return removed;
    }

    /// <summary>Counts a purge of another store (the query log records its own in its chain; this keeps the number).</summary>
    public async Task RecordPurgeAsync(string log, long removed, DateTimeOffset cutoff, CancellationToken ct)
    {
        await using var db = await ConnectAsync(ct);
        await InsertPurgeAsync(db, log, removed, cutoff, ct);
    }

    private async Task InsertPurgeAsync(SqliteConnection db, string log, long removed, DateTimeOffset cutoff, CancellationToken ct) =>
        await Sql.ExecuteAsync(db, "INSERT INTO purges (at, log, removed, older_than) VALUES ($at, $l, $n, $c)", ct,
            ("$at", Time.Format(_clock.GetUtcNow())), ("$l", log), ("$n", removed), ("$c", Time.Format(cutoff)));

    /// <summary>Retention purges in [from, to), oldest first.</summary>
    public async Task<IReadOnlyList<RetentionPurge>> PurgesAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        await using var db = await ConnectAsync(ct);
        await using var command = Sql.Prepare(db, "SELECT at, log, removed, older_than FROM purges WHERE at >= $f AND at < $t ORDER BY id",
            ("$f", Time.Format(from)), ("$t", Time.Format(to)));
        await using var reader = await command.ExecuteReaderAsync(ct);
        var purges = new List<RetentionPurge>();
        while (await reader.ReadAsync(ct))
            purges.Add(new RetentionPurge(Time.Parse(reader.GetString(0)), reader.GetString(1), reader.GetInt64(2), Time.Parse(reader.GetString(3))));
        return purges;
    }

    private Task<SqliteConnection> ConnectAsync(CancellationToken ct) => _database.ConnectAsync(ct);
}

/// <summary>The stores the retention job purges, as the usage evidence names them.</summary>
public static class RetentionLogs
{
    public const string QueryLog = "query log";
    public const string SecurityEvents = "security events";
    public const string Conversations = "conversations";
}
