using Appliance.Rag.Chunking;
using Appliance.Inference;
using Appliance.TestModels;
using Microsoft.Extensions.Logging.Abstractions;

namespace Appliance.Rag.Tests;

/// <summary>Ingesting the sample office and finding things in it, with the real tiny embedding model.</summary>
[Collection(SampleOfficeCollection.Name)]
public sealed class LibraryTests(SampleOfficeFixture office, EmbeddingModelFixture model)
{
    private static readonly string[] Everyone = ["everyone"];

    [Fact]
    public async Task Ingest_indexes_every_sample_document_with_vectors_and_search_cites_page_and_section()
    {
        using var box = new TestBox(office.Handbook, office.Hr);
        using var library = await box.OpenAsync(model.Generator);
        var report = await library.IngestAsync(null, null, CancellationToken.None);
        Assert.Equal(office.Files.Count, report.Added);
        Assert.Empty(report.Skipped);
        Assert.Equal(report.Chunks, report.Embedded);
        Assert.Equal("tiny-embed@bbbbbbbbbbbb", report.EmbeddingModel);

        // Relevance is checked on the BM25 path: the tiny model's random weights make its vectors meaningless.
        var passwords = await library.SearchAsync(new SearchRequest("how long must passwords be", Everyone, 3) { Ranking = Ranking.Lexical }, CancellationToken.None);
        var top = passwords[0];
        Assert.Equal("it-security.pdf", top.Path);
        Assert.Equal("IT security guideline", top.Title);
        Assert.Equal(4, top.Page);
        Assert.Contains("at least 14 characters", top.Text);

        var hotel = await library.SearchAsync(new SearchRequest("hotel cost limit per night", Everyone, 3) { Ranking = Ranking.Lexical }, CancellationToken.None);
        Assert.Equal("expenses.html", hotel[0].Path);
        Assert.StartsWith("Travel and expenses › Travel", hotel[0].Section);
        Assert.Contains("120 EUR per night", hotel[0].Text);

        var mileage = await library.SearchAsync(new SearchRequest("mileage rate car km", Everyone, 3) { Ranking = Ranking.Lexical }, CancellationToken.None);
        Assert.Equal(("expense-rates.xlsx", 2, "Mileage"), (mileage[0].Path, mileage[0].Page, mileage[0].Section));

        Assert.Empty(library.CheckIntegrity());
    }

    [Fact]
    public async Task Second_sync_skips_unchanged_files_replaces_changed_ones_and_erases_vanished_ones()
    {
        var folder = CopyOf(office.Handbook);
        using var box = new TestBox(folder, office.Hr);
        using var library = await box.OpenAsync(model.Generator);
        var first = await library.IngestAsync("handbook", null, CancellationToken.None);
        Assert.True(first.Added >= 8);

        var again = await library.IngestAsync("handbook", null, CancellationToken.None);
        Assert.Equal((0, 0, first.Added, 0), (again.Added, again.Updated, again.Unchanged, again.Erased));

        File.AppendAllText(Path.Combine(folder, "office-contacts.txt"), "\nCanteen: the zebrafinch menu is posted on Mondays.\n");
        File.Delete(Path.Combine(folder, "office-closures.csv"));
        File.WriteAllText(Path.Combine(folder, "parking.md"), "# Parking\n\nThe garage gate code changes every quarter.\n");
        var third = await library.IngestAsync("handbook", null, CancellationToken.None);
        Assert.Equal((1, 1, first.Added - 2, 1), (third.Added, third.Updated, third.Unchanged, third.Erased));

        var hits = await library.SearchAsync(new SearchRequest("zebrafinch menu", Everyone) { Ranking = Ranking.Lexical }, CancellationToken.None);
        Assert.Equal("office-contacts.txt", hits[0].Path);
        Assert.DoesNotContain(await library.ListDocumentsAsync(Everyone, CancellationToken.None), d => d.Path == "office-closures.csv");
        Assert.Contains(await library.ErasuresAsync(null, CancellationToken.None), e => e.Path == "office-closures.csv" && e.ErasedBy == "sync");
        Assert.Empty(library.CheckIntegrity());
    }

