using Appliance.Rag.Embedding;
using Appliance.Config;
using Appliance.Rag.Chunking;
using Appliance.Rag.Extraction;
using Appliance.Rag.Index;
using Appliance.Rag.Ingestion;
using Appliance.Rag.Retrieval;
using Appliance.Rag.Sources;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Appliance.Rag;

/// <summary>A collection as a caller sees it.</summary>
public sealed record CollectionInfo(string Id, string Title, IReadOnlyList<string> Groups, bool Uploads);

/// <summary>
/// The office's documents, as one SQLite index in the data folder: sync collections from their
/// folders, accept uploads, search on behalf of a caller (only what their groups may read), list
/// and erase documents. Thread-safe; open once per process.
/// Longer than the project's other types on purpose: it is Appliance.Rag's one public door, and
/// each member is a few lines handing over to the index's stores, ingestion or retrieval — the
/// group filter applied at this door is easier to review in one place than spread over several.
/// </summary>
public sealed class DocumentLibrary : IDisposable
{
    public const string DatabaseFileName = "library.db";

    private readonly ApplianceConfig _config;
    private readonly string _configDirectory;
    private readonly LibraryIndex _index;
    private readonly Embedder? _embedder;
    private readonly ExtractorCatalog _extractors;
    private readonly Chunker _chunker;
    private readonly HybridSearch _search;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _ingesting = new(1, 1);
    private volatile IReadOnlyList<StoredCollection> _collections;
    private readonly LibraryAccess _access;
    private readonly DataFolderLock? _writerLock;

    private DocumentLibrary(ApplianceConfig config, string configDirectory, LibraryIndex index,
        Embedder? embedder, ITokenCounter tokens, IReranker? reranker, IReadOnlyList<StoredCollection> collections,
        LibraryAccess access, DataFolderLock? writerLock, ExtractorCatalog? extractors, ILogger logger)
    {
        _access = access;
        _writerLock = writerLock;
        _config = config;
        _configDirectory = configDirectory;
        _index = index;
        _embedder = embedder;
        _extractors = extractors ?? ExtractorCatalog.Default(config.Rag);
        _chunker = new Chunker(tokens, config.Rag.ChunkTokens, config.Rag.ChunkOverlapTokens);
        _search = new HybridSearch(index, embedder, config.Rag.Hybrid, reranker);
        _collections = collections;
        _logger = logger;
    }

    /// <summary>The index file; erasure tests read its bytes.</summary>
    public string DatabasePath => _index.DatabasePath;

    /// <summary>The id vectors are stored under; null when the library runs lexical-only.</summary>
    public string? EmbeddingModelId => _embedder?.ModelId;

    /// <param name="embeddings">the embedding model; null = lexical search only (BM25), vectors added on a later run with a model</param>
    /// <param name="tokens">how to count tokens for sizing chunks; null = the embedding model's own count when its generator offers one (see <see cref="ModelTokenCounter"/>), else an estimate</param>
    /// <param name="access">
    /// <see cref="LibraryAccess.ReadWrite"/> holds the data folder's writer lock until disposed and
    /// refuses (<see cref="LibraryError.Busy"/>) while another process holds it;
    /// <see cref="LibraryAccess.ReadOnly"/> reads beside a writer and refuses every write
    /// </param>
    /// <param name="extractors">
    /// how files are read; null = every format in this process (<see cref="ExtractorCatalog.Default"/>).
    /// The agent and `appliance ingest` pass <see cref="ExtractorCatalog.Isolated"/>, so a hostile PDF fails alone.
    /// </param>
    public static async Task<DocumentLibrary> OpenAsync(ApplianceConfig config, string configDirectory,
        IEmbeddingGenerator<string, Embedding<float>>? embeddings, ILoggerFactory loggers, CancellationToken cancellationToken,
        ITokenCounter? tokens = null, IReranker? reranker = null, LibraryAccess access = LibraryAccess.ReadWrite,
        ExtractorCatalog? extractors = null) =>
        await OpenAsync(config, configDirectory, embeddings, loggers, tokens, reranker, access, honourWriterLock: true, cancellationToken, extractors);

