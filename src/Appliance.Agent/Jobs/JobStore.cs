using System.Text.Json;
using Appliance.Agent.Documents;
using Microsoft.Data.Sqlite;

namespace Appliance.Agent.Jobs;

/// <summary>
/// People's jobs and each run's progress in data/jobs.db: a run's documents are chosen once, when it
/// starts, and every finished document is committed with what was written about it, so a run cut off
/// (a kill -9, a power cut) resumes at its first unfinished document. Every call that reads a job for
/// someone names its owner and sees nothing else.
/// </summary>
public sealed class JobStore
{
    public const string FileName = "jobs.db";
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
    private readonly string _connectionString;
    private readonly TimeProvider _clock;

    private JobStore(string connectionString, TimeProvider clock) => (_connectionString, _clock) = (connectionString, clock);

    public static async Task<JobStore> OpenAsync(string databaseFile, TimeProvider clock, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(databaseFile)!);
        var store = new JobStore(new SqliteConnectionStringBuilder { DataSource = databaseFile, Pooling = true, ForeignKeys = true }.ToString(), clock);
        await using var db = await store.ConnectAsync(ct);
        await Sql.ExecuteAsync(db, """
            PRAGMA journal_mode = WAL;
            CREATE TABLE IF NOT EXISTS jobs (
                id TEXT PRIMARY KEY,
                owner TEXT NOT NULL,
                request TEXT NOT NULL,
                state TEXT NOT NULL,
                created_at TEXT NOT NULL,
                next_run_at TEXT,
                started_at TEXT,
                finished_at TEXT,
                last_run_started_at TEXT,
                error TEXT,
                result TEXT);
            CREATE INDEX IF NOT EXISTS jobs_owner ON jobs(owner, created_at);
            CREATE INDEX IF NOT EXISTS jobs_state ON jobs(state, next_run_at);
            CREATE TABLE IF NOT EXISTS items (
                job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
                ordinal INTEGER NOT NULL,
                document_id TEXT NOT NULL,
                collection_id TEXT NOT NULL,
                title TEXT NOT NULL,
                path TEXT NOT NULL,
                state TEXT NOT NULL,
                output TEXT,
                citations TEXT NOT NULL DEFAULT '[]',
                PRIMARY KEY (job_id, ordinal));
            """, ct);
        return store;
    }

    public async Task<StoredJob> AddAsync(JobRequest request, DateTimeOffset? nextRunAt, CancellationToken ct)
    {
        var job = new StoredJob(Guid.NewGuid().ToString("N")[..16], request, JobState.Scheduled, _clock.GetUtcNow(), nextRunAt, null, null, null, null, null);
        await using var db = await ConnectAsync(ct);
        await Sql.ExecuteAsync(db, """
            INSERT INTO jobs (id, owner, request, state, created_at, next_run_at) VALUES ($id, $owner, $request, $state, $created, $next)
            """, ct, ("$id", job.Id), ("$owner", request.Owner), ("$request", JsonSerializer.Serialize(request, Json)), ("$state", Name(job.State)),
            ("$created", Time.Format(job.CreatedAt)), ("$next", nextRunAt is { } n ? Time.Format(n) : null));
        return job;
    }

    /// <summary>Jobs waiting or running for one person (the per-person limit).</summary>
    public async Task<int> ActiveCountAsync(string owner, CancellationToken ct)
    {
        await using var db = await ConnectAsync(ct);
        return (int)await Sql.ScalarAsync<long>(db, "SELECT COUNT(*) FROM jobs WHERE owner = $o AND state IN ('scheduled', 'running')", ct, ("$o", owner));
    }

    /// <summary>One person's jobs, newest first.</summary>
    public async Task<IReadOnlyList<StoredJob>> ListAsync(string owner, CancellationToken ct)
    {
        await using var db = await ConnectAsync(ct);
        return await ReadJobsAsync(db, "WHERE owner = $o ORDER BY created_at DESC", ct, ("$o", owner));
    }

    /// <summary>The job if <paramref name="owner"/> owns it; null otherwise (whether or not it exists).</summary>
    public async Task<StoredJob?> GetAsync(string owner, string id, CancellationToken ct)
    {
        await using var db = await ConnectAsync(ct);
        return (await ReadJobsAsync(db, "WHERE id = $id AND owner = $o", ct, ("$id", id), ("$o", owner))).FirstOrDefault();
    }

    /// <summary>Jobs due at <paramref name="now"/>: running ones first (a run cut off resumes), then by when they were due.</summary>
    public async Task<IReadOnlyList<StoredJob>> DueAsync(DateTimeOffset now, CancellationToken ct)
    {
        await using var db = await ConnectAsync(ct);
        return await ReadJobsAsync(db, """
            WHERE state = 'running' OR (state = 'scheduled' AND next_run_at <= $now)
            ORDER BY state = 'running' DESC, next_run_at, created_at
            """, ct, ("$now", Time.Format(now)));
    }

    /// <summary>When the next scheduled job falls due, if any.</summary>
    public async Task<DateTimeOffset?> NextDueAsync(CancellationToken ct)
    {
        await using var db = await ConnectAsync(ct);
        var next = await Sql.ScalarAsync<string>(db, "SELECT MIN(next_run_at) FROM jobs WHERE state = 'scheduled'", ct);
        return next is null ? null : Time.Parse(next);
    }

    /// <summary>
    /// Starts a run: its documents are fixed here, in one transaction with the state, so a resumed run
    /// reads the same ones. False when the job is no longer waiting (cancelled meanwhile): nothing changes.
    /// </summary>
    public async Task<bool> StartRunAsync(string id, IReadOnlyList<JobItem> items, DateTimeOffset startedAt, CancellationToken ct)
    {
        await using var db = await ConnectAsync(ct);
        await using var tx = (SqliteTransaction)await db.BeginTransactionAsync(ct);
        if (await Sql.ScalarAsync<string>(db, "SELECT state FROM jobs WHERE id = $id", ct, ("$id", id)) != Name(JobState.Scheduled))
            return false;   // rolled back by the dispose
        await Sql.ExecuteAsync(db, "DELETE FROM items WHERE job_id = $id", ct, ("$id", id));
        foreach (var item in items)
            await Sql.ExecuteAsync(db, """
                INSERT INTO items (job_id, ordinal, document_id, collection_id, title, path, state) VALUES ($id, $n, $d, $c, $t, $p, 'pending')
                """, ct, ("$id", id), ("$n", item.Ordinal), ("$d", item.DocumentId), ("$c", item.CollectionId), ("$t", item.Title), ("$p", item.Path));
        await Sql.ExecuteAsync(db, """
            UPDATE jobs SET state = 'running', started_at = $at, last_run_started_at = $at, finished_at = NULL, error = NULL WHERE id = $id
            """, ct, ("$id", id), ("$at", Time.Format(startedAt)));
        await tx.CommitAsync(ct);
        return true;
    }

    public async Task<IReadOnlyList<JobItem>> ItemsAsync(string id, CancellationToken ct)
    {
        await using var db = await ConnectAsync(ct);
        await using var command = Sql.Prepare(db, """
            SELECT ordinal, document_id, collection_id, title, path, state, output, citations FROM items WHERE job_id = $id ORDER BY ordinal
            """, ("$id", id));
        await using var reader = await command.ExecuteReaderAsync(ct);
        var items = new List<JobItem>();
        while (await reader.ReadAsync(ct))
            items.Add(new JobItem(reader.GetInt32(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                Enum.Parse<ItemState>(reader.GetString(5), ignoreCase: true), reader.IsDBNull(6) ? null : reader.GetString(6),
                JsonSerializer.Deserialize<List<CitationView>>(reader.GetString(7), Json) ?? []));
        return items;
    }

    /// <summary>How far each of the given jobs' current runs is: documents in all, documents finished.</summary>
    public async Task<IReadOnlyDictionary<string, (int Total, int Done)>> ProgressAsync(IEnumerable<string> ids, CancellationToken ct)
    {
        await using var db = await ConnectAsync(ct);
        var progress = new Dictionary<string, (int, int)>(StringComparer.Ordinal);
        foreach (var id in ids)
        {
            await using var command = Sql.Prepare(db, "SELECT COUNT(*), COALESCE(SUM(state != 'pending'), 0) FROM items WHERE job_id = $id", ("$id", id));
            await using var reader = await command.ExecuteReaderAsync(ct);
            if (await reader.ReadAsync(ct)) progress[id] = (reader.GetInt32(0), reader.GetInt32(1));
        }
        return progress;
    }

    /// <summary>Commits one finished document: the point a resumed run starts after.</summary>
    public async Task FinishItemAsync(string id, int ordinal, ItemState state, string output, IReadOnlyList<CitationView> citations, CancellationToken ct)
    {
        await using var db = await ConnectAsync(ct);
        await Sql.ExecuteAsync(db, """
            UPDATE items SET state = $s, output = $o, citations = $c WHERE job_id = $id AND ordinal = $n AND state = 'pending'
            """, ct, ("$s", state.ToString().ToLowerInvariant()), ("$o", output), ("$c", JsonSerializer.Serialize(citations, Json)), ("$id", id), ("$n", ordinal));
    }

    /// <summary>
    /// Ends a run: done with its result (and, for a daily job, scheduled again), cancelled or failed.
    /// What was written per document is overwritten in the same transaction: from now on it lives only
    /// in the result document, so erasing that erases it.
    /// </summary>
    public async Task EndRunAsync(string id, JobState state, JobResult? result, string? error, DateTimeOffset? nextRunAt, CancellationToken ct)
    {
        await using var db = await ConnectAsync(ct);
        await using var tx = (SqliteTransaction)await db.BeginTransactionAsync(ct);
        await Sql.ExecuteAsync(db, """
            UPDATE jobs SET state = $s, finished_at = $at, error = $e, result = COALESCE($r, result), next_run_at = $next WHERE id = $id
            """, ct, ("$s", Name(state)), ("$at", Time.Format(_clock.GetUtcNow())), ("$e", error),
            ("$r", result is null ? null : JsonSerializer.Serialize(result, Json)), ("$next", nextRunAt is { } n ? Time.Format(n) : null), ("$id", id));
        await ForgetOutputsAsync(db, id, ct);
        await tx.CommitAsync(ct);
    }

    private static Task ForgetOutputsAsync(SqliteConnection db, string id, CancellationToken ct) =>
        Sql.ExecuteAsync(db, "UPDATE items SET output = NULL, citations = '[]' WHERE job_id = $id AND output IS NOT NULL", ct, ("$id", id));

    /// <summary>Cancels a waiting or running job of <paramref name="owner"/>; false when it is not theirs or already over.</summary>
    public async Task<bool> CancelAsync(string owner, string id, CancellationToken ct)
    {
        await using var db = await ConnectAsync(ct);
        await using var tx = (SqliteTransaction)await db.BeginTransactionAsync(ct);
        var cancelled = await Sql.ExecuteAsync(db, """
            UPDATE jobs SET state = 'cancelled', finished_at = $at, next_run_at = NULL WHERE id = $id AND owner = $o AND state IN ('scheduled', 'running')
            """, ct, ("$at", Time.Format(_clock.GetUtcNow())), ("$id", id), ("$o", owner)) == 1;
        if (cancelled) await ForgetOutputsAsync(db, id, ct);
        await tx.CommitAsync(ct);
        return cancelled;
    }

    /// <summary>
    /// Every job of a person and what each wrote about each document, in one transaction (the items
    /// go with their job); returns what went. Their results on the person's shelf are the library's to erase.
    /// </summary>
    public async Task<PersonJobsErased> ErasePersonAsync(string owner, CancellationToken ct)
    {
        await using var db = await ConnectAsync(ct);
        await using var tx = (SqliteTransaction)await db.BeginTransactionAsync(ct);
        var ids = new List<string>();
        await using (var command = Sql.Prepare(db, "SELECT id FROM jobs WHERE owner = $o", ("$o", owner)))
        await using (var reader = await command.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct)) ids.Add(reader.GetString(0));
        var outputs = (int)await Sql.ScalarAsync<long>(db,
            "SELECT COUNT(*) FROM items i JOIN jobs j ON j.id = i.job_id WHERE j.owner = $o AND i.output IS NOT NULL", ct, ("$o", owner));
        // secure_delete, set on every connection, overwrites what the jobs wrote as their rows go.
        var erased = await Sql.ExecuteAsync(db, "DELETE FROM jobs WHERE owner = $o", ct, ("$o", owner));
        await tx.CommitAsync(ct);
        return new PersonJobsErased(erased, outputs, ids);
    }

    /// <summary>Whether the job is still to be worked on (a cancel from another request ends the runner's loop).</summary>
    public async Task<bool> IsRunningAsync(string id, CancellationToken ct)
    {
        await using var db = await ConnectAsync(ct);
        return await Sql.ScalarAsync<string>(db, "SELECT state FROM jobs WHERE id = $id", ct, ("$id", id)) == Name(JobState.Running);
    }

    /// <summary>Forgets the result a job wrote once its owner erased the document.</summary>
    public async Task ForgetResultAsync(string id, CancellationToken ct)
    {
        await using var db = await ConnectAsync(ct);
        await Sql.ExecuteAsync(db, "UPDATE jobs SET result = NULL WHERE id = $id", ct, ("$id", id));
    }

    private static async Task<List<StoredJob>> ReadJobsAsync(SqliteConnection db, string where, CancellationToken ct, params (string, object?)[] parameters)
    {
        await using var command = Sql.Prepare(db, """
            SELECT id, request, state, created_at, next_run_at, started_at, finished_at, last_run_started_at, error, result FROM jobs
            """ + " " + where, parameters);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var jobs = new List<StoredJob>();
        while (await reader.ReadAsync(ct))
            jobs.Add(new StoredJob(reader.GetString(0), JsonSerializer.Deserialize<JobRequest>(reader.GetString(1), Json)!,
                Parse(reader.GetString(2)), Time.Parse(reader.GetString(3)), At(reader, 4), At(reader, 5), At(reader, 6), At(reader, 7),
                reader.IsDBNull(8) ? null : reader.GetString(8),
                reader.IsDBNull(9) ? null : JsonSerializer.Deserialize<JobResult>(reader.GetString(9), Json)));
        return jobs;
    }

    private static DateTimeOffset? At(SqliteDataReader reader, int column) => reader.IsDBNull(column) ? null : Time.Parse(reader.GetString(column));

    private static string Name(JobState state) => state.ToString().ToLowerInvariant();

    private static JobState Parse(string name) => Enum.Parse<JobState>(name, ignoreCase: true);

    private async Task<SqliteConnection> ConnectAsync(CancellationToken ct)
    {
        var db = new SqliteConnection(_connectionString);
        await db.OpenAsync(ct);
        // What a job wrote about a document is overwritten when it is forgotten, not left in free pages.
        await Sql.ExecuteAsync(db, "PRAGMA secure_delete = ON", ct);
        return db;
    }
}