    [Fact]
    public async Task A_sync_tells_unchanged_files_by_size_and_write_time_without_reading_them()
    {
        var folder = CopyOf(office.Handbook);
        using var box = new TestBox(folder, office.Hr);
        using var library = await box.OpenAsync(model.Generator);
        var first = await library.IngestAsync("handbook", null, CancellationToken.None);
        var contacts = Path.Combine(folder, "office-contacts.txt");

        // Touched, content unchanged: read once (the hash matches), its new time remembered.
        File.SetLastWriteTimeUtc(contacts, DateTime.UtcNow.AddMinutes(5));
        var touched = await library.IngestAsync("handbook", null, CancellationToken.None);
        Assert.Equal((0, 0, first.Added), (touched.Added, touched.Updated, touched.Unchanged));

        // Same size and write time as when it was read: the sync takes it as unchanged without
        // opening it (as rsync's quick check does). Proven by bytes it would otherwise have found.
        var written = File.GetLastWriteTimeUtc(contacts);
        var text = File.ReadAllText(contacts);
        File.WriteAllText(contacts, "Zorbax" + text["Office".Length..]);   // same size: "Office contacts" → "Zorbax contacts"
        File.SetLastWriteTimeUtc(contacts, written);
        var quick = await library.IngestAsync("handbook", null, CancellationToken.None);
        Assert.Equal((0, first.Added), (quick.Updated, quick.Unchanged));
        Assert.Empty(await library.SearchAsync(new SearchRequest("zorbax", Everyone) { Ranking = Ranking.Lexical }, CancellationToken.None));

        // A real edit moves the write time: it is read and replaced.
        File.SetLastWriteTimeUtc(contacts, written.AddSeconds(1));
        var edited = await library.IngestAsync("handbook", null, CancellationToken.None);
        Assert.Equal(1, edited.Updated);
        Assert.Equal("office-contacts.txt",
            (await library.SearchAsync(new SearchRequest("zorbax", Everyone) { Ranking = Ranking.Lexical }, CancellationToken.None))[0].Path);
    }

    [Fact]
    public async Task A_missing_source_folder_erases_nothing()
    {
        var folder = CopyOf(office.Handbook);
        using var box = new TestBox(folder, office.Hr);
        using var library = await box.OpenAsync();
        var first = await library.IngestAsync("handbook", null, CancellationToken.None);
        Directory.Move(folder, folder + "-unmounted");
        var second = await library.IngestAsync("handbook", null, CancellationToken.None);
        Assert.Equal(0, second.Erased);
        Assert.Contains(second.Skipped, s => s.Reason.Contains("does not exist"));
        Assert.Equal(first.Added, (await library.ListDocumentsAsync(Everyone, CancellationToken.None)).Count);
    }

    [Fact]
    public async Task Uploads_are_indexed_at_once_and_refused_when_the_collection_does_not_take_them()
    {
        using var box = new TestBox(office.Handbook, office.Hr);
        using var library = await box.OpenAsync(model.Generator);
        await library.IngestAsync("handbook", null, CancellationToken.None);
        using var content = new MemoryStream("# Bike policy\n\nBikes may be parked in the courtyard next to the linden tree.\n"u8.ToArray());
        var document = await library.UploadAsync("handbook", "bike-policy.md", content, "lfischer", CancellationToken.None);
        Assert.Equal(("uploads/bike-policy.md", "lfischer", DocumentStatus.Ready), (document.Path, document.UploadedBy, document.Status));
        var hits = await library.SearchAsync(new SearchRequest("where can I park my bike", Everyone) { Ranking = Ranking.Lexical }, CancellationToken.None);
        Assert.Equal("uploads/bike-policy.md", hits[0].Path);

        var forbidden = await Assert.ThrowsAsync<DocumentLibraryException>(() =>
            library.UploadAsync("hr", "x.md", new MemoryStream("x"u8.ToArray()), "lfischer", CancellationToken.None));
        Assert.Equal(LibraryError.Forbidden, forbidden.Error);
        var tooLarge = await Assert.ThrowsAsync<DocumentLibraryException>(() =>
            library.UploadAsync("handbook", "big.txt", new MemoryStream(new byte[2 * 1024 * 1024]), "lfischer", CancellationToken.None));
        Assert.Equal(LibraryError.TooLarge, tooLarge.Error);
        var binary = await Assert.ThrowsAsync<DocumentLibraryException>(() =>
            library.UploadAsync("handbook", "notes.txt", new MemoryStream([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1, 2]), "lfischer", CancellationToken.None));
        Assert.Contains("binary", binary.Message);
        var traversal = await library.UploadAsync("handbook", "../../escape.md", new MemoryStream("# Escape\n\ntext"u8.ToArray()), "lfischer", CancellationToken.None);
        Assert.Equal("uploads/escape.md", traversal.Path);
        Assert.False(File.Exists(Path.Combine(box.DataFolder, "..", "escape.md")));

        // The next sync neither duplicates nor erases the uploads.
        var sync = await library.IngestAsync("handbook", null, CancellationToken.None);
        Assert.Equal((0, 0), (sync.Added, sync.Erased));
    }

