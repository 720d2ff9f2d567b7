using Appliance.Rag.Sources;
using static Appliance.Rag.Index.IndexSql;

namespace Appliance.Rag.Index;

/// <summary>Erasures: a document removed everywhere, the erasure log, and the source files kept out of syncs since.</summary>
internal sealed class ErasureStore(LibraryIndex index)
{
    /// <summary>Erases a document everywhere in one transaction and logs the erasure; null when no such document.</summary>
    /// <param name="exclude">keep a source folder's file out of later syncs while its content is unchanged</param>
    public Task<(ErasureRecord Record, long[] ChunkIds, Origin Origin)?> EraseAsync(string documentId, string erasedBy, string reason,
        bool exclude, CancellationToken cancellationToken) =>
        index.WriteAsync<(ErasureRecord, long[], Origin)?>((connection, transaction) =>
        {
            var found = Rows(connection, """
                SELECT d.collection_id, d.path, d.content_hash, c.fts_table, d.origin FROM documents d JOIN collections c ON c.id = d.collection_id
                WHERE d.id = $d
                """, transaction, r => (Collection: r.GetString(0), Path: r.GetString(1), Hash: r.GetString(2),
                    Table: FtsTable.FromStored(r.GetString(3)), Origin: DocumentStore.ParseOrigin(r.GetString(4))), ("$d", documentId));
            if (found.Count == 0) return (null, []);
            var (collectionId, path, hash, table, origin) = found[0];
            var chunkIds = index.Chunks.DeleteOfDocument(connection, transaction, table, documentId);
            Execute(connection, "DELETE FROM documents WHERE id = $d", transaction, ("$d", documentId));
            var at = index.Clock.GetUtcNow();
            var id = (long)Scalar(connection, """
                INSERT INTO erasures(document_id, collection_id, path, content_hash, chunks, erased_by, reason, erased_at)
                VALUES ($d, $c, $p, $h, $n, $by, $reason, $at) RETURNING id
                """, transaction, ("$d", documentId), ("$c", collectionId), ("$p", path), ("$h", hash), ("$n", chunkIds.Length),
                ("$by", erasedBy), ("$reason", reason), ("$at", at.ToString("O")))!;
            if (exclude && origin == Origin.Source)
                Execute(connection, """
                    INSERT INTO exclusions(collection_id, path, content_hash, erasure_id) VALUES ($c, $p, $h, $e)
                    ON CONFLICT DO UPDATE SET content_hash = excluded.content_hash, erasure_id = excluded.erasure_id
                    """, transaction, ("$c", collectionId), ("$p", path), ("$h", hash), ("$e", id));
            var generation = CollectionStore.NextGeneration(connection, transaction, collectionId);
            return ((new ErasureRecord(id, documentId, collectionId, path, hash, chunkIds.Length, erasedBy, reason, at), chunkIds, origin),
                [new CollectionChange(collectionId, generation, chunkIds, [])]);
        }, cancellationToken, checkpoint: erased => erased is not null);

    /// <summary>Files erased by a person, by path, with the content hash they had and who erased them.</summary>
    public Dictionary<string, Exclusion> Exclusions(string collectionId)
    {
        using var connection = index.Connect();
        return Rows(connection, """
                SELECT x.path, x.content_hash, e.erased_by, e.erased_at FROM exclusions x JOIN erasures e ON e.id = x.erasure_id
                WHERE x.collection_id = $c
                """, null, r => (Path: r.GetString(0), Exclusion: new Exclusion(r.GetString(1), r.GetString(2), r.Time(3))), ("$c", collectionId))
            .ToDictionary(x => x.Path, x => x.Exclusion, StringComparer.Ordinal);
    }

    /// <summary>The erasure log, oldest first; from <paramref name="since"/> on when given.</summary>
    public IReadOnlyList<ErasureRecord> Since(DateTimeOffset? since)
    {
        using var connection = index.Connect();
        return Rows(connection, """
            SELECT id, document_id, collection_id, path, content_hash, chunks, erased_by, reason, erased_at FROM erasures
            WHERE $since IS NULL OR erased_at >= $since ORDER BY id
            """, null, r => new ErasureRecord(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4),
                r.GetInt32(5), r.GetString(6), r.GetString(7), r.Time(8)),
            ("$since", since?.ToUniversalTime().ToString("O")));
    }
}
