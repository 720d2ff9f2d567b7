using Microsoft.Data.Sqlite;

namespace Appliance.Rag.Index;

/// <summary>
/// The index's tables, as numbered migrations applied in order (PRAGMA user_version records the
/// last one). Full-text tables are per collection (see <see cref="FtsTable"/>), so BM25's term
/// statistics are computed only from text a caller is allowed to read.
/// </summary>
internal static class Schema
{
    private static readonly string[] Migrations =
    [
        """
        CREATE TABLE collections(
            id TEXT PRIMARY KEY,
            title TEXT NOT NULL,
            groups TEXT NOT NULL,              -- JSON array of group ids allowed to read
            fts_table TEXT NOT NULL UNIQUE);
        CREATE TABLE documents(
            id TEXT PRIMARY KEY,
            collection_id TEXT NOT NULL REFERENCES collections(id),
            path TEXT NOT NULL,                -- relative to the collection's root; uploads under uploads/
            origin TEXT NOT NULL CHECK (origin IN ('source', 'upload')),
            title TEXT NOT NULL,
            format TEXT NOT NULL,
            bytes INTEGER NOT NULL,
            content_hash TEXT NOT NULL,        -- SHA-256 of the file
            status TEXT NOT NULL CHECK (status IN ('ready', 'failed')),
            error TEXT,
            chunk_count INTEGER NOT NULL,
            embedding_model TEXT,
            uploaded_by TEXT,
            added_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            UNIQUE (collection_id, path));
        CREATE TABLE chunks(
            id INTEGER PRIMARY KEY,
            document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            collection_id TEXT NOT NULL,
            ordinal INTEGER NOT NULL,
            page INTEGER,
            section TEXT NOT NULL,
            start_char INTEGER NOT NULL,
            end_char INTEGER NOT NULL,
            tokens INTEGER NOT NULL,
            title TEXT NOT NULL,
            text TEXT NOT NULL);
        CREATE INDEX chunks_by_document ON chunks(document_id);
        CREATE TABLE vectors(
            chunk_id INTEGER PRIMARY KEY REFERENCES chunks(id) ON DELETE CASCADE,
            model TEXT NOT NULL,
            data BLOB NOT NULL);               -- float32 little-endian, L2-normalised
        CREATE TABLE erasures(
            id INTEGER PRIMARY KEY,
            document_id TEXT NOT NULL,
            collection_id TEXT NOT NULL,
            path TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            chunks INTEGER NOT NULL,
            erased_by TEXT NOT NULL,
            reason TEXT NOT NULL,
            erased_at TEXT NOT NULL);
        -- A source file someone erased stays out of the index until it changes (its hash differs):
        -- the appliance does not delete files from office shares, but must not re-add them either.
        CREATE TABLE exclusions(
            collection_id TEXT NOT NULL,
            path TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            erasure_id INTEGER NOT NULL REFERENCES erasures(id),
            PRIMARY KEY (collection_id, path));
        """,
        """
        -- Moved on by every transaction that changes a collection's chunks, so word statistics kept
        -- in memory can tell they are stale, also when another process wrote.
        ALTER TABLE collections ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;
        """,
        """
        -- Chunk ids are never handed out twice (AUTOINCREMENT): an id remembered anywhere — a vector
        -- cached by another process, a citation — can only ever mean the chunk it was given to.
        CREATE TABLE chunks_new(
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            collection_id TEXT NOT NULL,
            ordinal INTEGER NOT NULL,
            page INTEGER,
            section TEXT NOT NULL,
            start_char INTEGER NOT NULL,
            end_char INTEGER NOT NULL,
            tokens INTEGER NOT NULL,
            title TEXT NOT NULL,
            text TEXT NOT NULL);
        INSERT INTO chunks_new(id, document_id, collection_id, ordinal, page, section, start_char, end_char, tokens, title, text)
            SELECT id, document_id, collection_id, ordinal, page, section, start_char, end_char, tokens, title, text FROM chunks;
        DROP TABLE chunks;
        ALTER TABLE chunks_new RENAME TO chunks;
        CREATE INDEX chunks_by_document ON chunks(document_id);
        """,
        """
        -- Full-text tables hold analysed terms of the collection's language (stems, folded umlauts,
        -- German compound parts); a table analysed otherwise is rebuilt from the chunks at open.
        ALTER TABLE collections ADD COLUMN language TEXT NOT NULL DEFAULT 'auto';
        ALTER TABLE collections ADD COLUMN analysis TEXT NOT NULL DEFAULT 'porter';
        -- The language a document was analysed in (en, de, fr, it).
        ALTER TABLE documents ADD COLUMN language TEXT;
        """,
        """
        -- The source file's last write time (UTC ticks) when it was read: with its size, a sync tells
        -- an unchanged file without reading it (a share of 50,000 files is listed, not hashed, each time).
        ALTER TABLE documents ADD COLUMN source_modified INTEGER;
        """,
        """
        -- 1 when the chunk's text was read from a scan by OCR: citations say "recognised text".
        ALTER TABLE chunks ADD COLUMN recognised INTEGER NOT NULL DEFAULT 0;
        """,
    ];

    public static int Version => Migrations.Length;

    public static void Migrate(SqliteConnection connection)
    {
        using var read = connection.CreateCommand();
        read.CommandText = "PRAGMA user_version";
        var current = Convert.ToInt32(read.ExecuteScalar());
        if (current > Migrations.Length)
            throw new InvalidOperationException(
                $"the index was written by a newer appliance (schema {current}, this build knows {Migrations.Length}); upgrade the appliance");
        // A migration may rebuild a table others reference: foreign keys are checked after, not
        // acted on during (dropping the old chunks table must not cascade into vectors).
        using (var off = connection.CreateCommand())
        {
            off.CommandText = "PRAGMA foreign_keys = OFF";
            off.ExecuteNonQuery();
        }
        for (var version = current; version < Migrations.Length; version++)
        {
            using var transaction = connection.BeginTransaction();
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = Migrations[version] + $"\nPRAGMA user_version = {version + 1};";
            command.ExecuteNonQuery();
            using (var check = connection.CreateCommand())
            {
                check.Transaction = transaction;
                check.CommandText = "PRAGMA foreign_key_check";
                using var reader = check.ExecuteReader();
                if (reader.Read())
                    throw new InvalidOperationException($"schema migration {version + 1} left a broken reference in table {reader.GetString(0)}");
            }
            transaction.Commit();
        }
        using (var on = connection.CreateCommand())
        {
            on.CommandText = "PRAGMA foreign_keys = ON";
            on.ExecuteNonQuery();
        }
    }
}
