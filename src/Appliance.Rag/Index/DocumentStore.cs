using System.Runtime.InteropServices;
using Appliance.Rag.Chunking;
using Appliance.Rag.Sources;
using Microsoft.Data.Sqlite;
using static Appliance.Rag.Index.IndexSql;

namespace Appliance.Rag.Index;

/// <summary>The documents as stored: one row per file with its state, and the writes that replace a document's version.</summary>
internal sealed class DocumentStore(LibraryIndex index)
{
    public Dictionary<string, KnownFile> Known(string collectionId) => ReadKnown(collectionId, path: null);

    /// <summary>One file's record: an upload looks up its own name, not the whole collection.</summary>
    public KnownFile? Known(string collectionId, string path) => ReadKnown(collectionId, path).GetValueOrDefault(path);

    private Dictionary<string, KnownFile> ReadKnown(string collectionId, string? path)
    {
        using var connection = index.Connect();
        return Rows(connection,
                "SELECT id, path, content_hash, status, error, origin, bytes, source_modified FROM documents WHERE collection_id = $c" + (path is null ? "" : " AND path = $p"),
                null, r => new KnownFile(r.GetString(0), r.GetString(1), r.GetString(2), ParseStatus(r.GetString(3)), r.OptionalText(4),
                    ParseOrigin(r.GetString(5)), r.GetInt64(6), r.OptionalInt64(7)),
                ("$c", collectionId), ("$p", path))
            .ToDictionary(f => f.Path, StringComparer.Ordinal);
    }

    /// <summary>
    /// Writes a document's new version in one transaction: the old chunks, vectors and FTS rows go,
    /// the new ones arrive, or — if anything fails or the process dies — the old version stays.
    /// </summary>
    /// <returns>The removed chunks' row ids and the new chunks' row ids, in chunk order.</returns>
    public Task<(long[] Removed, long[] Added)> ReplaceAsync(DocumentWrite document, StoredCollection collection,
        IReadOnlyList<Chunk> chunks, string? embeddingModel, IReadOnlyList<float[]>? vectors, CancellationToken cancellationToken)
    {
        // Analysis is CPU work of this document alone: done before the writer lock, beside other writes.
        var language = IndexedText.LanguageOf(collection.Language, chunks.Select(c => c.Text));
        var analysed = index.Text.Analyse(language, document.Title, chunks);
        return index.WriteAsync<(long[], long[])>((connection, transaction) =>
        {
            var removed = index.Chunks.DeleteOfDocument(connection, transaction, collection.FtsTable, document.Id);
            Upsert(connection, transaction, document, new DocumentState(DocumentStatus.Ready, null, chunks.Count,
                vectors is null ? null : embeddingModel, IndexedText.StoredName(language)));
            var ids = InsertChunks(connection, transaction, document, chunks, embeddingModel, vectors);
            collection.FtsTable.Insert(connection, transaction, ids, analysed);
            var generation = CollectionStore.NextGeneration(connection, transaction, collection.Id);
            return ((removed, ids), [new CollectionChange(collection.Id, generation, removed, ids, vectors, embeddingModel)]);
        }, cancellationToken);
    }

    /// <summary>Remembers that a file could not be read (and why), so an unchanged bad file is not retried each run.</summary>
    /// <returns>The removed chunks' row ids (a file that turned bad loses its old version).</returns>
    public Task<long[]> RecordFailureAsync(DocumentWrite document, StoredCollection collection, string error, CancellationToken cancellationToken) =>
        index.WriteAsync((connection, transaction) =>
        {
            var removed = index.Chunks.DeleteOfDocument(connection, transaction, collection.FtsTable, document.Id);
            Upsert(connection, transaction, document, new DocumentState(DocumentStatus.Failed, error, 0, null, null));
            var generation = CollectionStore.NextGeneration(connection, transaction, collection.Id);
            return (removed, (IReadOnlyList<CollectionChange>)[new CollectionChange(collection.Id, generation, removed, [])]);
        }, cancellationToken);

