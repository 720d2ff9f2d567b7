using System.Data;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Appliance.Rag.Chunking;
using Microsoft.Data.Sqlite;

namespace Appliance.Rag.Index;

/// <summary>A collection as stored: who may read it and which full-text table holds its chunks.</summary>
internal sealed record StoredCollection(string Id, string Title, IReadOnlyList<string> Groups, string FtsTable);

/// <summary>What a sync needs to know about a file it has seen before.</summary>
internal sealed record KnownFile(string DocumentId, string Path, string ContentHash, DocumentStatus Status, string? Error, string Origin);

/// <summary>A document about to be written, with everything needed to replace the old version at once.</summary>
internal sealed record DocumentWrite(
    string Id, string CollectionId, string Path, string Origin, string Title, string Format, long Bytes,
    string ContentHash, string? UploadedBy);

/// <summary>What ranking needs to know about a collection's full-text table, read in the query's snapshot.</summary>
internal sealed record TableStatistics(string CollectionId, string FtsTable, long Rows, long Generation);

/// <summary>A chunk read back for a hit.</summary>
internal sealed record StoredChunk(long Id, string DocumentId, string CollectionId, string Path, string Title,
    int? Page, string Section, int StartChar, int EndChar, string Text);

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

    /// <summary>Brings the stored collections in line with the config: titles and reader groups follow it.</summary>
    public async Task<IReadOnlyList<StoredCollection>> SyncCollectionsAsync(
        IEnumerable<(string Id, string Title, IReadOnlyList<string> Groups)> collections, CancellationToken cancellationToken)
    {
        await _writer.WaitAsync(cancellationToken);
        try
        {
            using var connection = Connect();
            using var transaction = connection.BeginTransaction();
            var existing = ReadCollections(connection, transaction).ToDictionary(c => c.Id);
            var next = existing.Count == 0 ? 0 : existing.Values.Max(c => int.Parse(c.FtsTable.AsSpan(4))) + 1;
            foreach (var (id, title, groups) in collections)
            {
                var table = existing.TryGetValue(id, out var known) ? known.FtsTable : FullTextTable.NameFor(next++);
                using (var upsert = Sql(connection, """
                    INSERT INTO collections(id, title, groups, fts_table) VALUES ($id, $title, $groups, $table)
                    ON CONFLICT(id) DO UPDATE SET title = excluded.title, groups = excluded.groups
                    """, transaction, ("$id", id), ("$title", title), ("$groups", JsonSerializer.Serialize(groups)), ("$table", table)))
                    upsert.ExecuteNonQuery();
                Execute(connection, FullTextTable.CreateSql(table), transaction);
            }
            transaction.Commit();
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
        using var command = Sql(connection, "SELECT id, title, groups, fts_table FROM collections ORDER BY id", transaction);
        using var reader = command.ExecuteReader();
        var list = new List<StoredCollection>();
        while (reader.Read())
            list.Add(new StoredCollection(reader.GetString(0), reader.GetString(1),
                JsonSerializer.Deserialize<string[]>(reader.GetString(2)) ?? [], reader.GetString(3)));
        return list;
    }

    // ---- documents ---------------------------------------------------------------------------

    public Dictionary<string, KnownFile> KnownFiles(string collectionId) => ReadKnownFiles(collectionId, path: null);

    /// <summary>One file's record: an upload looks up its own name, not the whole collection.</summary>
    public KnownFile? KnownFile(string collectionId, string path) => ReadKnownFiles(collectionId, path).GetValueOrDefault(path);

    private Dictionary<string, KnownFile> ReadKnownFiles(string collectionId, string? path)
    {
        using var connection = Connect();
        using var command = Sql(connection,
            "SELECT id, path, content_hash, status, error, origin FROM documents WHERE collection_id = $c" + (path is null ? "" : " AND path = $p"),
            null, ("$c", collectionId), ("$p", path));
        using var reader = command.ExecuteReader();
        var files = new Dictionary<string, KnownFile>(StringComparer.Ordinal);
        while (reader.Read())
        {
            var file = new KnownFile(reader.GetString(0), reader.GetString(1), reader.GetString(2),
                ParseStatus(reader.GetString(3)), reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetString(5));
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
        await _writer.WaitAsync(cancellationToken);
        try
        {
            using var connection = Connect();
            using var transaction = connection.BeginTransaction();
            var removed = DeleteChunks(connection, transaction, collection.FtsTable, document.Id);
            var now = DateTimeOffset.UtcNow.ToString("O");
            using (var upsert = Sql(connection, """
                INSERT INTO documents(id, collection_id, path, origin, title, format, bytes, content_hash, status, error,
                                      chunk_count, embedding_model, uploaded_by, added_at, updated_at)
                VALUES ($id, $c, $path, $origin, $title, $format, $bytes, $hash, 'ready', NULL, $n, $model, $by, $now, $now)
                ON CONFLICT(id) DO UPDATE SET title = excluded.title, format = excluded.format, bytes = excluded.bytes,
                    content_hash = excluded.content_hash, status = 'ready', error = NULL, chunk_count = excluded.chunk_count,
                    embedding_model = excluded.embedding_model, uploaded_by = coalesce(excluded.uploaded_by, uploaded_by),
                    updated_at = excluded.updated_at
                """, transaction, ("$id", document.Id), ("$c", document.CollectionId), ("$path", document.Path),
                ("$origin", document.Origin), ("$title", document.Title), ("$format", document.Format), ("$bytes", document.Bytes),
                ("$hash", document.ContentHash), ("$n", chunks.Count), ("$model", vectors is null ? null : embeddingModel),
                ("$by", document.UploadedBy), ("$now", now)))
                upsert.ExecuteNonQuery();

            var ids = new long[chunks.Count];
            using var insertChunk = Sql(connection, """
                INSERT INTO chunks(document_id, collection_id, ordinal, page, section, start_char, end_char, tokens, title, text)
                VALUES ($d, $c, $o, $p, $s, $start, $end, $t, $title, $text) RETURNING id
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
            using var insertFts = Sql(connection,
                $"INSERT INTO {collection.FtsTable}(rowid, title, section, text) VALUES ($id, $title, $s, $text)", transaction);
            var fid = insertFts.Parameters.Add("$id", SqliteType.Integer);
            var ftitle = insertFts.Parameters.Add("$title", SqliteType.Text);
            var fs = insertFts.Parameters.Add("$s", SqliteType.Text);
            var ftext = insertFts.Parameters.Add("$text", SqliteType.Text);
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
                ptitle.Value = document.Title; ptext.Value = chunk.Text;
                ids[i] = (long)insertChunk.ExecuteScalar()!;
                fid.Value = ids[i]; ftitle.Value = document.Title; fs.Value = chunk.SectionPath; ftext.Value = chunk.Text;
                insertFts.ExecuteNonQuery();
                if (vectors is not null)
                {
                    vid.Value = ids[i];
                    vdata.Value = MemoryMarshal.AsBytes(vectors[i].AsSpan()).ToArray();
                    insertVector.ExecuteNonQuery();
                }
            }
            var generation = NextGeneration(connection, transaction, collection.Id);
            transaction.Commit();
            Frequencies.Forget(collection.Id, generation);
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
                                      chunk_count, uploaded_by, added_at, updated_at)
                VALUES ($id, $c, $path, $origin, $title, $format, $bytes, $hash, 'failed', $error, 0, $by, $now, $now)
                ON CONFLICT(id) DO UPDATE SET bytes = excluded.bytes, content_hash = excluded.content_hash, status = 'failed',
                    error = excluded.error, chunk_count = 0, embedding_model = NULL, updated_at = excluded.updated_at
                """, transaction, ("$id", document.Id), ("$c", document.CollectionId), ("$path", document.Path),
                ("$origin", document.Origin), ("$title", document.Title), ("$format", document.Format), ("$bytes", document.Bytes),
                ("$hash", document.ContentHash), ("$error", error), ("$by", document.UploadedBy), ("$now", now)))
                upsert.ExecuteNonQuery();
            var generation = NextGeneration(connection, transaction, collection.Id);
            transaction.Commit();
            Frequencies.Forget(collection.Id, generation);
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

    private static long[] DeleteChunks(SqliteConnection connection, SqliteTransaction transaction, string ftsTable, string documentId)
    {
        var ids = new List<long>();
        using (var select = Sql(connection, "SELECT id FROM chunks WHERE document_id = $d", transaction, ("$d", documentId)))
        using (var reader = select.ExecuteReader())
            while (reader.Read()) ids.Add(reader.GetInt64(0));
        if (ids.Count == 0) return [];
        // External-content FTS5 rows are removed by replaying their values with the 'delete' command;
        // the table's secure-delete option then scrubs the terms from the index itself.
        using (var fts = Sql(connection,
            $"INSERT INTO {ftsTable}({ftsTable}, rowid, title, section, text) SELECT 'delete', id, title, section, text FROM chunks WHERE document_id = $d",
            transaction, ("$d", documentId)))
            fts.ExecuteNonQuery();
        using var chunks = Sql(connection, "DELETE FROM chunks WHERE document_id = $d", transaction, ("$d", documentId));
        chunks.ExecuteNonQuery();
        return [.. ids];
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

    /// <summary>How many documents and chunks the whole index holds (for /metrics: a count, not a listing).</summary>
    public (long Documents, long Chunks) Totals()
    {
        using var connection = Connect();
        using var command = Sql(connection, "SELECT count(*), coalesce(sum(chunk_count), 0) FROM documents");
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetInt64(0), reader.GetInt64(1));
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

    public Dictionary<long, StoredChunk> Chunks(SqliteConnection connection, SqliteTransaction? transaction, IReadOnlyCollection<long> ids)
    {
        var found = new Dictionary<long, StoredChunk>();
        if (ids.Count == 0) return found;
        using var command = Sql(connection, $"""
            SELECT c.id, c.document_id, c.collection_id, d.path, c.title, c.page, c.section, c.start_char, c.end_char, c.text
            FROM chunks c JOIN documents d ON d.id = c.document_id WHERE c.id IN ({InList(ids.Count)})
            """, transaction);
        AddInList(command, ids.Select(i => (object)i).ToList());
        using var reader = command.ExecuteReader();
        while (reader.Read())
            found[reader.GetInt64(0)] = new StoredChunk(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetInt32(5), reader.GetString(6), reader.GetInt32(7),
                reader.GetInt32(8), reader.GetString(9));
        return found;
    }

    // ---- vectors -----------------------------------------------------------------------------

    public IEnumerable<(long ChunkId, string CollectionId, float[] Vector)> Vectors(string model)
    {
        using var connection = Connect();
        using var command = Sql(connection,
            "SELECT v.chunk_id, c.collection_id, v.data FROM vectors v JOIN chunks c ON c.id = v.chunk_id WHERE v.model = $m",
            null, ("$m", model));
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var bytes = (byte[])reader.GetValue(2);
            yield return (reader.GetInt64(0), reader.GetString(1), MemoryMarshal.Cast<byte, float>(bytes).ToArray());
        }
    }

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

    public async Task SaveVectorsAsync(string model, IReadOnlyList<(long ChunkId, float[] Vector)> vectors, CancellationToken cancellationToken)
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
            foreach (var (chunkId, vector) in vectors)
            {
                id.Value = chunkId;
                data.Value = MemoryMarshal.AsBytes(vector.AsSpan()).ToArray();
                upsert.ExecuteNonQuery();
            }
            transaction.Commit();
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

    private static string InList(int count) => string.Join(", ", Enumerable.Range(0, count).Select(i => $"$in{i}"));

    private static void AddInList<T>(SqliteCommand command, IEnumerable<T> values)
    {
        var i = 0;
        foreach (var value in values) command.Parameters.AddWithValue($"$in{i++}", value!);
    }

    public void Dispose()
    {
        // Pooled connections would keep the file open after the library is gone (and a deleted
        // data folder's file alive); the next Open starts clean.
        using (var connection = new SqliteConnection(_connectionString)) SqliteConnection.ClearPool(connection);
        _writer.Dispose();
    }
}
