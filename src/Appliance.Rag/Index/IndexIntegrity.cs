using Microsoft.Data.Sqlite;
using static Appliance.Rag.Index.IndexSql;

namespace Appliance.Rag.Index;

/// <summary>Checks that the index agrees with itself: counts, orphans, each full-text table, SQLite's own check.</summary>
internal sealed class IndexIntegrity(LibraryIndex index)
{
    /// <summary>Every way the index could disagree with itself; empty when it is consistent.</summary>
    public IReadOnlyList<string> Check()
    {
        using var connection = index.Connect();
        var problems = new List<string>();
        void Expect(string sql, string problem)
        {
            var count = Convert.ToInt64(Scalar(connection, sql));
            if (count != 0) problems.Add($"{problem}: {count}");
        }
        Expect("SELECT count(*) FROM documents d WHERE d.chunk_count <> (SELECT count(*) FROM chunks c WHERE c.document_id = d.id)",
            "documents whose chunk count disagrees with their chunks");
        Expect("SELECT count(*) FROM documents WHERE status = 'ready' AND chunk_count = 0", "ready documents without chunks");
        Expect("SELECT count(*) FROM chunks c LEFT JOIN documents d ON d.id = c.document_id WHERE d.id IS NULL", "orphan chunks");
        Expect("SELECT count(*) FROM vectors v LEFT JOIN chunks c ON c.id = v.chunk_id WHERE c.id IS NULL", "orphan vectors");
        foreach (var collection in CollectionStore.Read(connection, null))
        {
            var table = collection.FtsTable.Name;
            try { Execute(connection, $"INSERT INTO {table}({table}, rank) VALUES('integrity-check', 0)"); }
            catch (SqliteException e) { problems.Add($"full-text index of {collection.Id}: {e.Message}"); }
        }
        if (Scalar(connection, "PRAGMA quick_check") is var result && result as string != "ok") problems.Add($"sqlite quick_check: {result}");
        return problems;
    }
}