    /// <summary>
    /// A second writer beside the one holding the lock, as a build from before the writer lock
    /// would be: only for tests proving that nothing leaks even then.
    /// </summary>
    internal static Task<DocumentLibrary> OpenIgnoringWriterLockAsync(ApplianceConfig config, string configDirectory,
        IEmbeddingGenerator<string, Embedding<float>>? embeddings, CancellationToken cancellationToken) =>
        OpenAsync(config, configDirectory, embeddings, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance, null, null,
            LibraryAccess.ReadWrite, honourWriterLock: false, cancellationToken, null);

    private static async Task<DocumentLibrary> OpenAsync(ApplianceConfig config, string configDirectory,
        IEmbeddingGenerator<string, Embedding<float>>? embeddings, ILoggerFactory loggers, ITokenCounter? tokens, IReranker? reranker,
        LibraryAccess access, bool honourWriterLock, CancellationToken cancellationToken, ExtractorCatalog? extractors)
    {
        var folder = ConfigPaths.DataFolder(config, configDirectory);
        DataFolderLock? writer;
        try
        {
            writer = honourWriterLock ? DataFolderLock.Acquire(folder, DataFolderLock.ThisProcess()) : null;
        }
        catch (DocumentLibraryException) when (access == LibraryAccess.ReadOnly)
        {
            // Someone else writes: they have brought the schema and the collections up to date.
            writer = null;
        }
        LibraryIndex index;
        IReadOnlyList<StoredCollection> collections;
        try
        {
            index = LibraryIndex.Open(Path.Combine(folder, DatabaseFileName));
            collections = writer is null && honourWriterLock
                ? index.Collections.All()
                : await index.Collections.SyncAsync(config.Rag.Collections.Select(c => new CollectionSpec(c.Id, c.Title, c.Groups, c.Language)), cancellationToken);
        }
        catch
        {
            writer?.Dispose();
            throw;
        }
        if (access == LibraryAccess.ReadOnly)
        {
            writer?.Dispose();
            writer = null;
        }
        Embedder? embedder = null;
        if (embeddings is not null)
        {
            var metadata = embeddings.GetService<EmbeddingGeneratorMetadata>();
            var spec = config.Models.Embedding;
            // The configured digest pins the weights: a new model under the same name still re-embeds.
            embedder = Embedder.For(embeddings, $"{metadata?.DefaultModelId ?? spec.Name}@{spec.Sha256.Hex[..12]}");
            if (embedder.MaxTokensPerText is { } window && config.Rag.ChunkTokens > window - Embedder.SpecialTokens - Embedder.HeadingAllowance)
            {
                index.Dispose();
                writer?.Dispose();
                throw new DocumentLibraryException(LibraryError.Invalid,
                    $"rag.chunk_tokens is {config.Rag.ChunkTokens}, but the embedding model '{spec.Name}' takes at most {window} tokens per text " +
                    $"(with its heading line); set rag.chunk_tokens to {window - Embedder.SpecialTokens - Embedder.HeadingAllowance} or less");
            }
            await Task.Run(() => index.Vectors.Load(embedder.ModelId), cancellationToken);
        }
        return new DocumentLibrary(config, configDirectory, index, embedder,
            tokens ?? ModelTokenCounter.From(embeddings) ?? (ITokenCounter)new EstimatedTokenCounter(),
            reranker, collections, access, writer, extractors, loggers.CreateLogger<DocumentLibrary>());
    }

    /// <summary>Collections whose reader groups include one of <paramref name="callerGroups"/>.</summary>
    public IReadOnlyList<CollectionInfo> Collections(IReadOnlyCollection<string> callerGroups) =>
        [.. Readable(callerGroups).Select(c => new CollectionInfo(c.Id, c.Title, c.Groups,
            _config.Rag.Collections.FirstOrDefault(x => x.Id == c.Id)?.Uploads ?? false))];

