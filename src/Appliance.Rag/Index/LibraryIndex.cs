using System.Data;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Appliance.Config;
using Appliance.Rag.Analysis;
using Appliance.Rag.Chunking;
using Microsoft.Data.Sqlite;

namespace Appliance.Rag.Index;

/// <summary>A collection as stored: who may read it, which full-text table holds its chunks, and their language.</summary>
internal sealed record StoredCollection(string Id, string Title, IReadOnlyList<string> Groups, string FtsTable,
    DocumentLanguage Language = DocumentLanguage.Auto);

/// <summary>A collection as the config declares it, for <see cref="LibraryIndex.SyncCollectionsAsync"/>.</summary>
internal sealed record CollectionSpec(string Id, string Title, IReadOnlyList<string> Groups, DocumentLanguage Language = DocumentLanguage.Auto);

/// <summary>What a sync needs to know about a file it has seen before.</summary>
/// <param name="Bytes">the file's size when it was read</param>
/// <param name="Modified">the file's last write time (UTC ticks) when it was read; null for documents indexed before it was recorded</param>
internal sealed record KnownFile(string DocumentId, string Path, string ContentHash, DocumentStatus Status, string? Error, string Origin,
    long Bytes, long? Modified);

/// <summary>A document about to be written, with everything needed to replace the old version at once.</summary>
internal sealed record DocumentWrite(
    string Id, string CollectionId, string Path, string Origin, string Title, string Format, long Bytes,
    string ContentHash, string? UploadedBy)
{
    /// <summary>The file's last write time (UTC ticks) when it was read, for the next sync's quick check.</summary>
    public long? Modified { get; init; }
}

/// <summary>What ranking needs to know about a collection's full-text table, read in the query's snapshot.</summary>
internal sealed record TableStatistics(string CollectionId, string FtsTable, long Rows, long Generation);

/// <summary>A chunk read back for a hit.</summary>
internal sealed record StoredChunk(long Id, string DocumentId, string CollectionId, string Path, string Title,
    int? Page, string Section, int StartChar, int EndChar, string Text, bool Recognised = false);

/// <summary>
/// The SQLite index: documents, chunks, per-collection FTS5 tables, vectors and the erasure log.
/// WAL lets searches read while one writer (serialised here) replaces documents; every document
/// is written or erased in one transaction, so after a crash it is either all there or absent.
/// </summary>
internal sealed class LibraryIndex : IDisposable
{
    private readonly string _connectionString;
    private readonly SemaphoreSlim _writer = new(1, 1);

    private LibraryIndex(string path)
    {
        DatabasePath = path;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
    }

    public string DatabasePath { get; }

    /// <summary>Query words' chunk counts per collection, dropped by every write to the collection.</summary>
    public WordFrequencies Frequencies { get; } = new();

    /// <summary>How text becomes full-text terms, per language.</summary>
    public IndexedText Text { get; } = new();

    /// <summary>
    /// The vectors of <see cref="VectorModel"/> in memory. This index's own writes update them in
    /// commit order while the writer lock is held; <see cref="RefreshVectors"/> catches up with
    /// writes of other processes.
    /// </summary>
    public VectorIndex Vectors { get; } = new();

    /// <summary>The embedding model whose vectors are kept in memory; null = none (lexical only).</summary>
    public string? VectorModel { get; private set; }

    /// <summary>Keeps <paramref name="model"/>'s vectors in memory from now on, loading what is stored.</summary>
    public void LoadVectors(string model)
    {
        VectorModel = model;
        using var connection = Connect();
        using var snapshot = connection.BeginTransaction(deferred: true);
        RefreshVectors(connection, snapshot, ReadCollections(connection, snapshot));
    }

    /// <summary>
    /// Reloads the vectors of every given collection whose stored generation differs from the one in
    /// memory (another process wrote since), in the caller's snapshot.
    /// </summary>
    public void RefreshVectors(SqliteConnection connection, SqliteTransaction snapshot, IEnumerable<StoredCollection> collections)
    {
        if (VectorModel is not { } model) return;
        foreach (var collection in collections)
        {
            using var read = Sql(connection, "SELECT generation FROM collections WHERE id = $c", snapshot, ("$c", collection.Id));
            if (read.ExecuteScalar() is not long generation) continue;
            Vectors.EnsureCurrent(collection.Id, generation, () => StoredVectors(connection, snapshot, collection.Id, model));
        }
    }

    private static IEnumerable<(long ChunkId, float[] Vector)> StoredVectors(SqliteConnection connection, SqliteTransaction snapshot,
        string collectionId, string model)
    {
        using var command = Sql(connection,
            "SELECT v.chunk_id, v.data FROM vectors v JOIN chunks c ON c.id = v.chunk_id WHERE c.collection_id = $c AND v.model = $m",
            snapshot, ("$c", collectionId), ("$m", model));
        using var reader = command.ExecuteReader();
        while (reader.Read())
            yield return (reader.GetInt64(0), MemoryMarshal.Cast<byte, float>((byte[])reader.GetValue(1)).ToArray());
    }

