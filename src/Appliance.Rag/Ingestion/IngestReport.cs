namespace Appliance.Rag.Ingestion;

/// <summary>A file that was not indexed, and why.</summary>
public sealed record SkippedFile(string CollectionId, string Path, string Reason);

/// <summary>What one ingestion run did; a cancelled run reports what it committed before it stopped.</summary>
public sealed record IngestReport(
    int Added,
    int Updated,
    int Unchanged,
    int Erased,
    IReadOnlyList<SkippedFile> Skipped,
    int Unsupported,
    long Bytes,
    int Chunks,
    int Embedded,
    string? EmbeddingModel,
    TimeSpan Duration,
    bool Cancelled)
{
    public int Files => Added + Updated + Unchanged + Skipped.Count;
}

public enum IngestPhase { Scanning, Indexing, Embedding, Done }

/// <summary>Progress of a run, for a progress bar: files and bytes handled so far out of the total.</summary>
public sealed record IngestProgress(IngestPhase Phase, int FilesDone, int FilesTotal, long BytesDone, long BytesTotal, string? Current);
