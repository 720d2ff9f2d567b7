using System.Text.Json;
using Appliance.Config;
using Appliance.Rag.Analysis;
using Microsoft.Data.Sqlite;
using static Appliance.Rag.Index.IndexSql;

namespace Appliance.Rag.Index;

/// <summary>The collections as stored: titles, reader groups, language, full-text table and generation.</summary>
internal sealed class CollectionStore(LibraryIndex index)
{
    /// <summary>
    /// Brings the stored collections in line with the config: titles, reader groups and language
    /// follow it. A full-text table analysed otherwise (another language, an older analysis) is
    /// rebuilt from the stored chunks in the same transaction: no document is extracted or embedded again.
    /// </summary>
    public Task<IReadOnlyList<StoredCollection>> SyncAsync(IEnumerable<CollectionSpec> collections, CancellationToken cancellationToken) =>
        index.WriteAsync<IReadOnlyList<StoredCollection>>((connection, transaction) =>
        {
            var existing = Read(connection, transaction).ToDictionary(c => c.Id);
            var analyses = Rows(connection, "SELECT id, analysis FROM collections", transaction, r => (Id: r.GetString(0), Analysis: r.GetString(1)))
                .ToDictionary(a => a.Id, a => a.Analysis, StringComparer.Ordinal);
            var next = existing.Count == 0 ? 0 : existing.Values.Max(c => c.FtsTable.Ordinal) + 1;
            var changes = new List<CollectionChange>();
            foreach (var spec in collections)
            {
                var table = existing.TryGetValue(spec.Id, out var known) ? known.FtsTable : FtsTable.Numbered(next++);
                var analysis = TextAnalysis.Signature(spec.Language);
                Execute(connection, """
                    INSERT INTO collections(id, title, groups, fts_table, language, analysis) VALUES ($id, $title, $groups, $table, $language, $analysis)
                    ON CONFLICT(id) DO UPDATE SET title = excluded.title, groups = excluded.groups, language = excluded.language
                    """, transaction, ("$id", spec.Id), ("$title", spec.Title), ("$groups", JsonSerializer.Serialize(spec.Groups)), ("$table", table.Name),
                    ("$language", spec.Language.ToString().ToLowerInvariant()), ("$analysis", analysis));
                if (known is not null && analyses.GetValueOrDefault(spec.Id) != analysis)
                {
                    RebuildFullText(connection, transaction, known with { Language = spec.Language }, analysis);
                    changes.Add(CollectionChange.Rewritten(spec.Id, NextGeneration(connection, transaction, spec.Id)));
                }
                else Execute(connection, table.CreateSql, transaction);
            }
            return (Read(connection, transaction), changes);
        }, cancellationToken);

    public IReadOnlyList<StoredCollection> All()
    {
        using var connection = index.Connect();
        return Read(connection, null);
    }

    public static List<StoredCollection> Read(SqliteConnection connection, SqliteTransaction? transaction) =>
        Rows(connection, "SELECT id, title, groups, fts_table, language FROM collections ORDER BY id", transaction,
            r => new StoredCollection(r.GetString(0), r.GetString(1), JsonSerializer.Deserialize<string[]>(r.GetString(2)) ?? [],
                FtsTable.FromStored(r.GetString(3)), ParseLanguage(r.GetString(4))));

    /// <summary>Moves a collection's generation on: other processes and cached word counts see it changed.</summary>
    public static long NextGeneration(SqliteConnection connection, SqliteTransaction transaction, string collectionId) =>
        (long)Scalar(connection, "UPDATE collections SET generation = generation + 1 WHERE id = $c RETURNING generation",
            transaction, ("$c", collectionId))!;

    /// <summary>Re-analyses every stored chunk of a collection into a new full-text table, document by document.</summary>
    private void RebuildFullText(SqliteConnection connection, SqliteTransaction transaction, StoredCollection collection, string analysis)
    {
        Execute(connection, collection.FtsTable.DropSql + collection.FtsTable.CreateSql, transaction);
        var documents = Rows(connection, "SELECT id, title FROM documents WHERE collection_id = $c AND chunk_count > 0", transaction,
            r => (Id: r.GetString(0), Title: r.GetString(1)), ("$c", collection.Id));
        using var chunks = Command(connection, "SELECT id, section, text FROM chunks WHERE document_id = $d ORDER BY ordinal", transaction);
        var document = chunks.Parameters.Add("$d", SqliteType.Text);
        using var setLanguage = Command(connection, "UPDATE documents SET language = $l WHERE id = $d", transaction);
        var languageParameter = setLanguage.Parameters.Add("$l", SqliteType.Text);
        var documentParameter = setLanguage.Parameters.Add("$d", SqliteType.Text);
        foreach (var (id, title) in documents)
        {
            document.Value = id;
            var rows = Rows(chunks, r => (Id: r.GetInt64(0), Section: r.GetString(1), Text: r.GetString(2)));
            var language = IndexedText.LanguageOf(collection.Language, rows.Select(r => r.Text));
            var analysed = index.Text.Analyse(language, title, [.. rows.Select(r => (r.Section, r.Text))]);
            collection.FtsTable.Insert(connection, transaction, [.. rows.Select(r => r.Id)], analysed);
            languageParameter.Value = IndexedText.StoredName(language);
            documentParameter.Value = id;
            setLanguage.ExecuteNonQuery();
        }
        Execute(connection, "UPDATE collections SET analysis = $a WHERE id = $c", transaction, ("$a", analysis), ("$c", collection.Id));
    }

    private static DocumentLanguage ParseLanguage(string name) =>
        Enum.TryParse<DocumentLanguage>(name, ignoreCase: true, out var language) ? language : DocumentLanguage.Auto;
}