    /// <summary>
    /// A file whose last write time moved while its content stayed (touched, copied over itself): the
    /// new time is remembered so the next sync does not read it again.
    /// </summary>
    public Task RecordUnchangedAsync(string documentId, long bytes, long modified, CancellationToken cancellationToken) =>
        index.WriteAsync((connection, transaction) =>
        {
            Execute(connection, "UPDATE documents SET source_modified = $m, bytes = $b WHERE id = $d", transaction,
                ("$m", modified), ("$b", bytes), ("$d", documentId));
            return (true, (IReadOnlyList<CollectionChange>)[]);
        }, cancellationToken);

    private const string InfoColumns =
        "id, collection_id, path, title, format, bytes, content_hash, status, error, chunk_count, uploaded_by, added_at, updated_at";

    public IReadOnlyList<DocumentInfo> List(IReadOnlyCollection<string> collectionIds, string? documentId = null)
    {
        if (collectionIds.Count == 0) return [];
        using var connection = index.Connect();
        using var command = Command(connection, $"""
            SELECT {InfoColumns} FROM documents WHERE collection_id IN ({InList(collectionIds.Count)}) AND ($id IS NULL OR id = $id)
            ORDER BY collection_id, path
            """, null, ("$id", documentId));
        BindInList(command, collectionIds);
        return Rows(command, ReadInfo);
    }

    /// <summary>One document by its id, whichever collection holds it (a primary-key lookup); null when there is none.</summary>
    public DocumentInfo? ById(string documentId)
    {
        using var connection = index.Connect();
        return Rows(connection, $"SELECT {InfoColumns} FROM documents WHERE id = $id", null, ReadInfo, ("$id", documentId)).SingleOrDefault();
    }

    private static DocumentInfo ReadInfo(SqliteDataReader r) =>
        new(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetInt64(5), r.GetString(6),
            ParseStatus(r.GetString(7)), r.OptionalText(8), r.GetInt32(9), r.OptionalText(10), r.Time(11), r.Time(12));

    /// <summary>How many documents and chunks the whole index holds (for /metrics: a count, not a listing).</summary>
    public (long Documents, long Chunks) Totals()
    {
        using var connection = index.Connect();
        return Rows(connection, "SELECT count(*), coalesce(sum(chunk_count), 0) FROM documents", null, r => (r.GetInt64(0), r.GetInt64(1)))[0];
    }

    /// <summary>Per collection: documents searchable, documents that could not be read, chunks.</summary>
    public IReadOnlyDictionary<string, CollectionCounts> CountsByCollection()
    {
        using var connection = index.Connect();
        return Rows(connection, """
                SELECT collection_id, sum(status = 'ready'), sum(status = 'failed'), coalesce(sum(chunk_count), 0)
                FROM documents GROUP BY collection_id
                """, null, r => (Id: r.GetString(0), Counts: new CollectionCounts(r.GetInt64(1), r.GetInt64(2), r.GetInt64(3))))
            .ToDictionary(c => c.Id, c => c.Counts, StringComparer.Ordinal);
    }

    /// <summary>What a document's row says about its current version, beside what the file says (<see cref="DocumentWrite"/>).</summary>
    private sealed record DocumentState(DocumentStatus Status, string? Error, int ChunkCount, string? EmbeddingModel, string? Language);

