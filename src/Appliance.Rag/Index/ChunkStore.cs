using Appliance.Config;
using Appliance.Rag.Analysis;
using Microsoft.Data.Sqlite;
using static Appliance.Rag.Index.IndexSql;

namespace Appliance.Rag.Index;

/// <summary>
/// The chunks as stored, as retrieval reads them: a collection's full-text statistics, the terms a
/// question searches with, hits read back — each only from collections the caller may read.
/// </summary>
internal sealed class ChunkStore(LibraryIndex index)
{
    private const string HitColumns = "c.id, c.document_id, c.collection_id, d.path, c.title, c.page, c.section, c.start_char, c.end_char, c.text, c.recognised";

    /// <summary>The chunks a collection holds (what its full-text table indexes, from the documents' counts) and its generation.</summary>
    public TableStatistics Statistics(SqliteConnection connection, SqliteTransaction? transaction, StoredCollection collection)
    {
        var found = Rows(connection, """
            SELECT generation, (SELECT coalesce(sum(chunk_count), 0) FROM documents WHERE collection_id = $c) FROM collections WHERE id = $c
            """, transaction, r => new TableStatistics(collection.Id, collection.FtsTable, r.GetInt64(1), r.GetInt64(0)), ("$c", collection.Id));
        return found.Count > 0 ? found[0] : new TableStatistics(collection.Id, collection.FtsTable, 0, 0);
    }

    /// <summary>
    /// The terms <paramref name="question"/> searches <paramref name="collection"/> with, analysed like
    /// its documents; a German compound's parts count when the collection's table knows them.
    /// </summary>
    public IReadOnlyList<string> QueryTerms(SqliteConnection connection, SqliteTransaction? transaction, StoredCollection collection, string question)
    {
        var held = collection.Language != DocumentLanguage.Auto
            ? []
            : Rows(connection, "SELECT DISTINCT language FROM documents WHERE collection_id = $c AND language IS NOT NULL", transaction,
                    r => IndexedText.FromStoredName(r.GetString(0)), ("$c", collection.Id))
                .OfType<TextLanguage>().ToList();
        var table = collection.FtsTable.Name;
        using var count = Command(connection, $"SELECT EXISTS (SELECT 1 FROM {table} WHERE {table} MATCH $q)", transaction);
        var phrase = count.Parameters.Add("$q", SqliteType.Text);
        var known = new Dictionary<string, bool>(StringComparer.Ordinal);
        bool IsWord(string part)
        {
            if (known.TryGetValue(part, out var found)) return found;
            phrase.Value = $"\"{part.Replace("\"", "\"\"")}\"";
            return known[part] = Convert.ToInt64(count.ExecuteScalar()) != 0;
        }
        return index.Text.QueryTerms(string.Join(' ', Retrieval.FtsQuery.Terms(question)), LanguageGuess.Of(question, minimum: 1),
            collection.Language, held, IsWord);
    }

    /// <summary>The chunks with the given ids that belong to one of <paramref name="readable"/> collections; others are not read.</summary>
    public Dictionary<long, StoredChunk> ForHits(SqliteConnection connection, SqliteTransaction? transaction, IReadOnlyCollection<long> ids,
        IReadOnlyCollection<string> readable)
    {
        if (ids.Count == 0 || readable.Count == 0) return [];
        using var command = Command(connection, $"""
            SELECT {HitColumns} FROM chunks c JOIN documents d ON d.id = c.document_id
            WHERE c.id IN ({InList(ids.Count)}) AND c.collection_id IN ({InList(readable.Count, "$r")})
            """, transaction);
        BindInList(command, ids.Select(i => (object)i).ToList());
        BindInList(command, readable, "$r");
        return Rows(command, ReadHit).ToDictionary(c => c.Id);
    }

    /// <summary>One document's chunks in text order, when it is in one of <paramref name="readable"/> collections; others are not read.</summary>
    public List<StoredChunk> OfDocument(string documentId, IReadOnlyCollection<string> readable)
    {
        if (readable.Count == 0) return [];
        using var connection = index.Connect();
        using var command = Command(connection, $"""
            SELECT {HitColumns} FROM chunks c JOIN documents d ON d.id = c.document_id
            WHERE c.document_id = $d AND c.collection_id IN ({InList(readable.Count, "$r")})
            ORDER BY c.start_char, c.end_char
            """, null, ("$d", documentId));
        BindInList(command, readable, "$r");
        return Rows(command, ReadHit);
    }

    /// <summary>The document a chunk belongs to; null when it is gone.</summary>
    public string? DocumentOf(long chunkId)
    {
        using var connection = index.Connect();
        return Scalar(connection, "SELECT document_id FROM chunks WHERE id = $id", null, ("$id", chunkId)) as string;
    }

    /// <summary>Deletes a document's chunks and their full-text rows (its vectors go with the chunks); returns the chunks' ids.</summary>
    public long[] DeleteOfDocument(SqliteConnection connection, SqliteTransaction transaction, FtsTable table, string documentId)
    {
        var rows = Rows(connection, "SELECT id, title, section, text FROM chunks WHERE document_id = $d ORDER BY ordinal", transaction,
            r => (Id: r.GetInt64(0), Title: r.GetString(1), Section: r.GetString(2), Text: r.GetString(3)), ("$d", documentId));
        if (rows.Count == 0) return [];
        var language = IndexedText.FromStoredName(Scalar(connection, "SELECT language FROM documents WHERE id = $d", transaction, ("$d", documentId)) as string)
            ?? TextLanguage.En;
        var ids = rows.Select(r => r.Id).ToArray();
        table.Delete(connection, transaction, ids, index.Text.Analyse(language, rows[0].Title, [.. rows.Select(r => (r.Section, r.Text))]));
        Execute(connection, "DELETE FROM chunks WHERE document_id = $d", transaction, ("$d", documentId));
        return ids;
    }

    private static StoredChunk ReadHit(SqliteDataReader r) =>
        new(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.OptionalInt32(5), r.GetString(6),
            r.GetInt32(7), r.GetInt32(8), r.GetString(9), r.GetInt64(10) != 0);
}
