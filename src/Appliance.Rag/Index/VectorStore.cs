using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;
using static Appliance.Rag.Index.IndexSql;

namespace Appliance.Rag.Index;

/// <summary>
/// The chunks' vectors: stored per embedding model, and those of <see cref="Model"/> kept in memory
/// (<see cref="InMemory"/>). The index's own writes update memory in commit order while the writer
/// lock is held; <see cref="Refresh"/> catches up with writes of other processes.
/// </summary>
internal sealed class VectorStore(LibraryIndex index)
{
    public VectorIndex InMemory { get; } = new();

    /// <summary>The embedding model whose vectors are kept in memory; null = none (lexical only).</summary>
    public string? Model { get; private set; }

    /// <summary>Keeps <paramref name="model"/>'s vectors in memory from now on, loading what is stored.</summary>
    public void Load(string model)
    {
        Model = model;
        using var connection = index.Connect();
        using var snapshot = connection.BeginTransaction(deferred: true);
        Refresh(connection, snapshot, CollectionStore.Read(connection, snapshot));
    }

    /// <summary>
    /// Reloads the vectors of every given collection whose stored generation differs from the one in
    /// memory (another process wrote since), in the caller's snapshot.
    /// </summary>
    public void Refresh(SqliteConnection connection, SqliteTransaction snapshot, IEnumerable<StoredCollection> collections)
    {
        if (Model is not { } model) return;
        foreach (var collection in collections)
        {
            if (Scalar(connection, "SELECT generation FROM collections WHERE id = $c", snapshot, ("$c", collection.Id)) is not long generation) continue;
            InMemory.EnsureCurrent(collection.Id, generation, () => Stored(connection, snapshot, collection.Id, model));
        }
    }

    /// <summary>Chunks that have no vector from <paramref name="model"/> (new, or embedded by an older model).</summary>
    public List<ChunkToEmbed> ChunksWithout(string model, int limit)
    {
        using var connection = index.Connect();
        return Rows(connection, """
            SELECT c.id, c.collection_id, c.title, c.section, c.text FROM chunks c LEFT JOIN vectors v ON v.chunk_id = c.id AND v.model = $m
            WHERE v.chunk_id IS NULL ORDER BY c.id LIMIT $n
            """, null, r => new ChunkToEmbed(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4)),
            ("$m", model), ("$n", limit));
    }

    /// <summary>Stores vectors for existing chunks; each collection touched moves on a generation, so other processes reload them.</summary>
    public Task SaveAsync(string model, IReadOnlyList<(long ChunkId, string CollectionId, float[] Vector)> vectors, CancellationToken cancellationToken) =>
        index.WriteAsync((connection, transaction) =>
        {
            using var upsert = Command(connection,
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
            IReadOnlyList<CollectionChange> changes = [.. vectors.GroupBy(v => v.CollectionId).Select(saved =>
                new CollectionChange(saved.Key, CollectionStore.NextGeneration(connection, transaction, saved.Key), [],
                    [.. saved.Select(v => v.ChunkId)], [.. saved.Select(v => v.Vector)], model))];
            return (true, changes);
        }, cancellationToken);

    /// <summary>A committed write's changes to one collection, applied to memory (see <see cref="LibraryIndex.WriteAsync{T}"/>).</summary>
    internal void Apply(CollectionChange change)
    {
        if (Model is null) return;
        InMemory.Apply(change.CollectionId, change.Generation, change.Removed, change.Added, change.Model == Model ? change.Vectors : null);
    }

    private static IEnumerable<(long ChunkId, float[] Vector)> Stored(SqliteConnection connection, SqliteTransaction snapshot, string collectionId, string model)
    {
        using var command = Command(connection,
            "SELECT v.chunk_id, v.data FROM vectors v JOIN chunks c ON c.id = v.chunk_id WHERE c.collection_id = $c AND v.model = $m",
            snapshot, ("$c", collectionId), ("$m", model));
        using var reader = command.ExecuteReader();
        while (reader.Read())
            yield return (reader.GetInt64(0), MemoryMarshal.Cast<byte, float>((byte[])reader.GetValue(1)).ToArray());
    }
}