    /// <summary>The one write of a document's row: a new row, or the file's new version over the old (who uploaded it stays when not given).</summary>
    private void Upsert(SqliteConnection connection, SqliteTransaction transaction, DocumentWrite document, DocumentState state)
    {
        var now = index.Clock.GetUtcNow().ToString("O");
        Execute(connection, """
            INSERT INTO documents(id, collection_id, path, origin, title, format, bytes, content_hash, status, error,
                                  chunk_count, embedding_model, uploaded_by, added_at, updated_at, language, source_modified)
            VALUES ($id, $c, $path, $origin, $title, $format, $bytes, $hash, $status, $error, $n, $model, $by, $now, $now, $language, $modified)
            ON CONFLICT(id) DO UPDATE SET title = excluded.title, format = excluded.format, bytes = excluded.bytes,
                content_hash = excluded.content_hash, status = excluded.status, error = excluded.error, chunk_count = excluded.chunk_count,
                embedding_model = excluded.embedding_model, uploaded_by = coalesce(excluded.uploaded_by, uploaded_by),
                updated_at = excluded.updated_at, language = excluded.language, source_modified = excluded.source_modified
            """, transaction, ("$id", document.Id), ("$c", document.CollectionId), ("$path", document.Path),
            ("$origin", StoredOrigin(document.Origin)), ("$title", document.Title), ("$format", document.Format), ("$bytes", document.Bytes),
            ("$hash", document.ContentHash), ("$status", StoredStatus(state.Status)), ("$error", state.Error), ("$n", state.ChunkCount),
            ("$model", state.EmbeddingModel), ("$by", document.UploadedBy), ("$now", now), ("$language", state.Language),
            ("$modified", document.Modified));
    }

    private static long[] InsertChunks(SqliteConnection connection, SqliteTransaction transaction, DocumentWrite document,
        IReadOnlyList<Chunk> chunks, string? embeddingModel, IReadOnlyList<float[]>? vectors)
    {
        var ids = new long[chunks.Count];
        using var insertChunk = Command(connection, """
            INSERT INTO chunks(document_id, collection_id, ordinal, page, section, start_char, end_char, tokens, title, text, recognised)
            VALUES ($d, $c, $o, $p, $s, $start, $end, $t, $title, $text, $ocr) RETURNING id
            """, transaction, ("$d", document.Id), ("$c", document.CollectionId), ("$title", document.Title));
        var ordinal = insertChunk.Parameters.Add("$o", SqliteType.Integer);
        var page = insertChunk.Parameters.Add("$p", SqliteType.Integer);
        var section = insertChunk.Parameters.Add("$s", SqliteType.Text);
        var start = insertChunk.Parameters.Add("$start", SqliteType.Integer);
        var end = insertChunk.Parameters.Add("$end", SqliteType.Integer);
        var tokens = insertChunk.Parameters.Add("$t", SqliteType.Integer);
        var text = insertChunk.Parameters.Add("$text", SqliteType.Text);
        var recognised = insertChunk.Parameters.Add("$ocr", SqliteType.Integer);
        using var insertVector = Command(connection, "INSERT INTO vectors(chunk_id, model, data) VALUES ($id, $m, $data)", transaction,
            ("$m", embeddingModel ?? ""));
        var vectorChunk = insertVector.Parameters.Add("$id", SqliteType.Integer);
        var vectorData = insertVector.Parameters.Add("$data", SqliteType.Blob);
        for (var i = 0; i < chunks.Count; i++)
        {
            var chunk = chunks[i];
            ordinal.Value = chunk.Ordinal;
            page.Value = chunk.Page is { } p ? p : DBNull.Value;
            (section.Value, start.Value, end.Value, tokens.Value) = (chunk.SectionPath, chunk.StartChar, chunk.EndChar, chunk.Tokens);
            (text.Value, recognised.Value) = (chunk.Text, chunk.Recognised ? 1 : 0);
            ids[i] = (long)insertChunk.ExecuteScalar()!;
            if (vectors is null) continue;
            vectorChunk.Value = ids[i];
            vectorData.Value = MemoryMarshal.AsBytes(vectors[i].AsSpan()).ToArray();
            insertVector.ExecuteNonQuery();
        }
        return ids;
    }

    private static string StoredStatus(DocumentStatus status) => status == DocumentStatus.Ready ? "ready" : "failed";

    /// <summary>How the <c>origin</c> column names where a document came from.</summary>
    public static string StoredOrigin(Origin origin) => origin == Origin.Upload ? "upload" : "source";

    public static Origin ParseOrigin(string origin) => origin == "upload" ? Origin.Upload : Origin.Source;

    public static DocumentStatus ParseStatus(string status) => status == "ready" ? DocumentStatus.Ready : DocumentStatus.Failed;
}
