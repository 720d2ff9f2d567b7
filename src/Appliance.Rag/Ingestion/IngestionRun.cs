using Appliance.Rag.Embedding;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using Appliance.Rag.Chunking;
using Appliance.Rag.Extraction;
using Appliance.Rag.Index;
using Appliance.Rag.Sources;
using Microsoft.Extensions.Logging;

namespace Appliance.Rag.Ingestion;

/// <summary>A folder that feeds a collection: its configured sources, or its uploads folder.</summary>
internal sealed record SourceRoot(string Folder, Origin Origin, string PathPrefix);

/// <summary>A collection to sync and the folders that feed it.</summary>
internal sealed record CollectionSources(StoredCollection Collection, IReadOnlyList<SourceRoot> Roots);

/// <summary>
/// One sync of collections against their folders, as a pipeline per file:
/// hash → (unchanged? stop) → extract → chunk → embed → save. Files run in parallel, each holding
/// only its own text, so memory stays bounded by the degree of parallelism. Each save is one
/// transaction, so a crash leaves every document either in its old or its new version, and the
/// next run picks up exactly where this one stopped (unchanged hashes are skipped).
/// </summary>
internal sealed class IngestionRun(
    LibraryIndex index,
    ExtractorCatalog extractors,
    Chunker chunker,
    Embedder? embedder,
    long maxFileBytes,
    int parallelism,
    ILogger logger,
    ForegroundWork? yieldTo = null)
{
    private readonly ConcurrentBag<SkippedFile> _skipped = [];
    private int _added, _updated, _unchanged, _erased, _unsupported, _chunks, _embedded, _filesDone;
    private long _bytes, _bytesDone;

    public async Task<IngestReport> RunAsync(IReadOnlyList<CollectionSources> collections, IProgress<IngestProgress>? progress,
        CancellationToken cancellationToken, string? uploadedBy = null)
    {
        var clock = Stopwatch.StartNew();
        progress?.Report(new IngestProgress(IngestPhase.Scanning, 0, 0, 0, 0, null));
        var work = new List<WorkItem>();
        var vanished = new List<KnownFile>();
        foreach (var sources in collections)
        {
            var collection = sources.Collection;
            var known = index.Documents.Known(collection.Id);
            var exclusions = index.Erasures.Exclusions(collection.Id);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var completeOrigins = new HashSet<Origin> { Origin.Source, Origin.Upload };
            foreach (var root in sources.Roots)
            {
                var listing = SourceWalker.Walk(collection.Id, root.Folder, root.Origin, root.PathPrefix);
                if (!listing.Complete && (root.Origin == Origin.Source || Directory.Exists(root.Folder))) completeOrigins.Remove(root.Origin);
                foreach (var problem in listing.Problems)
                    if (Directory.Exists(root.Folder) || root.Origin == Origin.Source)
                        _skipped.Add(new SkippedFile(problem.CollectionId, problem.Path, problem.Reason));
                foreach (var file in listing.Files)
                {
                    if (extractors.For(file.FullPath) is null) { _unsupported++; continue; }
                    seen.Add(file.Path);
                    if (file.Bytes > maxFileBytes)
                    {
                        _skipped.Add(new SkippedFile(collection.Id, file.Path,
                            $"too large: {file.Bytes / (1024.0 * 1024):0.#} MB (limit {maxFileBytes / (1024 * 1024)} MB, rag.max_file_mb)"));
                        continue;
                    }
                    work.Add(new WorkItem(file, collection, known.GetValueOrDefault(file.Path),
                        exclusions.TryGetValue(file.Path, out var excluded) ? excluded : null));
                }
            }
            // A folder that could not be listed completely must not make its documents look deleted.
            vanished.AddRange(known.Values.Where(k => !seen.Contains(k.Path) && completeOrigins.Contains(k.Origin)));
        }

        var files = await IngestFilesAsync(work, progress, uploadedBy, cancellationToken);
        if (files.Cancelled) return files with { Duration = clock.Elapsed };

        foreach (var gone in vanished)
        {
            if (await index.Erasures.EraseAsync(gone.DocumentId, "sync", "the file is no longer in the source folder", exclude: false, cancellationToken) is not null)
            {
                _erased++;
                logger.LogInformation("erased {Path}: no longer in the source folder", gone.Path);
            }
        }

        if (embedder is not null) await EmbedMissingAsync(embedder, work, progress, cancellationToken);
        progress?.Report(new IngestProgress(IngestPhase.Done, _filesDone, _filesDone, _bytesDone, _bytesDone, null));
        return new IngestReport(_added, _updated, _unchanged, _erased,
            [.. _skipped.OrderBy(s => s.CollectionId).ThenBy(s => s.Path, StringComparer.Ordinal)],
            _unsupported, _bytes, _chunks, _embedded, embedder?.ModelId, clock.Elapsed, Cancelled: false);
    }

    /// <summary>A file to bring up to date, what the index knows of it, and whether someone erased it.</summary>
    /// <param name="RecordsFailure">
    /// whether a file that cannot be read is remembered as failed (replacing its old version); an
    /// upload is not: it is refused and leaves no trace, and the version before it stays.
    /// </param>
    internal sealed record WorkItem(SourceFile File, StoredCollection Collection, KnownFile? Known,
        Exclusion? Excluded, bool RecordsFailure = true);

    /// <summary>Runs the per-file pipeline over the given files, in parallel.</summary>
    public async Task<IngestReport> IngestFilesAsync(IReadOnlyList<WorkItem> work, IProgress<IngestProgress>? progress,
        string? uploadedBy, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var total = work.Count;
        var totalBytes = work.Sum(w => w.File.Bytes);
        var cancelled = false;
        try
        {
            await Parallel.ForEachAsync(work, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken },
                async (item, ct) =>
                {
                    await IngestFileAsync(item, uploadedBy, ct);
                    var done = Interlocked.Increment(ref _filesDone);
                    var bytes = Interlocked.Add(ref _bytesDone, item.File.Bytes);
                    progress?.Report(new IngestProgress(IngestPhase.Indexing, done, total, bytes, totalBytes, item.File.Path));
                });
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Every document committed so far stays; the next run skips them by hash.
            cancelled = true;
        }
        return new IngestReport(_added, _updated, _unchanged, _erased,
            [.. _skipped.OrderBy(s => s.CollectionId).ThenBy(s => s.Path, StringComparer.Ordinal)],
            _unsupported, _bytes, _chunks, _embedded, embedder?.ModelId, clock.Elapsed, cancelled);
    }

    private async Task IngestFileAsync(WorkItem item, string? uploadedBy, CancellationToken cancellationToken)
    {
        var (file, collection, known, excluded) = (item.File, item.Collection, item.Known, item.Excluded);
        if (excluded is null && known is not null && known.Modified == file.Modified && known.Bytes == file.Bytes)
        {
            // Same size and last write time as when it was read: unchanged, without reading the file again.
            CountUnchanged(known, collection);
            return;
        }
        string hash;
        try
        {
            hash = await HashAsync(file.FullPath, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _skipped.Add(new SkippedFile(collection.Id, file.Path, $"cannot read file: {e.Message}"));
            return;
        }
        if (excluded is { } erasure && erasure.ContentHash == hash)
        {
            _skipped.Add(new SkippedFile(collection.Id, file.Path,
                $"erased by {erasure.ErasedBy} on {erasure.At:yyyy-MM-dd}; stays out until the file changes"));
            return;
        }
        if (known is not null && known.ContentHash == hash)
        {
            if (known.Modified != file.Modified && item.RecordsFailure)
                await index.Documents.RecordUnchangedAsync(known.DocumentId, file.Bytes, file.Modified, CancellationToken.None);
            CountUnchanged(known, collection);
            return;
        }

        var write = new DocumentWrite(LibraryIndex.DocumentIdFor(collection.Id, file.Path), collection.Id, file.Path,
            file.Origin, Path.GetFileName(file.Path),
            Path.GetExtension(file.Path).TrimStart('.').ToLowerInvariant(), file.Bytes, hash, file.Origin == Origin.Upload ? uploadedBy : null)
        { Modified = file.Modified };
        ExtractedDocument document;
        if (yieldTo is not null) await yieldTo.YieldAsync(cancellationToken);
        try
        {
            document = await extractors.For(file.FullPath)!.ExtractAsync(file.FullPath, collection.Language, cancellationToken);
            if (document.Blocks.Count == 0) throw new ExtractionException("no text found in the file");
            if (document.Characters is var characters && characters > ExtractedDocument.MaxCharacters)
                throw TextFile.TooMuchText(characters / 1_000_000.0, "million characters");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var reason = e switch
            {
                ExtractionException => e.Message,
                IOException or UnauthorizedAccessException => $"cannot read file: {e.Message}",
                _ => $"could not read the file ({e.GetType().Name}: {e.Message})",
            };
            _skipped.Add(new SkippedFile(collection.Id, file.Path, reason));
            logger.LogWarning("skipped {Collection}/{Path}: {Reason}", collection.Id, file.Path, reason);
            if (item.RecordsFailure) await index.Documents.RecordFailureAsync(write, collection, reason, CancellationToken.None);
            return;
        }

        if (document.Incomplete is { } missing)
            logger.LogWarning("indexed {Collection}/{Path} without part of it: {Missing}", collection.Id, file.Path, missing);
        var chunks = Cut(document);
        float[][]? embedded = null;
        if (embedder is not null)
        {
            if (yieldTo is not null) await yieldTo.YieldAsync(cancellationToken);
            try
            {
                embedded = await embedder.EmbedAsync([.. chunks.Select(c => EmbeddingText(document.Title, c.SectionPath, c.Text))], cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Not the file's fault: keep whatever version is indexed and try again next run.
                _skipped.Add(new SkippedFile(collection.Id, file.Path, $"embedding failed: {e.Message}"));
                return;
            }
        }
        // From here the document is committed or not at all; cancelling mid-write would only waste the work.
        await index.Documents.ReplaceAsync(write with { Title = document.Title, Format = document.Format },
            collection, chunks, embedder?.ModelId, embedded, CancellationToken.None);
        if (embedded is not null) Interlocked.Add(ref _embedded, embedded.Length);
        Interlocked.Add(ref _chunks, chunks.Count);
        Interlocked.Add(ref _bytes, file.Bytes);
        Interlocked.Increment(ref known is null ? ref _added : ref _updated);
    }

    /// <summary>A file whose indexed version is current: counted as unchanged, or listed again with why it could not be read.</summary>
    private void CountUnchanged(KnownFile known, StoredCollection collection)
    {
        if (known.Status == DocumentStatus.Ready) Interlocked.Increment(ref _unchanged);
        else _skipped.Add(new SkippedFile(collection.Id, known.Path, known.Error ?? "could not be read"));
    }

    /// <summary>
    /// The document's chunks, each short enough for the embedding model with its heading line: when a
    /// long title or section pushes one over the window, the whole document is cut again smaller —
    /// chunks are never truncated, so every word stays searchable by its vector too.
    /// </summary>
    private IReadOnlyList<Chunk> Cut(ExtractedDocument document)
    {
        var cutter = chunker;
        while (true)
        {
            var chunks = cutter.Split(document);
            var excess = embedder is null || chunks.Count == 0 ? 0 : chunks.Max(c => embedder.Excess(EmbeddingText(document.Title, c.SectionPath, c.Text)));
            if (excess <= 0 || cutter.ChunkTokens <= MinimumChunkTokens) return chunks;
            cutter = cutter.WithChunkTokens(Math.Max(MinimumChunkTokens, cutter.ChunkTokens - excess));
        }
    }

    /// <summary>Below this a chunk is a fragment; a heading that leaves less room is the document's problem, reported by the model.</summary>
    private const int MinimumChunkTokens = 16;

    /// <summary>
    /// Chunks indexed without vectors (lexical-only runs) or by an older model get vectors now. Chunks
    /// cut by the token estimate of a lexical-only run can be longer than the model's window: their
    /// documents are cut again in the model's tokens (see <see cref="Cut"/>), never embedded truncated.
    /// </summary>
    private async Task EmbedMissingAsync(Embedder embedder, IReadOnlyList<WorkItem> work, IProgress<IngestProgress>? progress, CancellationToken cancellationToken)
    {
        var files = work.ToDictionary(w => LibraryIndex.DocumentIdFor(w.Collection.Id, w.File.Path));
        var recut = new HashSet<string>(StringComparer.Ordinal);
        var unfit = new HashSet<long>();
        while (true)
        {
            var missing = index.Vectors.ChunksWithout(embedder.ModelId, 256 + unfit.Count).Where(m => !unfit.Contains(m.ChunkId)).ToList();
            if (missing.Count == 0) return;
            progress?.Report(new IngestProgress(IngestPhase.Embedding, _filesDone, _filesDone, _bytesDone, _bytesDone, $"{missing.Count} chunks"));
            var fitting = missing.Where(m => embedder.Excess(EmbeddingText(m.Title, m.Section, m.Text)) <= 0).ToList();
            var cutAgain = false;
            foreach (var over in missing.Except(fitting))
            {
                var documentId = index.Chunks.DocumentOf(over.ChunkId);
                if (documentId is not null && recut.Add(documentId) && files.TryGetValue(documentId, out var item) && item.Known is { } known)
                {
                    // Indexed again from its file, as if it had changed: the new chunks fit and get their vectors.
                    await IngestFileAsync(item with { Known = known with { ContentHash = "", Modified = null } }, null, cancellationToken);
                    cutAgain = true;
                    continue;
                }
                if (unfit.Add(over.ChunkId))
                    logger.LogWarning("chunk {Chunk} of {Document} is longer than the embedding model's window and could not be cut again from its file",
                        over.ChunkId, documentId);
            }
            // A document cut again replaced its chunks, some of which this batch still names: read the batch afresh.
            if (cutAgain || fitting.Count == 0) continue;
            if (yieldTo is not null) await yieldTo.YieldAsync(cancellationToken);
            var embedded = await embedder.EmbedAsync([.. fitting.Select(m => EmbeddingText(m.Title, m.Section, m.Text))], cancellationToken);
            await index.Vectors.SaveAsync(embedder.ModelId, [.. fitting.Select((m, i) => (m.ChunkId, m.CollectionId, embedded[i]))], cancellationToken);
            _embedded += fitting.Count;
        }
    }

    /// <summary>What the embedding model sees: the title gives a chunk its context.</summary>
    internal static string EmbeddingText(string title, string section, string text) =>
        section.Length > 0 ? $"{title} — {section}\n{text}" : $"{title}\n{text}";


    private static async Task<string> HashAsync(string path, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));
    }
}