    /// <summary>
    /// Brings one collection (or all) up to date with its folders and uploads: new and changed files
    /// indexed, unchanged skipped by hash, vanished erased; then any chunk lacking a vector from the
    /// current embedding model gets one.
    /// </summary>
    public async Task<IngestReport> IngestAsync(string? collectionId, IProgress<IngestProgress>? progress, CancellationToken cancellationToken)
    {
        RequireWriter();
        var chosen = collectionId is null ? _config.Rag.Collections : [ConfiguredCollection(collectionId)];
        await _ingesting.WaitAsync(cancellationToken);
        try
        {
            var sources = chosen.Select(c => new CollectionSources(Stored(c.Id),
            [
                .. c.Sources.Select(s => new SourceRoot(ConfigPaths.CollectionSource(_configDirectory, s), Origin.Source, "")),
                new SourceRoot(UploadFolder(c.Id), Origin.Upload, UploadPrefix),
            ])).ToList();
            var report = await NewRun(yieldTo: Foreground).RunAsync(sources, progress, cancellationToken);
            _logger.LogInformation("ingest: {Added} added, {Updated} updated, {Unchanged} unchanged, {Erased} erased, {Skipped} skipped in {Seconds:0.0} s",
                report.Added, report.Updated, report.Unchanged, report.Erased, report.Skipped.Count, report.Duration.TotalSeconds);
            return report;
        }
        finally
        {
            _ingesting.Release();
        }
    }

    public async Task<IReadOnlyList<SearchHit>> SearchAsync(SearchRequest request, CancellationToken cancellationToken)
    {
        using var waiting = Foreground.Begin();
        var readable = Readable(request.CallerGroups);
        if (request.Collections is { } only) readable = [.. readable.Where(c => only.Contains(c.Id))];
        var k = Math.Clamp(request.K ?? _config.Rag.TopK, 1, 100);
        var hits = await _search.SearchAsync(request, readable, k, cancellationToken);
        // The last step before hits leave the library: each one is checked against the caller's
        // collections again, so a defect anywhere above cannot hand out another group's text.
        var allowed = readable.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        if (hits.All(h => allowed.Contains(h.Citation.CollectionId))) return hits;
        _logger.LogError("search returned chunks outside the caller's collections; they were withheld");
        return [.. hits.Where(h => allowed.Contains(h.Citation.CollectionId))];
    }

    /// <summary>
    /// Stores an uploaded file in the collection's uploads folder and indexes it at once. The caller
    /// (the agent) has checked that the user belongs to one of the collection's groups.
    /// </summary>
    public async Task<DocumentInfo> UploadAsync(string collectionId, string fileName, Stream content, string user, CancellationToken cancellationToken)
    {
        RequireWriter();
        var collection = ConfiguredCollection(collectionId);
        if (!collection.Uploads)
            throw new DocumentLibraryException(LibraryError.Forbidden, $"collection '{collectionId}' does not accept uploads");
        var name = SafeFileName(fileName);
        if (_extractors.For(name) is null)
            throw new DocumentLibraryException(LibraryError.Invalid,
                $"'{name}' is not a supported format (supported: {string.Join(", ", _extractors.Extensions.Order())})");

        return await StoreUploadAsync(collectionId, name, content, user, cancellationToken);
    }

