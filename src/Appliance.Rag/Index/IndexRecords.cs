using Appliance.Config;
using Appliance.Rag.Sources;

namespace Appliance.Rag.Index;

/// <summary>A collection as stored: who may read it, which full-text table holds its chunks, and their language.</summary>
internal sealed record StoredCollection(string Id, string Title, IReadOnlyList<string> Groups, FtsTable FtsTable,
    DocumentLanguage Language = DocumentLanguage.Auto);

/// <summary>A collection as the config declares it, for <see cref="CollectionStore.SyncAsync"/>.</summary>
internal sealed record CollectionSpec(string Id, string Title, IReadOnlyList<string> Groups, DocumentLanguage Language = DocumentLanguage.Auto);

/// <summary>What a sync needs to know about a file it has seen before.</summary>
/// <param name="Bytes">the file's size when it was read</param>
/// <param name="Modified">the file's last write time (UTC ticks) when it was read; null for documents indexed before it was recorded</param>
internal sealed record KnownFile(string DocumentId, string Path, string ContentHash, DocumentStatus Status, string? Error, Origin Origin,
    long Bytes, long? Modified);

/// <summary>A document about to be written, with everything needed to replace the old version at once.</summary>
internal sealed record DocumentWrite(
    string Id, string CollectionId, string Path, Origin Origin, string Title, string Format, long Bytes,
    string ContentHash, string? UploadedBy)
{
    /// <summary>The file's last write time (UTC ticks) when it was read, for the next sync's quick check.</summary>
    public long? Modified { get; init; }
}

/// <summary>What ranking needs to know about a collection's full-text table, read in the query's snapshot.</summary>
internal sealed record TableStatistics(string CollectionId, FtsTable FtsTable, long Rows, long Generation);

/// <summary>A chunk read back for a hit.</summary>
internal sealed record StoredChunk(long Id, string DocumentId, string CollectionId, string Path, string Title,
    int? Page, string Section, int StartChar, int EndChar, string Text, bool Recognised = false);

/// <summary>A chunk that still needs a vector from the current embedding model.</summary>
internal sealed record ChunkToEmbed(long ChunkId, string CollectionId, string Title, string Section, string Text);

/// <summary>A file a person erased from a source folder: kept out of syncs while its content is unchanged.</summary>
internal sealed record Exclusion(string ContentHash, string ErasedBy, DateTimeOffset At);

/// <summary>
/// What a committed write changed in one collection, for what is kept in memory: word counts are
/// forgotten and the vectors follow, in commit order.
/// </summary>
/// <param name="Vectors">the added chunks' vectors, when they come from <paramref name="Model"/>; null = none added</param>
internal sealed record CollectionChange(string CollectionId, long Generation, IReadOnlyCollection<long> Removed,
    IReadOnlyList<long> Added, IReadOnlyList<float[]>? Vectors = null, string? Model = null)
{
    public static CollectionChange Rewritten(string collectionId, long generation) => new(collectionId, generation, [], []);
}
