using Microsoft.Data.Sqlite;

namespace Appliance.Agent;

/// <summary>
/// One SQLite file of the agent (identity, query log, security events, conversations, erasures):
/// opened the same way for every store — the folder made, write-ahead logging so readers never wait
/// for the writer, pooled connections, foreign keys enforced — or read-only beside a running agent.
/// </summary>
internal sealed class AgentDatabase
{
    private readonly string _connectionString;

    private AgentDatabase(string connectionString) => _connectionString = connectionString;

    /// <summary>Opens (creating the file if needed) for the agent's own store; the caller then creates its tables.</summary>
    public static async Task<AgentDatabase> OpenAsync(string databaseFile, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(databaseFile))!);
        var database = new AgentDatabase(new SqliteConnectionStringBuilder { DataSource = databaseFile, Pooling = true, ForeignKeys = true }.ToString());
        await using var db = await database.ConnectAsync(ct);
        await Sql.ExecuteAsync(db, "PRAGMA journal_mode = WAL;", ct);
        return database;
    }

    /// <summary>An existing file for reading only (export and verify verbs beside the agent): nothing is created in its folder.</summary>
    public static AgentDatabase ForReading(string databaseFile) =>
        new(new SqliteConnectionStringBuilder { DataSource = databaseFile, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());

    public async Task<SqliteConnection> ConnectAsync(CancellationToken ct)
    {
        var db = new SqliteConnection(_connectionString);
        await db.OpenAsync(ct);
        return db;
    }
}