    /// <summary>
    /// Puts a text the box wrote (a job's result) on a shelf: stored as a Markdown file in the data
    /// folder and indexed at once, cited and erased like an upload. The same name again replaces it.
    /// </summary>
    public async Task<DocumentInfo> PutOnShelfAsync(Shelf shelf, string fileName, string markdown, string user, CancellationToken cancellationToken)
    {
        RequireWriter();
        if (!Shelf.IsShelf(shelf.Id)) throw new DocumentLibraryException(LibraryError.Invalid, $"'{shelf.Id}' is a configured collection, not a shelf");
        var name = SafeFileName(fileName);
        if (!name.EndsWith(".md", StringComparison.OrdinalIgnoreCase)) name += ".md";
        await EnsureShelfAsync(shelf, cancellationToken);
        using var content = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(markdown));
        return await StoreUploadAsync(shelf.Id, name, content, user, cancellationToken);
    }

    /// <summary>The stored file of a document on a shelf (for its download), or null for any other document.</summary>
    public string? ShelfFile(DocumentInfo document)
    {
        if (!Shelf.IsShelf(document.CollectionId) || !document.Path.StartsWith(UploadPrefix, StringComparison.Ordinal)) return null;
        var file = Path.Combine(UploadFolder(document.CollectionId), SafeFileName(document.Path[UploadPrefix.Length..]));
        return File.Exists(file) ? file : null;
    }

    private async Task EnsureShelfAsync(Shelf shelf, CancellationToken cancellationToken)
    {
        if (_collections.FirstOrDefault(c => c.Id == shelf.Id) is { } known && known.Groups.SequenceEqual(shelf.Readers)) return;
        _collections = await _index.Collections.SyncAsync([new CollectionSpec(shelf.Id, shelf.Title, shelf.Readers)], cancellationToken);
    }

    /// <summary>Stores a file in a collection's uploads folder and indexes it, replacing the version before it only once it is indexed.</summary>
    private async Task<DocumentInfo> StoreUploadAsync(string collectionId, string name, Stream content, string user, CancellationToken cancellationToken)
    {
        var folder = UploadFolder(collectionId);
        Directory.CreateDirectory(folder);
        var target = Path.Combine(folder, name);
        // A dot-name keeps the file out of syncs while it is checked; the extension picks the extractor.
        var temporary = Path.Combine(folder, $".{Guid.NewGuid():N}.{name}");
        var limit = (long)_config.Rag.MaxUploadMb * 1024 * 1024;
        var path = UploadPrefix + name;
        var id = LibraryIndex.DocumentIdFor(collectionId, path);
        try
        {
            await CopyUpToAsync(content, temporary, limit,
                () => new DocumentLibraryException(LibraryError.TooLarge, $"upload larger than {_config.Rag.MaxUploadMb} MB (rag.max_upload_mb)"),
                cancellationToken);

            // Indexed from the temporary file: a refused upload changes nothing — the version before
            // it (file and index) stays, and no record claims anything was stored or erased.
            await _ingesting.WaitAsync(cancellationToken);
            try
            {
                var info = new FileInfo(temporary);
                var file = new SourceFile(collectionId, temporary, path, Origin.Upload, info.Length, info.LastWriteTimeUtc.Ticks);
                var item = new IngestionRun.WorkItem(file, Stored(collectionId), _index.Documents.Known(collectionId, path), null, RecordsFailure: false);
                var report = await NewRun().IngestFilesAsync([item], null, user, cancellationToken);
                if (report.Skipped.Count > 0)
                    throw new DocumentLibraryException(LibraryError.Invalid, $"'{name}' was not indexed: {report.Skipped[0].Reason}");
                if (report.Cancelled) throw new OperationCanceledException(cancellationToken);
                // Committed (or unchanged): the file takes its place whatever the token says now.
                File.Move(temporary, target, overwrite: true);
                cancellationToken.ThrowIfCancellationRequested();
            }
            finally
            {
                _ingesting.Release();
            }
        }
        finally
        {
            File.Delete(temporary);
        }
        return _index.Documents.List([collectionId], id).Single();
    }

    /// <summary>Documents and chunks in the whole index, whoever may read them: operational figures, no content.</summary>
    public (long Documents, long Chunks) Totals() => _index.Documents.Totals();

    /// <summary>Documents searchable and unreadable per collection (no content: for the admin's Indexing page and /metrics).</summary>
    public IReadOnlyDictionary<string, CollectionCounts> CountsByCollection() => _index.Documents.CountsByCollection();

    /// <summary>
    /// One document, when the caller may read its collection; otherwise null, with the collection that
    /// holds it in <paramref name="heldIn"/> (for recording that a group filter held the caller back,
    /// never for showing) — or null there too when there is no such document.
    /// </summary>
    public DocumentInfo? FindDocument(string documentId, IReadOnlyCollection<string> callerGroups, out string? heldIn)
    {
        heldIn = null;
        if (_index.Documents.ById(documentId) is not { } document) return null;
        if (Readable(callerGroups).Any(c => c.Id == document.CollectionId)) return document;
        heldIn = document.CollectionId;
        return null;
    }

    public Task<IReadOnlyList<DocumentInfo>> ListDocumentsAsync(IReadOnlyCollection<string> callerGroups, CancellationToken cancellationToken) =>
        Task.FromResult(_index.Documents.List([.. Readable(callerGroups).Select(c => c.Id)]));

    /// <summary>
    /// Reads a file that is not to be indexed (a conversation's attachment, kept by its owner's
    /// history): extracted, chunked and embedded exactly as the library does with its own documents,
    /// and handed back — nothing is written to the index or the data folder.
    /// </summary>
    /// <exception cref="DocumentLibraryException">unsupported format, larger than <paramref name="limitBytes"/>, or unreadable</exception>
    public async Task<PrivateDocument> ReadPrivateAsync(string fileName, Stream content, long limitBytes, CancellationToken cancellationToken)
    {
        var name = SafeFileName(fileName);
        if (_extractors.For(name) is not { } extractor)
            throw new DocumentLibraryException(LibraryError.Invalid,
                $"'{name}' is not a supported format (supported: {string.Join(", ", _extractors.Extensions.Order())})");
        var folder = Directory.CreateTempSubdirectory("appliance-private-");
        try
        {
            var temporary = Path.Combine(folder.FullName, name);
            await CopyUpToAsync(content, temporary, limitBytes,
                () => new DocumentLibraryException(LibraryError.TooLarge, $"file larger than {limitBytes / (1024 * 1024)} MB"), cancellationToken);
            ExtractedDocument document;
            try
            {
                document = await extractor.ExtractAsync(temporary, cancellationToken);
            }
            catch (ExtractionException e)
            {
                throw new DocumentLibraryException(LibraryError.Invalid, $"'{name}' cannot be read: {e.Message}");
            }
            var text = Chunker.DocumentText(document, out _);
            var chunks = _chunker.Split(document);
            var vectors = _embedder is null || chunks.Count == 0 ? null
                : await _embedder.EmbedAsync([.. chunks.Select(c => IngestionRun.EmbeddingText(document.Title, c.SectionPath, c.Text))], cancellationToken);
            return new PrivateDocument(document.Title, document.Format, text, [.. chunks.Select((c, i) =>
                new PrivatePassage(new DocumentPassage(c.Page, c.SectionPath, c.StartChar, c.EndChar), c.Text, vectors?[i]))]);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>A question's vector from the library's embedding model (normalised), or null when the library runs lexical-only.</summary>
    public async Task<float[]?> EmbedQueryAsync(string query, CancellationToken cancellationToken) =>
        _embedder is null ? null : await _embedder.EmbedQueryAsync(query, cancellationToken);

    /// <summary>The words of a question that search matches (question words and fillers left out), lower-case.</summary>
    public static IReadOnlyList<string> QueryWords(string query) => Retrieval.FtsQuery.Terms(query);

    /// <summary>
    /// A document's text as it was indexed, with each passage's place (page, section, character span):
    /// what a citation's offsets point into. Null when the document does not exist or the caller may not read it.
    /// </summary>
    public Task<DocumentText?> TextAsync(string documentId, IReadOnlyCollection<string> callerGroups, CancellationToken cancellationToken)
    {
        var readable = Readable(callerGroups).Select(c => c.Id).ToList();
        if (_index.Documents.List(readable, documentId).FirstOrDefault() is not { } document) return Task.FromResult<DocumentText?>(null);
        return Task.FromResult<DocumentText?>(DocumentText.FromChunks(document,
            _index.Chunks.OfDocument(documentId, readable).Select(c => (new DocumentPassage(c.Page, c.Section, c.StartChar, c.EndChar), c.Text))));
    }

    /// <summary>
    /// Erases a document: chunks, vectors and full-text rows in one transaction with secure_delete,
    /// plus an erasure record. An uploaded file is deleted too; a file in a source folder is kept out
    /// of later syncs until its content changes (the appliance never deletes files on office shares).
    /// </summary>
    /// <param name="reason">why, as the erasure log keeps it (an Art. 17 request, a document filed by mistake); null = "deleted by USER"</param>
    public async Task<ErasureRecord> DeleteDocumentAsync(string documentId, string user, CancellationToken cancellationToken, string? reason = null)
    {
        RequireWriter();
        var erased = await _index.Erasures.EraseAsync(documentId, user, string.IsNullOrWhiteSpace(reason) ? $"deleted by {user}" : reason.Trim(),
                         exclude: true, cancellationToken)
            ?? throw new DocumentLibraryException(LibraryError.NotFound, $"no document with id '{documentId}'");
        if (erased.Origin == Origin.Upload)
        {
            var name = erased.Record.Path[UploadPrefix.Length..];
            File.Delete(Path.Combine(UploadFolder(erased.Record.CollectionId), name));
        }
        _logger.LogInformation("erased document {Id} ({Chunks} chunks) for {User}", documentId, erased.Record.Chunks, user);
        return erased.Record;
    }

    public Task<IReadOnlyList<ErasureRecord>> ErasuresAsync(DateTimeOffset? since, CancellationToken cancellationToken) =>
        Task.FromResult(_index.Erasures.Since(since));

    /// <summary>Whether word counts kept in memory for ranking mention <paramref name="word"/> (erasure tests ask).</summary>
    internal bool RemembersWord(string word) => _index.Frequencies.Mentions(word);

    /// <summary>Every inconsistency in the index (empty when sound): what a check after a crash looks at.</summary>
    public IReadOnlyList<string> CheckIntegrity() => _index.Integrity.Check();

    private const string UploadPrefix = "uploads/";

    /// <summary>A shelf's files live apart, under a name made of its id's hash (a person's name is no folder name).</summary>
    private string UploadFolder(string collectionId) => Shelf.IsShelf(collectionId)
        ? Path.Combine(ConfigPaths.DataFolder(_config, _configDirectory), "shelves",
            Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(collectionId)))[..24])
        : Path.Combine(ConfigPaths.DataFolder(_config, _configDirectory), "uploads", collectionId);

    /// <summary>Writes what a person sends into <paramref name="file"/>, refusing with <paramref name="tooLarge"/> past <paramref name="limitBytes"/>.</summary>
    private static async Task CopyUpToAsync(Stream content, string file, long limitBytes, Func<Exception> tooLarge, CancellationToken cancellationToken)
    {
        await using var output = File.Create(file);
        var buffer = new byte[81920];
        long total = 0;
        int read;
        while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0)
        {
            total += read;
            if (total > limitBytes) throw tooLarge();
            await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }
    }

    /// <param name="yieldTo">for syncs (background work): wait for people being served; an upload is someone waiting itself</param>
    private IngestionRun NewRun(ForegroundWork? yieldTo = null) => new(_index, _extractors, _chunker, _embedder,
        (long)_config.Rag.MaxFileMb * 1024 * 1024, Math.Max(1, Environment.ProcessorCount), _logger, yieldTo);

    /// <summary>Searches and answers in flight; syncs yield to them (the agent's answer pipeline marks its answers too).</summary>
    public ForegroundWork Foreground { get; } = new();

    /// <summary>Configured collections by the config's groups; shelves by the readers stored with them.</summary>
    private IReadOnlyList<StoredCollection> Readable(IReadOnlyCollection<string> callerGroups) =>
        [.. _collections.Where(c => Shelf.IsShelf(c.Id)
            ? c.Groups.Any(callerGroups.Contains)
            : _config.Rag.Collections.Any(x => x.Id == c.Id && x.Groups.Any(callerGroups.Contains)))];

    private Collection ConfiguredCollection(string id) =>
        _config.Rag.Collections.FirstOrDefault(c => c.Id == id)
        ?? throw new DocumentLibraryException(LibraryError.NotFound,
            $"no collection '{id}' (configured: {string.Join(", ", _config.Rag.Collections.Select(c => c.Id))})");

    private StoredCollection Stored(string id) => _collections.First(c => c.Id == id);

    private static string SafeFileName(string fileName)
    {
        var name = Path.GetFileName(fileName.Replace('\\', '/')).Trim();
        if (name.Length == 0 || name.StartsWith('.') || name.Length > 200 || name.Any(char.IsControl))
            throw new DocumentLibraryException(LibraryError.Invalid, $"'{fileName}' is not an acceptable file name");
        return name;
    }

    private void RequireWriter()
    {
        if (_access != LibraryAccess.ReadWrite)
            throw new DocumentLibraryException(LibraryError.Busy,
                "this library was opened to read beside the data folder's writer; ask the writer (the agent) to make changes");
    }

    public void Dispose()
    {
        _index.Dispose();
        _ingesting.Dispose();
        _writerLock?.Dispose();
    }
}
