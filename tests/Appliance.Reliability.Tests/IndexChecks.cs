using Appliance.Soak;
using Microsoft.Data.Sqlite;

namespace Appliance.Reliability.Tests;

/// <summary>"Every document is fully searchable or absent", checked with raw SQL over the index file.</summary>
internal static class IndexChecks
{
    /// <summary>Independent of the library's own checks: raw SQL over the index file. Returns the ready documents.</summary>
    public static int AssertConsistent(SoakBox box, string? collection = null)
    {
        var database = Path.Combine(box.DataFolder, "library.db");
        using var db = new SqliteConnection($"Data Source={database};Pooling=False");
        db.Open();
        Assert.Equal("ok", Scalar(db, "PRAGMA integrity_check"));
        Assert.Equal(0L, Scalar(db, "SELECT count(*) FROM chunks c LEFT JOIN documents d ON d.id = c.document_id WHERE d.id IS NULL OR d.status <> 'ready'"));
        Assert.Equal(0L, Scalar(db, "SELECT count(*) FROM documents d WHERE d.status = 'ready' AND d.chunk_count <> (SELECT count(*) FROM chunks c WHERE c.document_id = d.id)"));
        Assert.Equal(0L, Scalar(db, "SELECT count(*) FROM vectors v LEFT JOIN chunks c ON c.id = v.chunk_id WHERE c.id IS NULL"));
        Assert.Equal(0L, Scalar(db, "SELECT count(*) FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.embedding_model IS NOT NULL AND NOT EXISTS (SELECT 1 FROM vectors v WHERE v.chunk_id = c.id)"));
        foreach (var table in Column(db, "SELECT fts_table FROM collections"))
        {
            using var check = db.CreateCommand();
            check.CommandText = $"INSERT INTO {table}({table}) VALUES('integrity-check')";
            check.ExecuteNonQuery(); // throws SQLITE_CORRUPT_VTAB when the full-text index and the chunks disagree
        }
        var filter = collection is null ? "" : $" AND collection_id = '{collection}'";
        return Convert.ToInt32(Scalar(db, "SELECT count(*) FROM documents WHERE status = 'ready'" + filter));
    }

    public static object? Scalar(SqliteConnection db, string sql)
    {
        using var command = db.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static IEnumerable<string> Column(SqliteConnection db, string sql)
    {
        using var command = db.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var values = new List<string>();
        while (reader.Read()) values.Add(reader.GetString(0));
        return values;
    }
}