    /// <summary>A committed write's vector changes, applied while the writer lock is still held (so in commit order).</summary>
    private void ApplyVectors(string collectionId, long generation, IReadOnlyCollection<long> removed,
        IReadOnlyList<long> added, IReadOnlyList<float[]>? vectors, string? model)
    {
        if (VectorModel is null) return;
        Vectors.Apply(collectionId, generation, removed, added, model == VectorModel ? vectors : null);
    }

    public static LibraryIndex Open(string path)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        var index = new LibraryIndex(path);
        using var connection = index.Connect();
        Execute(connection, "PRAGMA journal_mode = WAL;");
        Schema.Migrate(connection);
        return index;
    }

    public static string DocumentIdFor(string collectionId, string path) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(collectionId + "\n" + path)))[..20];

    internal SqliteConnection Connect()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        Execute(connection, "PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 30000;");
        return connection;
    }

    private static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static SqliteCommand Sql(SqliteConnection connection, string sql, SqliteTransaction? transaction = null, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }

    // ---- collections -------------------------------------------------------------------------

    /// <summary>
    /// Brings the stored collections in line with the config: titles, reader groups and language
    /// follow it. A full-text table analysed otherwise (another language, an older analysis) is
    /// rebuilt from the stored chunks in the same transaction: no document is extracted or embedded again.
    /// </summary>
    public async Task<IReadOnlyList<StoredCollection>> SyncCollectionsAsync(IEnumerable<CollectionSpec> collections,
        CancellationToken cancellationToken)
    {
        await _writer.WaitAsync(cancellationToken);
        try
        {
            using var connection = Connect();
            using var transaction = connection.BeginTransaction();
            var existing = ReadCollections(connection, transaction).ToDictionary(c => c.Id);
            var analyses = ReadAnalyses(connection, transaction);
            var next = existing.Count == 0 ? 0 : existing.Values.Max(c => int.Parse(c.FtsTable.AsSpan(4))) + 1;
            var rebuilt = new List<string>();
            foreach (var spec in collections)
            {
                var table = existing.TryGetValue(spec.Id, out var known) ? known.FtsTable : FullTextTable.NameFor(next++);
                var analysis = TextAnalysis.Signature(spec.Language);
                using (var upsert = Sql(connection, """
                    INSERT INTO collections(id, title, groups, fts_table, language, analysis) VALUES ($id, $title, $groups, $table, $language, $analysis)
                    ON CONFLICT(id) DO UPDATE SET title = excluded.title, groups = excluded.groups, language = excluded.language
                    """, transaction, ("$id", spec.Id), ("$title", spec.Title), ("$groups", JsonSerializer.Serialize(spec.Groups)), ("$table", table),
                    ("$language", LanguageName(spec.Language)), ("$analysis", analysis)))
                    upsert.ExecuteNonQuery();
                if (known is not null && analyses.GetValueOrDefault(spec.Id) != analysis)
                {
                    RebuildFullText(connection, transaction, known with { Language = spec.Language }, analysis);
                    rebuilt.Add(spec.Id);
                }
                else Execute(connection, FullTextTable.CreateSql(table), transaction);
            }
            var generations = rebuilt.Select(id => (id, NextGeneration(connection, transaction, id))).ToList();
            transaction.Commit();
            foreach (var (id, generation) in generations) Frequencies.Forget(id, generation);
            return ReadCollections(connection, null);
        }
        finally
        {
            _writer.Release();
        }
    }

    public IReadOnlyList<StoredCollection> Collections()
    {
        using var connection = Connect();
        return ReadCollections(connection, null);
    }

    private static List<StoredCollection> ReadCollections(SqliteConnection connection, SqliteTransaction? transaction)
    {
        using var command = Sql(connection, "SELECT id, title, groups, fts_table, language FROM collections ORDER BY id", transaction);
        using var reader = command.ExecuteReader();
        var list = new List<StoredCollection>();
        while (reader.Read())
            list.Add(new StoredCollection(reader.GetString(0), reader.GetString(1),
                JsonSerializer.Deserialize<string[]>(reader.GetString(2)) ?? [], reader.GetString(3), ParseLanguage(reader.GetString(4))));
        return list;
    }

    private static Dictionary<string, string> ReadAnalyses(SqliteConnection connection, SqliteTransaction transaction)
    {
        using var command = Sql(connection, "SELECT id, analysis FROM collections", transaction);
        using var reader = command.ExecuteReader();
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        while (reader.Read()) found[reader.GetString(0)] = reader.GetString(1);
        return found;
    }

    /// <summary>Re-analyses every stored chunk of a collection into a new full-text table, document by document.</summary>
    private void RebuildFullText(SqliteConnection connection, SqliteTransaction transaction, StoredCollection collection, string analysis)
    {
        Execute(connection, FullTextTable.DropSql(collection.FtsTable) + FullTextTable.CreateSql(collection.FtsTable), transaction);
        var documents = new List<(string Id, string Title)>();
        using (var list = Sql(connection, "SELECT id, title FROM documents WHERE collection_id = $c AND chunk_count > 0", transaction, ("$c", collection.Id)))
        using (var reader = list.ExecuteReader())
            while (reader.Read()) documents.Add((reader.GetString(0), reader.GetString(1)));
        using var chunks = Sql(connection, "SELECT id, section, text FROM chunks WHERE document_id = $d ORDER BY ordinal", transaction);
        var document = chunks.Parameters.Add("$d", SqliteType.Text);
        using var setLanguage = Sql(connection, "UPDATE documents SET language = $l WHERE id = $d", transaction);
        var languageParameter = setLanguage.Parameters.Add("$l", SqliteType.Text);
        var documentParameter = setLanguage.Parameters.Add("$d", SqliteType.Text);
        foreach (var (id, title) in documents)
        {
            document.Value = id;
            var rows = new List<(long Id, string Section, string Text)>();
            using (var reader = chunks.ExecuteReader())
                while (reader.Read()) rows.Add((reader.GetInt64(0), reader.GetString(1), reader.GetString(2)));
            var language = IndexedText.LanguageOf(collection.Language, rows.Select(r => r.Text));
            var analysed = Text.Analyse(language, title, [.. rows.Select(r => (r.Section, r.Text))]);
            InsertFullText(connection, transaction, collection.FtsTable, [.. rows.Select(r => r.Id)], analysed);
            languageParameter.Value = IndexedText.StoredName(language);
            documentParameter.Value = id;
            setLanguage.ExecuteNonQuery();
        }
        using var mark = Sql(connection, "UPDATE collections SET analysis = $a WHERE id = $c", transaction, ("$a", analysis), ("$c", collection.Id));
        mark.ExecuteNonQuery();
    }

    private static void InsertFullText(SqliteConnection connection, SqliteTransaction transaction, string table,
        IReadOnlyList<long> ids, IReadOnlyList<AnalysedChunk> analysed)
    {
        using var insert = Sql(connection, $"INSERT INTO {table}(rowid, title, section, text) VALUES ($id, $title, $s, $text)", transaction);
        var id = insert.Parameters.Add("$id", SqliteType.Integer);
        var title = insert.Parameters.Add("$title", SqliteType.Text);
        var section = insert.Parameters.Add("$s", SqliteType.Text);
        var text = insert.Parameters.Add("$text", SqliteType.Text);
        for (var i = 0; i < ids.Count; i++)
        {
            id.Value = ids[i];
            title.Value = analysed[i].Title;
            section.Value = analysed[i].Section;
            text.Value = analysed[i].Text;
            insert.ExecuteNonQuery();
        }
    }

    private static string LanguageName(DocumentLanguage language) => language.ToString().ToLowerInvariant();

    private static DocumentLanguage ParseLanguage(string name) =>
        Enum.TryParse<DocumentLanguage>(name, ignoreCase: true, out var language) ? language : DocumentLanguage.Auto;

    // ---- documents ---------------------------------------------------------------------------

    public Dictionary<string, KnownFile> KnownFiles(string collectionId) => ReadKnownFiles(collectionId, path: null);

    /// <summary>One file's record: an upload looks up its own name, not the whole collection.</summary>
    public KnownFile? KnownFile(string collectionId, string path) => ReadKnownFiles(collectionId, path).GetValueOrDefault(path);

    private Dictionary<string, KnownFile> ReadKnownFiles(string collectionId, string? path)
    {
        using var connection = Connect();
        using var command = Sql(connection,
            "SELECT id, path, content_hash, status, error, origin, bytes, source_modified FROM documents WHERE collection_id = $c" + (path is null ? "" : " AND path = $p"),
            null, ("$c", collectionId), ("$p", path));
        using var reader = command.ExecuteReader();
        var files = new Dictionary<string, KnownFile>(StringComparer.Ordinal);
        while (reader.Read())
        {
            var file = new KnownFile(reader.GetString(0), reader.GetString(1), reader.GetString(2),
                ParseStatus(reader.GetString(3)), reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetString(5),
                reader.GetInt64(6), reader.IsDBNull(7) ? null : reader.GetInt64(7));
            files[file.Path] = file;
        }
        return files;
    }

    /// <summary>
    /// Writes a document's new version in one transaction: the old chunks, vectors and FTS rows go,
    /// the new ones arrive, or — if anything fails or the process dies — the old version stays.
    /// </summary>
    /// <returns>The removed chunks' row ids and the new chunks' row ids, in chunk order.</returns>
    public async Task<(long[] Removed, long[] Added)> ReplaceDocumentAsync(DocumentWrite document, StoredCollection collection,
        IReadOnlyList<Chunk> chunks, string? embeddingModel, IReadOnlyList<float[]>? vectors, CancellationToken cancellationToken)
    {
        // Analysis is CPU work of this document alone: done before the writer lock, beside other writes.
        var language = IndexedText.LanguageOf(collection.Language, chunks.Select(c => c.Text));
        var analysed = Text.Analyse(language, document.Title, chunks);
        await _writer.WaitAsync(cancellationToken);
        try
        {
            using var connection = Connect();
            using var transaction = connection.BeginTransaction();
            var removed = DeleteChunks(connection, transaction, collection.FtsTable, document.Id);
            var now = DateTimeOffset.UtcNow.ToString("O");
            using (var upsert = Sql(connection, """
                INSERT INTO documents(id, collection_id, path, origin, title, format, bytes, content_hash, status, error,
                                      chunk_count, embedding_model, uploaded_by, added_at, updated_at, language, source_modified)
                VALUES ($id, $c, $path, $origin, $title, $format, $bytes, $hash, 'ready', NULL, $n, $model, $by, $now, $now, $language, $modified)
                ON CONFLICT(id) DO UPDATE SET title = excluded.title, format = excluded.format, bytes = excluded.bytes,
                    content_hash = excluded.content_hash, status = 'ready', error = NULL, chunk_count = excluded.chunk_count,
                    embedding_model = excluded.embedding_model, uploaded_by = coalesce(excluded.uploaded_by, uploaded_by),
                    updated_at = excluded.updated_at, language = excluded.language, source_modified = excluded.source_modified
                """, transaction, ("$id", document.Id), ("$c", document.CollectionId), ("$path", document.Path),
                ("$origin", document.Origin), ("$title", document.Title), ("$format", document.Format), ("$bytes", document.Bytes),
                ("$hash", document.ContentHash), ("$n", chunks.Count), ("$model", vectors is null ? null : embeddingModel),
                ("$by", document.UploadedBy), ("$now", now), ("$language", IndexedText.StoredName(language)), ("$modified", document.Modified)))
                upsert.ExecuteNonQuery();

            var ids = new long[chunks.Count];
            using var insertChunk = Sql(connection, """
                INSERT INTO chunks(document_id, collection_id, ordinal, page, section, start_char, end_char, tokens, title, text, recognised)
                VALUES ($d, $c, $o, $p, $s, $start, $end, $t, $title, $text, $ocr) RETURNING id
                """, transaction);
            var pd = insertChunk.Parameters.Add("$d", SqliteType.Text);
            var pc = insertChunk.Parameters.Add("$c", SqliteType.Text);
            var po = insertChunk.Parameters.Add("$o", SqliteType.Integer);
            var pp = insertChunk.Parameters.Add("$p", SqliteType.Integer);
            var ps = insertChunk.Parameters.Add("$s", SqliteType.Text);
            var pstart = insertChunk.Parameters.Add("$start", SqliteType.Integer);
            var pend = insertChunk.Parameters.Add("$end", SqliteType.Integer);
            var pt = insertChunk.Parameters.Add("$t", SqliteType.Integer);
            var ptitle = insertChunk.Parameters.Add("$title", SqliteType.Text);
            var ptext = insertChunk.Parameters.Add("$text", SqliteType.Text);
            var pocr = insertChunk.Parameters.Add("$ocr", SqliteType.Integer);
            using var insertVector = Sql(connection, "INSERT INTO vectors(chunk_id, model, data) VALUES ($id, $m, $data)", transaction);
            var vid = insertVector.Parameters.Add("$id", SqliteType.Integer);
            insertVector.Parameters.AddWithValue("$m", embeddingModel ?? "");
            var vdata = insertVector.Parameters.Add("$data", SqliteType.Blob);

            for (var i = 0; i < chunks.Count; i++)
            {
                var chunk = chunks[i];
                pd.Value = document.Id; pc.Value = document.CollectionId; po.Value = chunk.Ordinal;
                pp.Value = chunk.Page is { } page ? page : DBNull.Value; ps.Value = chunk.SectionPath;
                pstart.Value = chunk.StartChar; pend.Value = chunk.EndChar; pt.Value = chunk.Tokens;
                ptitle.Value = document.Title; ptext.Value = chunk.Text; pocr.Value = chunk.Recognised ? 1 : 0;
                ids[i] = (long)insertChunk.ExecuteScalar()!;
                if (vectors is not null)
                {
                    vid.Value = ids[i];
                    vdata.Value = MemoryMarshal.AsBytes(vectors[i].AsSpan()).ToArray();
                    insertVector.ExecuteNonQuery();
                }
            }
            InsertFullText(connection, transaction, collection.FtsTable, ids, analysed);
            var generation = NextGeneration(connection, transaction, collection.Id);
            transaction.Commit();
            Frequencies.Forget(collection.Id, generation);
            ApplyVectors(collection.Id, generation, removed, ids, vectors, embeddingModel);
            return (removed, ids);
        }
        finally
        {
            _writer.Release();
        }
    }

    /// <summary>Remembers that a file could not be read (and why), so an unchanged bad file is not retried each run.</summary>
    /// <returns>The removed chunks' row ids (a file that turned bad loses its old version).</returns>
    public async Task<long[]> RecordFailureAsync(DocumentWrite document, StoredCollection collection, string error, CancellationToken cancellationToken)
    {
        await _writer.WaitAsync(cancellationToken);
        try
        {
            using var connection = Connect();
            using var transaction = connection.BeginTransaction();
            var removed = DeleteChunks(connection, transaction, collection.FtsTable, document.Id);
            var now = DateTimeOffset.UtcNow.ToString("O");
            using (var upsert = Sql(connection, """
                INSERT INTO documents(id, collection_id, path, origin, title, format, bytes, content_hash, status, error,
                                      chunk_count, uploaded_by, added_at, updated_at, source_modified)
                VALUES ($id, $c, $path, $origin, $title, $format, $bytes, $hash, 'failed', $error, 0, $by, $now, $now, $modified)
                ON CONFLICT(id) DO UPDATE SET bytes = excluded.bytes, content_hash = excluded.content_hash, status = 'failed',
                    error = excluded.error, chunk_count = 0, embedding_model = NULL, updated_at = excluded.updated_at,
                    source_modified = excluded.source_modified
                """, transaction, ("$id", document.Id), ("$c", document.CollectionId), ("$path", document.Path),
                ("$origin", document.Origin), ("$title", document.Title), ("$format", document.Format), ("$bytes", document.Bytes),
                ("$hash", document.ContentHash), ("$error", error), ("$by", document.UploadedBy), ("$now", now), ("$modified", document.Modified)))
                upsert.ExecuteNonQuery();
            var generation = NextGeneration(connection, transaction, collection.Id);
            transaction.Commit();
            Frequencies.Forget(collection.Id, generation);
            ApplyVectors(collection.Id, generation, removed, [], null, null);
            return removed;
        }
        finally
        {
            _writer.Release();
        }
    }

    private static long NextGeneration(SqliteConnection connection, SqliteTransaction transaction, string collectionId)
    {
        using var command = Sql(connection, "UPDATE collections SET generation = generation + 1 WHERE id = $c RETURNING generation",
            transaction, ("$c", collectionId));
        return (long)command.ExecuteScalar()!;
    }

    private long[] DeleteChunks(SqliteConnection connection, SqliteTransaction transaction, string ftsTable, string documentId)
    {
        var rows = new List<(long Id, string Title, string Section, string Text)>();
        using (var select = Sql(connection, "SELECT id, title, section, text FROM chunks WHERE document_id = $d ORDER BY ordinal",
                   transaction, ("$d", documentId)))
        using (var reader = select.ExecuteReader())
            while (reader.Read()) rows.Add((reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3)));
        if (rows.Count == 0) return [];
        // The same terms as were inserted, replayed with 'delete': the secure-delete option then
        // scrubs them from the index's pages.
        using var languageOf = Sql(connection, "SELECT language FROM documents WHERE id = $d", transaction, ("$d", documentId));
        var language = IndexedText.FromStoredName(languageOf.ExecuteScalar() as string) ?? TextLanguage.En;
        var analysed = Text.Analyse(language, rows[0].Title, [.. rows.Select(r => (r.Section, r.Text))]);
        using (var fts = Sql(connection, $"INSERT INTO {ftsTable}({ftsTable}, rowid, title, section, text) VALUES ('delete', $id, $title, $s, $text)", transaction))
        {
            var id = fts.Parameters.Add("$id", SqliteType.Integer);
            var title = fts.Parameters.Add("$title", SqliteType.Text);
            var section = fts.Parameters.Add("$s", SqliteType.Text);
            var text = fts.Parameters.Add("$text", SqliteType.Text);
            for (var i = 0; i < rows.Count; i++)
            {
                (id.Value, title.Value, section.Value, text.Value) = (rows[i].Id, analysed[i].Title, analysed[i].Section, analysed[i].Text);
                fts.ExecuteNonQuery();
            }
        }
        var ids = rows.Select(r => r.Id).ToList();
        using var chunks = Sql(connection, "DELETE FROM chunks WHERE document_id = $d", transaction, ("$d", documentId));
        chunks.ExecuteNonQuery();
        return [.. ids];
    }

    /// <summary>
    /// A file whose last write time moved while its content stayed (touched, copied over itself): the
    /// new time is remembered so the next sync does not read it again.
    /// </summary>
    public async Task RecordUnchangedAsync(string documentId, long bytes, long modified, CancellationToken cancellationToken)
    {
        await _writer.WaitAsync(cancellationToken);
        try
        {
            using var connection = Connect();
            using var update = Sql(connection, "UPDATE documents SET source_modified = $m, bytes = $b WHERE id = $d", null,
                ("$m", modified), ("$b", bytes), ("$d", documentId));
            update.ExecuteNonQuery();
        }
        finally
        {
            _writer.Release();
        }
    }

    /// <summary>Erases a document everywhere in one transaction and logs the erasure; null when no such document.</summary>
    /// <param name="exclude">keep a source folder's file out of later syncs while its content is unchanged</param>
    public async Task<(ErasureRecord Record, long[] ChunkIds, string Origin)?> EraseDocumentAsync(string documentId, string erasedBy, string reason,
        bool exclude, CancellationToken cancellationToken)
    {
        await _writer.WaitAsync(cancellationToken);
        try
        {
            using var connection = Connect();
            using var transaction = connection.BeginTransaction();
            using var find = Sql(connection, """
                SELECT d.collection_id, d.path, d.content_hash, c.fts_table, d.origin FROM documents d JOIN collections c ON c.id = d.collection_id
                WHERE d.id = $d
                """, transaction, ("$d", documentId));
            string collectionId, path, hash, fts, origin;
            using (var reader = find.ExecuteReader())
            {
                if (!reader.Read()) return null;
                (collectionId, path, hash, fts, origin) = (reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4));
            }
            var chunkIds = DeleteChunks(connection, transaction, fts, documentId);
            using (var delete = Sql(connection, "DELETE FROM documents WHERE id = $d", transaction, ("$d", documentId)))
                delete.ExecuteNonQuery();
            var at = DateTimeOffset.UtcNow;
            long id;
            using (var log = Sql(connection, """
                INSERT INTO erasures(document_id, collection_id, path, content_hash, chunks, erased_by, reason, erased_at)
                VALUES ($d, $c, $p, $h, $n, $by, $reason, $at) RETURNING id
                """, transaction, ("$d", documentId), ("$c", collectionId), ("$p", path), ("$h", hash), ("$n", chunkIds.Length),
                ("$by", erasedBy), ("$reason", reason), ("$at", at.ToString("O"))))
                id = (long)log.ExecuteScalar()!;
            if (exclude && origin == "source")
                using (var exclusion = Sql(connection, """
                    INSERT INTO exclusions(collection_id, path, content_hash, erasure_id) VALUES ($c, $p, $h, $e)
                    ON CONFLICT DO UPDATE SET content_hash = excluded.content_hash, erasure_id = excluded.erasure_id
                    """, transaction, ("$c", collectionId), ("$p", path), ("$h", hash), ("$e", id)))
                    exclusion.ExecuteNonQuery();
            var generation = NextGeneration(connection, transaction, collectionId);
            transaction.Commit();
            Frequencies.Forget(collectionId, generation);
            ApplyVectors(collectionId, generation, chunkIds, [], null, null);
            // Old page images would otherwise linger in the write-ahead log until the next checkpoint.
            Execute(connection, "PRAGMA wal_checkpoint(TRUNCATE);");
            return (new ErasureRecord(id, documentId, collectionId, path, hash, chunkIds.Length, erasedBy, reason, at), chunkIds, origin);
        }
        finally
        {
            _writer.Release();
        }
    }

    /// <summary>Files erased by a person, by path, with the content hash they had and who erased them.</summary>
    public Dictionary<string, (string ContentHash, string ErasedBy, DateTimeOffset At)> Exclusions(string collectionId)
    {
        using var connection = Connect();
        using var command = Sql(connection, """
            SELECT x.path, x.content_hash, e.erased_by, e.erased_at FROM exclusions x JOIN erasures e ON e.id = x.erasure_id
            WHERE x.collection_id = $c
            """, null, ("$c", collectionId));
        using var reader = command.ExecuteReader();
        var found = new Dictionary<string, (string, string, DateTimeOffset)>(StringComparer.Ordinal);
        while (reader.Read()) found[reader.GetString(0)] = (reader.GetString(1), reader.GetString(2), DateTimeOffset.Parse(reader.GetString(3)));
        return found;
    }

    public IReadOnlyList<ErasureRecord> Erasures(DateTimeOffset? since)
    {
        using var connection = Connect();
        using var command = Sql(connection, """
            SELECT id, document_id, collection_id, path, content_hash, chunks, erased_by, reason, erased_at FROM erasures
            WHERE $since IS NULL OR erased_at >= $since ORDER BY id
            """, null, ("$since", since?.ToUniversalTime().ToString("O")));
        using var reader = command.ExecuteReader();
        var list = new List<ErasureRecord>();
        while (reader.Read())
            list.Add(new ErasureRecord(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.GetString(4), reader.GetInt32(5), reader.GetString(6), reader.GetString(7), DateTimeOffset.Parse(reader.GetString(8))));
        return list;
    }

    public IReadOnlyList<DocumentInfo> Documents(IReadOnlyCollection<string> collectionIds, string? documentId = null)
    {
        if (collectionIds.Count == 0) return [];
        using var connection = Connect();
        using var command = Sql(connection, $"""
            SELECT id, collection_id, path, title, format, bytes, content_hash, status, error, chunk_count, uploaded_by, added_at, updated_at
            FROM documents WHERE collection_id IN ({InList(collectionIds.Count)}) AND ($id IS NULL OR id = $id)
            ORDER BY collection_id, path
            """, null, ("$id", documentId));
        AddInList(command, collectionIds);
        using var reader = command.ExecuteReader();
        var list = new List<DocumentInfo>();
        while (reader.Read())
            list.Add(new DocumentInfo(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.GetString(4), reader.GetInt64(5), reader.GetString(6), ParseStatus(reader.GetString(7)),
                reader.IsDBNull(8) ? null : reader.GetString(8), reader.GetInt32(9), reader.IsDBNull(10) ? null : reader.GetString(10),
                DateTimeOffset.Parse(reader.GetString(11)), DateTimeOffset.Parse(reader.GetString(12))));
        return list;
    }

    /// <summary>One document's chunks in text order, when it is in one of <paramref name="readable"/> collections; others are not read.</summary>
    public List<StoredChunk> DocumentChunks(string documentId, IReadOnlyCollection<string> readable)
    {
        if (readable.Count == 0) return [];
        using var connection = Connect();
        using var command = Sql(connection, $"""
            SELECT c.id, c.document_id, c.collection_id, d.path, c.title, c.page, c.section, c.start_char, c.end_char, c.text
            FROM chunks c JOIN documents d ON d.id = c.document_id
            WHERE c.document_id = $d AND c.collection_id IN ({InList(readable.Count, "$r")})
            ORDER BY c.start_char, c.end_char
            """, null, ("$d", documentId));
        AddInList(command, readable, "$r");
        using var reader = command.ExecuteReader();
        var found = new List<StoredChunk>();
        while (reader.Read())
            found.Add(new StoredChunk(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetInt32(5), reader.GetString(6), reader.GetInt32(7),
                reader.GetInt32(8), reader.GetString(9)));
        return found;
    }

    /// <summary>How many documents and chunks the whole index holds (for /metrics: a count, not a listing).</summary>
    public (long Documents, long Chunks) Totals()
    {
        using var connection = Connect();
        using var command = Sql(connection, "SELECT count(*), coalesce(sum(chunk_count), 0) FROM documents");
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>Per collection: documents searchable, documents that could not be read, chunks.</summary>
    public IReadOnlyDictionary<string, CollectionCounts> CountsByCollection()
    {
        using var connection = Connect();
        using var command = Sql(connection, """
            SELECT collection_id, sum(status = 'ready'), sum(status = 'failed'), coalesce(sum(chunk_count), 0)
            FROM documents GROUP BY collection_id
            """);
        using var reader = command.ExecuteReader();
        var counts = new Dictionary<string, CollectionCounts>(StringComparer.Ordinal);
        while (reader.Read())
            counts[reader.GetString(0)] = new CollectionCounts(reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
        return counts;
    }

    // ---- retrieval ---------------------------------------------------------------------------

    /// <summary>The chunks a collection holds (what its full-text table indexes, from the documents' counts) and its generation.</summary>
    public TableStatistics Statistics(SqliteConnection connection, SqliteTransaction? transaction, StoredCollection collection)
    {
        using var command = Sql(connection, """
            SELECT generation, (SELECT coalesce(sum(chunk_count), 0) FROM documents WHERE collection_id = $c) FROM collections WHERE id = $c
            """, transaction, ("$c", collection.Id));
        using var reader = command.ExecuteReader();
        return reader.Read()
            ? new TableStatistics(collection.Id, collection.FtsTable, reader.GetInt64(1), reader.GetInt64(0))
            : new TableStatistics(collection.Id, collection.FtsTable, 0, 0);
    }

    /// <summary>
    /// The terms <paramref name="question"/> searches <paramref name="collection"/> with, analysed like
    /// its documents; a German compound's parts count when the collection's table knows them.
    /// </summary>
    public IReadOnlyList<string> QueryTerms(SqliteConnection connection, SqliteTransaction? transaction, StoredCollection collection, string question)
    {
        var held = new List<TextLanguage>();
        if (collection.Language == DocumentLanguage.Auto)
        {
            using var languages = Sql(connection, "SELECT DISTINCT language FROM documents WHERE collection_id = $c AND language IS NOT NULL",
                transaction, ("$c", collection.Id));
            using var reader = languages.ExecuteReader();
            while (reader.Read())
                if (IndexedText.FromStoredName(reader.GetString(0)) is { } language) held.Add(language);
        }
        using var count = Sql(connection, $"SELECT EXISTS (SELECT 1 FROM {collection.FtsTable} WHERE {collection.FtsTable} MATCH $q)", transaction);
        var phrase = count.Parameters.Add("$q", SqliteType.Text);
        var known = new Dictionary<string, bool>(StringComparer.Ordinal);
        bool IsWord(string part)
        {
            if (known.TryGetValue(part, out var found)) return found;
            phrase.Value = $"\"{part.Replace("\"", "\"\"")}\"";
            return known[part] = Convert.ToInt64(count.ExecuteScalar()) != 0;
        }
        return Text.QueryTerms(string.Join(' ', Retrieval.FtsQuery.Terms(question)), LanguageGuess.Of(question, minimum: 1),
            collection.Language, held, IsWord);
    }

    /// <summary>The chunks with the given ids that belong to one of <paramref name="readable"/> collections; others are not read.</summary>
    public Dictionary<long, StoredChunk> Chunks(SqliteConnection connection, SqliteTransaction? transaction, IReadOnlyCollection<long> ids,
        IReadOnlyCollection<string> readable)
    {
        var found = new Dictionary<long, StoredChunk>();
        if (ids.Count == 0 || readable.Count == 0) return found;
        using var command = Sql(connection, $"""
            SELECT c.id, c.document_id, c.collection_id, d.path, c.title, c.page, c.section, c.start_char, c.end_char, c.text, c.recognised
            FROM chunks c JOIN documents d ON d.id = c.document_id
            WHERE c.id IN ({InList(ids.Count)}) AND c.collection_id IN ({InList(readable.Count, "$r")})
            """, transaction);
        AddInList(command, ids.Select(i => (object)i).ToList());
        AddInList(command, readable, "$r");
        using var reader = command.ExecuteReader();
        while (reader.Read())
            found[reader.GetInt64(0)] = new StoredChunk(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetInt32(5), reader.GetString(6), reader.GetInt32(7),
                reader.GetInt32(8), reader.GetString(9), reader.GetInt64(10) != 0);
        return found;
    }

    // ---- vectors -----------------------------------------------------------------------------

    /// <summary>Chunks that have no vector from <paramref name="model"/> (new, or embedded by an older model).</summary>
    public List<(long ChunkId, string CollectionId, string Title, string Section, string Text)> ChunksWithoutVectors(string model, int limit)
    {
        using var connection = Connect();
        using var command = Sql(connection, """
            SELECT c.id, c.collection_id, c.title, c.section, c.text FROM chunks c LEFT JOIN vectors v ON v.chunk_id = c.id AND v.model = $m
            WHERE v.chunk_id IS NULL ORDER BY c.id LIMIT $n
            """, null, ("$m", model), ("$n", limit));
        using var reader = command.ExecuteReader();
        var list = new List<(long, string, string, string, string)>();
        while (reader.Read()) list.Add((reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4)));
        return list;
    }

    /// <summary>The document a chunk belongs to; null when it is gone.</summary>
    public string? DocumentOfChunk(long chunkId)
    {
        using var connection = Connect();
        using var command = Sql(connection, "SELECT document_id FROM chunks WHERE id = $id", null, ("$id", chunkId));
        return command.ExecuteScalar() as string;
    }

    /// <summary>Stores vectors for existing chunks; each collection touched moves on a generation, so other processes reload them.</summary>
    public async Task SaveVectorsAsync(string model, IReadOnlyList<(long ChunkId, string CollectionId, float[] Vector)> vectors,
        CancellationToken cancellationToken)
    {
        await _writer.WaitAsync(cancellationToken);
        try
        {
            using var connection = Connect();
            using var transaction = connection.BeginTransaction();
            using var upsert = Sql(connection,
                "INSERT INTO vectors(chunk_id, model, data) VALUES ($id, $m, $data) ON CONFLICT(chunk_id) DO UPDATE SET model = excluded.model, data = excluded.data",
                transaction, ("$m", model));
            var id = upsert.Parameters.Add("$id", SqliteType.Integer);
            var data = upsert.Parameters.Add("$data", SqliteType.Blob);
            foreach (var (chunkId, _, vector) in vectors)
            {
                id.Value = chunkId;
                data.Value = MemoryMarshal.AsBytes(vector.AsSpan()).ToArray();
                upsert.ExecuteNonQuery();
            }
            var collections = vectors.GroupBy(v => v.CollectionId)
                .Select(g => (Id: g.Key, Generation: NextGeneration(connection, transaction, g.Key), Vectors: g.ToList())).ToList();
            transaction.Commit();
            foreach (var (collectionId, generation, saved) in collections)
            {
                Frequencies.Forget(collectionId, generation);
                ApplyVectors(collectionId, generation, [], [.. saved.Select(v => v.ChunkId)], [.. saved.Select(v => v.Vector)], model);
            }
        }
        finally
        {
            _writer.Release();
        }
    }

    // ---- integrity ---------------------------------------------------------------------------

    /// <summary>Every way the index could disagree with itself; empty when it is consistent.</summary>
    public IReadOnlyList<string> CheckIntegrity()
    {
        using var connection = Connect();
        var problems = new List<string>();
        void Expect(string sql, string problem)
        {
            using var command = Sql(connection, sql);
            var count = Convert.ToInt64(command.ExecuteScalar());
            if (count != 0) problems.Add($"{problem}: {count}");
        }
        Expect("SELECT count(*) FROM documents d WHERE d.chunk_count <> (SELECT count(*) FROM chunks c WHERE c.document_id = d.id)",
            "documents whose chunk count disagrees with their chunks");
        Expect("SELECT count(*) FROM documents WHERE status = 'ready' AND chunk_count = 0", "ready documents without chunks");
        Expect("SELECT count(*) FROM chunks c LEFT JOIN documents d ON d.id = c.document_id WHERE d.id IS NULL", "orphan chunks");
        Expect("SELECT count(*) FROM vectors v LEFT JOIN chunks c ON c.id = v.chunk_id WHERE c.id IS NULL", "orphan vectors");
        foreach (var collection in ReadCollections(connection, null))
        {
            using (var check = Sql(connection, $"INSERT INTO {collection.FtsTable}({collection.FtsTable}, rank) VALUES('integrity-check', 0)"))
            {
                try { check.ExecuteNonQuery(); }
                catch (SqliteException e) { problems.Add($"full-text index of {collection.Id}: {e.Message}"); }
            }
        }
        using (var quick = Sql(connection, "PRAGMA quick_check"))
        {
            var result = quick.ExecuteScalar() as string;
            if (result != "ok") problems.Add($"sqlite quick_check: {result}");
        }
        return problems;
    }

    private static DocumentStatus ParseStatus(string status) => status == "ready" ? DocumentStatus.Ready : DocumentStatus.Failed;

    private static string InList(int count, string prefix = "$in") => string.Join(", ", Enumerable.Range(0, count).Select(i => $"{prefix}{i}"));

    private static void AddInList<T>(SqliteCommand command, IEnumerable<T> values, string prefix = "$in")
    {
        var i = 0;
        foreach (var value in values) command.Parameters.AddWithValue($"{prefix}{i++}", value!);
    }

    public void Dispose()
    {
        // Pooled connections would keep the file open after the library is gone (and a deleted
        // data folder's file alive); the next Open starts clean.
        using (var connection = new SqliteConnection(_connectionString)) SqliteConnection.ClearPool(connection);
        _writer.Dispose();
    }
}
