using Microsoft.Data.Sqlite;

namespace Appliance.Agent.Audit;

/// <summary>What was erased of a person, apart from documents (the library keeps those records, also for job results).</summary>
public enum PersonErasureKind
{
    /// <summary>Their conversations and the files attached to them.</summary>
    Conversations,
    /// <summary>Their account: tokens, password, sign-in state, preferences.</summary>
    Account,
    /// <summary>Their jobs, what each wrote about single documents, and the results on their own shelf.</summary>
    Jobs,
}

/// <summary>Proof that a person's data was erased: what, how much, by whom, when and why — never the data itself.</summary>
/// <param name="Items">conversations, tokens for an account, or jobs</param>
/// <param name="Attachments">files attached to the erased conversations, or results erased from the person's shelf with their jobs (0 for an account)</param>
/// <param name="Remaining">what the box could not erase itself and where it lives (e.g. the account's entry in appliance.yaml)</param>
public sealed record PersonErasure(long Id, DateTimeOffset ErasedAt, PersonErasureKind Kind, string Person, int Items, int Attachments,
    string ErasedBy, string Reason, string? Remaining);

/// <summary>
/// The erasure log for a person's conversations and account (data/erasures.db), next to the
/// library's erasure log for documents: one record per erasure, kept like the library's (no retention purge).
/// </summary>
public sealed class PersonErasures
{
    public const string FileName = "erasures.db";
    private readonly AgentDatabase _database;
    private readonly TimeProvider _clock;

    private PersonErasures(AgentDatabase database, TimeProvider clock) => (_database, _clock) = (database, clock);

    public static async Task<PersonErasures> OpenAsync(string databaseFile, TimeProvider clock, CancellationToken ct)
    {
        var store = new PersonErasures(await AgentDatabase.OpenAsync(databaseFile, ct), clock);
        await using var db = await store.ConnectAsync(ct);
        await Sql.ExecuteAsync(db, """
            CREATE TABLE IF NOT EXISTS person_erasures (
                id INTEGER PRIMARY KEY,
                at TEXT NOT NULL,
                kind TEXT NOT NULL,
                person TEXT NOT NULL,
                items INTEGER NOT NULL,
                attachments INTEGER NOT NULL,
                erased_by TEXT NOT NULL,
                reason TEXT NOT NULL,
                remaining TEXT);
            CREATE TRIGGER IF NOT EXISTS person_erasures_append_only BEFORE UPDATE ON person_erasures
            BEGIN SELECT RAISE(ABORT, 'erasure records are append-only'); END;
            CREATE TRIGGER IF NOT EXISTS person_erasures_kept BEFORE DELETE ON person_erasures
            BEGIN SELECT RAISE(ABORT, 'erasure records are kept'); END;
            """, ct);
        return store;
    }

    public async Task<PersonErasure> RecordAsync(PersonErasureKind kind, string person, int items, int attachments, string erasedBy, string reason,
        string? remaining, CancellationToken ct)
    {
        var at = _clock.GetUtcNow();
        await using var db = await ConnectAsync(ct);
        var id = await Sql.ScalarAsync<long>(db, """
            INSERT INTO person_erasures (at, kind, person, items, attachments, erased_by, reason, remaining)
            VALUES ($at, $k, $p, $i, $a, $by, $why, $rest) RETURNING id
            """, ct, ("$at", Time.Format(at)), ("$k", kind.ToString()), ("$p", person), ("$i", items), ("$a", attachments), ("$by", erasedBy),
            ("$why", reason), ("$rest", remaining));
        return new PersonErasure(id, at, kind, person, items, attachments, erasedBy, reason, remaining);
    }

    /// <summary>Every record, newest first.</summary>
    public async Task<IReadOnlyList<PersonErasure>> ListAsync(CancellationToken ct)
    {
        await using var db = await ConnectAsync(ct);
        await using var command = Sql.Prepare(db, "SELECT id, at, kind, person, items, attachments, erased_by, reason, remaining FROM person_erasures ORDER BY id DESC");
        await using var reader = await command.ExecuteReaderAsync(ct);
        var records = new List<PersonErasure>();
        while (await reader.ReadAsync(ct))
            records.Add(new PersonErasure(reader.GetInt64(0), Time.Parse(reader.GetString(1)), Enum.Parse<PersonErasureKind>(reader.GetString(2)),
                reader.GetString(3), reader.GetInt32(4), reader.GetInt32(5), reader.GetString(6), reader.GetString(7), reader.IsDBNull(8) ? null : reader.GetString(8)));
        return records;
    }

    private Task<SqliteConnection> ConnectAsync(CancellationToken ct) => _database.ConnectAsync(ct);
}