    [Fact]
    public async Task With_the_embedding_model_loaded_chunks_are_sized_in_its_own_tokens()
    {
        var counter = ModelTokenCounter.From(model.Generator);
        Assert.NotNull(counter);
        const int budget = 120;
        using var box = new TestBox(office.Handbook, office.Hr, chunkTokens: budget);
        using (var library = await box.OpenAsync(model.Generator))
            await library.IngestAsync("handbook", null, CancellationToken.None);
        using var estimated = new TestBox(office.Handbook, office.Hr, chunkTokens: budget);
        using (var library = await estimated.OpenAsync())
            await library.IngestAsync("handbook", null, CancellationToken.None);

        var sized = StoredChunks(box);
        var guessed = StoredChunks(estimated);
        // Each chunk's recorded size is the model's count of its sentences, within the budget, and
        // the model's count of the whole chunk text agrees (separators between sentences aside).
        Assert.All(sized, c => Assert.InRange(c.Tokens, 1, budget));
        Assert.All(sized, c => Assert.InRange(counter!.CountTokens(c.Text), c.Tokens, c.Tokens + c.Text.Count(ch => ch == '\n' || ch == ' ') / 4 + 8));
        // The estimate would not have fit: this model's tokens are far smaller than words.
        Assert.Contains(guessed, c => counter!.CountTokens(c.Text) > budget * 3 / 2);
        Assert.True(sized.Count > guessed.Count);
    }

    /// <summary>The tiny embedding model with a small window, so the sample documents' chunks can be too long for it.</summary>
    private static Task<LlamaEmbeddingGenerator> SmallWindowAsync(int window) =>
        LlamaEmbeddingGenerator.OpenAsync(
            new ModelRequest("tiny-embed", TestModels.TestModels.TinyEmbed, TestModelSpec.TinyEmbed.ExpectedSha256, long.MaxValue),
            threads: 2, NullLoggerFactory.Instance, CancellationToken.None, maxTokensPerText: window);

    [Fact]
    public async Task A_chunk_size_beyond_the_embedding_window_is_refused_at_open_naming_the_setting()
    {
        using var small = await SmallWindowAsync(160);
        using var box = new TestBox(office.Handbook, office.Hr, chunkTokens: 400);
        var e = await Assert.ThrowsAsync<DocumentLibraryException>(() => box.OpenAsync(small));
        Assert.Equal(LibraryError.Invalid, e.Error);
        Assert.Contains("rag.chunk_tokens is 400", e.Message);
        Assert.Contains("at most 160 tokens", e.Message);
    }

    [Fact]
    public async Task Chunks_cut_by_the_estimate_are_cut_again_to_fit_the_embedding_window_never_truncated()
    {
        const int window = 160;
        var counter = ModelTokenCounter.From(model.Generator)!;
        using var box = new TestBox(office.Handbook, office.Hr, chunkTokens: 120);
        using (var library = await box.OpenAsync())
            await library.IngestAsync("handbook", null, CancellationToken.None);
        Assert.Contains(StoredChunks(box), c => counter.CountTokens(c.Text) > window);

        using var small = await SmallWindowAsync(window);
        using (var library = await box.OpenAsync(small))
            await library.IngestAsync("handbook", null, CancellationToken.None);
        var chunks = StoredChunks(box);
        Assert.All(chunks, c => Assert.InRange(counter.CountTokens(c.Text), 1, window));
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(box.DataFolder, DocumentLibrary.DatabaseFileName)};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM chunks c WHERE NOT EXISTS (SELECT 1 FROM vectors v WHERE v.chunk_id = c.id)";
        Assert.Equal(0L, (long)command.ExecuteScalar()!);
    }

    private static List<(string Text, int Tokens)> StoredChunks(TestBox box)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(box.DataFolder, DocumentLibrary.DatabaseFileName)};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT text, tokens FROM chunks";
        using var reader = command.ExecuteReader();
        var chunks = new List<(string, int)>();
        while (reader.Read()) chunks.Add((reader.GetString(0), reader.GetInt32(1)));
        return chunks;
    }

    internal static string CopyOf(string folder)
    {
        var copy = Directory.CreateTempSubdirectory("copy").FullName;
        foreach (var file in Directory.GetFiles(folder)) File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        return copy;
    }
}
