using Microsoft.Data.Sqlite;

namespace Appliance.Backup;

/// <summary>
/// A consistent copy of live SQLite databases while the agent serves. Every database gets its own
/// connection with a read transaction opened first — all of them one after the other before any
/// copying starts — so each copy is exactly one committed state (a document whole or absent, the
/// query-log chain intact to its last entry) and the set spans the microseconds it takes to open
/// those transactions. SQLite's online backup API then copies each database inside its
/// transaction; WAL lets the agent keep writing meanwhile. Run as root, SQLite hands any -wal/-shm
/// file it has to create to the database's owner, so the agent never meets a file it cannot write.
/// </summary>
public static class LiveStores
{
    private static readonly byte[] SqliteMagic = "SQLite format 3\0"u8.ToArray();

    public static bool IsDatabase(string path)
    {
        if (!path.EndsWith(".db", StringComparison.Ordinal)) return false;
        var header = new byte[SqliteMagic.Length];
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        return file.Read(header) == header.Length && header.AsSpan().SequenceEqual(SqliteMagic);
    }

    /// <summary>Copies each database into <paramref name="staging"/>; returns live path → copy.</summary>
    public static async Task<IReadOnlyDictionary<string, string>> SnapshotAsync(IReadOnlyList<string> databases, string staging, CancellationToken ct)
    {
        var copies = new Dictionary<string, string>(StringComparer.Ordinal);
        var sources = new List<SqliteConnection>();
        try
        {
            foreach (var database in databases)
            {
                var source = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = database, Pooling = false, Mode = SqliteOpenMode.ReadWrite }.ToString());
                sources.Add(source);
                await source.OpenAsync(ct);
                await ExecuteAsync(source, "PRAGMA busy_timeout = 30000; BEGIN; SELECT count(*) FROM sqlite_schema;", ct);
            }
            for (var i = 0; i < databases.Count; i++)
            {
                var copy = Path.Combine(staging, $"{i:D3}-{Path.GetFileName(databases[i])}");
                await using (var target = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = copy, Pooling = false }.ToString()))
                {
                    await target.OpenAsync(ct);
                    // Inside the open read transaction: sqlite3_backup reads the snapshot it pinned.
                    sources[i].BackupDatabase(target);
                    await ExecuteAsync(target, "PRAGMA journal_mode = DELETE;", ct);
                }
                copies[databases[i]] = copy;
            }
            return copies;
        }
        finally
        {
            foreach (var source in sources)
            {
                if (source.State == System.Data.ConnectionState.Open)
                    await ExecuteAsync(source, "ROLLBACK;", CancellationToken.None).ContinueWith(_ => { }, CancellationToken.None);
                await source.DisposeAsync();
            }
        }
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.NextResultAsync(ct)) { }
    }
}
