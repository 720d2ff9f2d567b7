using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Appliance.Rag.Index;

namespace Appliance.Rag.Tests;

/// <summary>An erased document is gone from every search path and from the database file's bytes.</summary>
[Collection(SampleOfficeCollection.Name)]
public sealed class ErasureTests(SampleOfficeFixture office, EmbeddingModelFixture model)
{
    private const string Secret = "The vorpalquokka glimmerstone settlement with client Brandauer closes on Friday.";

    [Fact]
    public async Task Deleting_a_document_removes_it_from_lexical_and_vector_search_and_from_the_file_bytes()
    {
        var folder = LibraryTests.CopyOf(office.Handbook);
        var file = Path.Combine(folder, "settlement-note.md");
        File.WriteAllText(file, $"# Settlement note\n\n{Secret}\n");
        using var box = new TestBox(folder, office.Hr);
        using var library = await box.OpenAsync(model.Generator);
        await library.IngestAsync(null, null, CancellationToken.None);
        string[] staff = ["everyone"];

        var lexical = await library.SearchAsync(new SearchRequest("vorpalquokka glimmerstone", staff) { Ranking = Ranking.Lexical }, CancellationToken.None);
        var document = lexical[0].DocumentId;
        Assert.Equal("settlement-note.md", lexical[0].Path);
        var vectorText = lexical[0].Text;
        // The exact chunk text embeds to the stored vector, so the vector path ranks it first as well.
        var embedded = Ingestion.IngestionRun.EmbeddingText(lexical[0].Title, lexical[0].Section, vectorText);
        var vector = (await model.Generator.GenerateAsync([embedded]))[0].Vector.ToArray();
        var stored = VectorIndex.Normalize(vector);
        var storedBytes = MemoryMarshal.AsBytes(stored.AsSpan()).ToArray();
        Assert.True(Contains(ReadDatabase(library), storedBytes), "the test must see the vector in the file before erasure");
        Assert.True(Contains(ReadDatabase(library), Encoding.UTF8.GetBytes("glimmerstone")));

        // Ranking keeps counts of the query's words in memory; erasure drops them.
        Assert.True(library.RemembersWord("vorpalquokka"));
        var record = await library.DeleteDocumentAsync(document, "sweiss", CancellationToken.None);
        Assert.False(library.RemembersWord("vorpalquokka"));
        Assert.Equal(("sweiss", "settlement-note.md", Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file)))),
            (record.ErasedBy, record.Path, record.ContentHash));

        foreach (var query in new[] { "vorpalquokka glimmerstone", Secret, "Brandauer settlement", vectorText })
        {
            Assert.DoesNotContain(await library.SearchAsync(new SearchRequest(query, staff, 50), CancellationToken.None), h => h.DocumentId == document);
            Assert.DoesNotContain(await library.SearchAsync(new SearchRequest(query, staff, 50) { Ranking = Ranking.Lexical }, CancellationToken.None), h => h.DocumentId == document);
        }
        Assert.False(library.RemembersWord("vorpalquokka"));
        Assert.False(library.RemembersWord("glimmerstone"));
        var bytes = ReadDatabase(library);
        foreach (var word in new[] { "vorpalquokka", "glimmerstone", "brandauer", "Brandauer", "Settlement note" })
            Assert.False(Contains(bytes, Encoding.UTF8.GetBytes(word)), $"'{word}' is still in the database bytes");
        Assert.False(Contains(bytes, storedBytes), "the erased chunk's vector is still in the database bytes");
        Assert.Empty(library.CheckIntegrity());

        // The file is still in the share: the next sync keeps it out, until it changes.
        var sync = await library.IngestAsync("handbook", null, CancellationToken.None);
        Assert.Contains(sync.Skipped, s => s.Path == "settlement-note.md" && s.Reason.Contains("erased by sweiss"));
        Assert.DoesNotContain(await library.SearchAsync(new SearchRequest("vorpalquokka", staff, 50), CancellationToken.None), h => h.Path == "settlement-note.md");
        File.AppendAllText(file, "Update: the settlement was signed.\n");
        var changed = await library.IngestAsync("handbook", null, CancellationToken.None);
        Assert.Equal(1, changed.Added);

        var log = await library.ErasuresAsync(null, CancellationToken.None);
        Assert.Contains(log, e => e.DocumentId == document && e.ErasedBy == "sweiss");
    }

    [Fact]
    public async Task Deleting_an_upload_deletes_the_stored_file_and_unknown_ids_are_not_found()
    {
        using var box = new TestBox(office.Handbook, office.Hr);
        using var library = await box.OpenAsync();
        var upload = await library.UploadAsync("handbook", "memo.md", new MemoryStream("# Memo\n\nThe shredder is on floor two."u8.ToArray()), "lfischer", CancellationToken.None);
        var stored = Path.Combine(box.DataFolder, "uploads", "handbook", "memo.md");
        Assert.True(File.Exists(stored));
        await library.DeleteDocumentAsync(upload.Id, "lfischer", CancellationToken.None);
        Assert.False(File.Exists(stored));
        var missing = await Assert.ThrowsAsync<DocumentLibraryException>(() => library.DeleteDocumentAsync(upload.Id, "lfischer", CancellationToken.None));
        Assert.Equal(LibraryError.NotFound, missing.Error);

        // Uploading the same file again is a deliberate act: it is indexed, and later syncs keep it.
        var again = await library.UploadAsync("handbook", "memo.md", new MemoryStream("# Memo\n\nThe shredder is on floor two."u8.ToArray()), "lfischer", CancellationToken.None);
        Assert.Equal(DocumentStatus.Ready, again.Status);
        var sync = await library.IngestAsync("handbook", null, CancellationToken.None);
        Assert.DoesNotContain(sync.Skipped, s => s.Path == "uploads/memo.md");
        Assert.Contains(await library.ListDocumentsAsync(["everyone"], CancellationToken.None), d => d.Path == "uploads/memo.md");
    }

    private static byte[] ReadDatabase(DocumentLibrary library)
    {
        // The WAL (if any) is part of the database's bytes too.
        using var stream = new MemoryStream();
        foreach (var path in new[] { library.DatabasePath, library.DatabasePath + "-wal" })
            if (File.Exists(path))
                using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
                    file.CopyTo(stream);
        return stream.ToArray();
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;
}
