using FsCheck;
using FsCheck.Fluent;
using Microsoft.Extensions.Logging.Abstractions;

namespace Appliance.Rag.Tests;

/// <summary>
/// Two writers on one data folder — the agent serving, and `appliance ingest` beside it, as a build
/// from before the writer lock allowed — never make the agent hand out a chunk of a collection the
/// caller may not read, and the agent's results stay those of a library opened afresh.
/// </summary>
[Collection(SampleOfficeCollection.Name)]
public sealed class SecondWriterTests(SampleOfficeFixture office, EmbeddingModelFixture model)
{
    private const string Parking = "# Parking\n\nStaff parking is in the courtyard garage, level minus two, bays 14 to 30. " +
                                   "Visitors park in the street; the garage gate opens with your badge.\n";
    private const string Salaries = "# Partner salaries\n\nPartner salary band: 240,000 to 310,000 EUR per year, " +
                                    "reviewed by the management board in October. Strictly confidential.\n";
    private static readonly string[] Staff = ["everyone"];

    [Fact]
    public async Task After_the_other_writer_erases_a_handbook_file_and_adds_an_hr_file_everyone_gets_no_hr_chunk()
    {
        var handbook = LibraryTests.CopyOf(office.Handbook);
        var hr = Directory.CreateTempSubdirectory("hr").FullName;
        using var box = new TestBox(handbook, hr);
        using var agent = await box.OpenAsync(model.Generator);
        await agent.IngestAsync(null, null, CancellationToken.None);
        // Added last, so its chunks hold the highest ids: the ones SQLite would hand out again.
        File.WriteAllText(Path.Combine(handbook, "parking.md"), Parking);
        await agent.IngestAsync("handbook", null, CancellationToken.None);
        var before = await agent.SearchAsync(new SearchRequest(Parking, Staff, 5), CancellationToken.None);
        Assert.Equal("parking.md", before[0].Path);

        using (var cli = await DocumentLibrary.OpenIgnoringWriterLockAsync(box.Config, box.Folder, null, CancellationToken.None))
        {
            File.Delete(Path.Combine(handbook, "parking.md"));
            Assert.Equal(1, (await cli.IngestAsync("handbook", null, CancellationToken.None)).Erased);
            File.WriteAllText(Path.Combine(hr, "salaries.md"), Salaries);
            Assert.Equal(1, (await cli.IngestAsync("hr", null, CancellationToken.None)).Added);
        }

        // The question that found the parking chunks by their vectors.
        foreach (var query in new[] { Parking, "Where do I park my car?", "partner salary band" })
        {
            var seen = await agent.SearchAsync(new SearchRequest(query, Staff, 20), CancellationToken.None);
            Assert.All(seen, hit => Assert.Equal("handbook", hit.Citation.CollectionId));
            Assert.DoesNotContain(seen, hit => hit.Path is "parking.md" or "salaries.md" || hit.Text.Contains("Partner salary"));
        }
        // The filter is not vacuous: hr finds the new file, through the agent that did not write it.
        var asHr = await agent.SearchAsync(new SearchRequest("partner salary band", ["everyone", "hr"], 5) { Collections = ["hr"] }, CancellationToken.None);
        Assert.Equal("salaries.md", asHr[0].Path);
        Assert.Empty(agent.CheckIntegrity());
    }

    [Fact]
    public async Task Chunk_ids_are_never_handed_out_twice()
    {
        var handbook = Directory.CreateTempSubdirectory("handbook").FullName;
        using var box = new TestBox(handbook, Directory.CreateTempSubdirectory("hr").FullName);
        using var library = await box.OpenAsync();
        File.WriteAllText(Path.Combine(handbook, "parking.md"), Parking);
        await library.IngestAsync(null, null, CancellationToken.None);
        var first = (await library.SearchAsync(new SearchRequest("courtyard garage", Staff) { Ranking = Ranking.Lexical }, CancellationToken.None)).Single();
        var firstId = ChunkId(library, first);
        File.Delete(Path.Combine(handbook, "parking.md"));
        await library.IngestAsync(null, null, CancellationToken.None);
        File.WriteAllText(Path.Combine(handbook, "parking-new.md"), Parking);
        await library.IngestAsync(null, null, CancellationToken.None);
        var second = (await library.SearchAsync(new SearchRequest("courtyard garage", Staff) { Ranking = Ranking.Lexical }, CancellationToken.None)).Single();
        Assert.Equal("parking-new.md", second.Path);
        Assert.True(ChunkId(library, second) > firstId, "a deleted chunk's id was given to a new chunk");
    }

    /// <summary>
    /// Random interleavings of both writers' adds and erasures in both collections: after each, a
    /// member of everyone gets only handbook chunks from the agent, exactly as from a fresh reader.
    /// </summary>
    [Fact]
    public void Across_random_interleavings_the_agent_never_leaks_and_agrees_with_a_fresh_reader()
    {
        var property = Prop.ForAll(Arb.From(Gen.Choose(1, int.MaxValue - 1)), seed => Scenario(seed).GetAwaiter().GetResult());
        Check.One(FsCheck.Config.QuickThrowOnFailure.WithMaxTest(8), property);
    }

    private static readonly string[] Words =
    [
        "salary", "band", "parking", "garage", "badge", "leave", "bonus", "October", "partner", "review", "courtyard", "client",
        "deadline", "court", "invoice", "travel", "hotel", "confidential", "retention", "quokka", "visitor", "management",
    ];

    private async Task Scenario(int seed)
    {
        var random = new Random(seed);
        var handbook = Directory.CreateTempSubdirectory("handbook").FullName;
        var hr = Directory.CreateTempSubdirectory("hr").FullName;
        using var box = new TestBox(handbook, hr);
        using var agent = await box.OpenAsync(model.Generator);
        using var other = await DocumentLibrary.OpenIgnoringWriterLockAsync(box.Config, box.Folder, null, CancellationToken.None);
        string Text() => string.Join(' ', Enumerable.Range(0, random.Next(6, 30)).Select(_ => Words[random.Next(Words.Length)])) + ".";
        var next = 0;
        for (var step = 0; step < 10; step++)
        {
            var writer = random.Next(2) == 0 ? agent : other;
            var folder = random.Next(2) == 0 ? handbook : hr;
            var existing = Directory.GetFiles(folder);
            if (existing.Length > 0 && random.Next(3) == 0) File.Delete(existing[random.Next(existing.Length)]);
            else File.WriteAllText(Path.Combine(folder, $"note-{next++}.md"), $"# Note {next}\n\n{Text()}\n");
            await writer.IngestAsync(folder == handbook ? "handbook" : "hr", null, CancellationToken.None);

            using var fresh = await DocumentLibrary.OpenAsync(box.Config, box.Folder, model.Generator, NullLoggerFactory.Instance,
                CancellationToken.None, access: LibraryAccess.ReadOnly);
            for (var q = 0; q < 3; q++)
            {
                var query = Text();
                var seen = await agent.SearchAsync(new SearchRequest(query, Staff, 20), CancellationToken.None);
                Assert.All(seen, hit => Assert.Equal("handbook", hit.Citation.CollectionId));
                var reference = await fresh.SearchAsync(new SearchRequest(query, Staff, 20), CancellationToken.None);
                Assert.Equal(
                    reference.Select(h => (h.DocumentId, h.Citation.StartChar, Math.Round(h.Score, 9))),
                    seen.Select(h => (h.DocumentId, h.Citation.StartChar, Math.Round(h.Score, 9))));
            }
        }
    }

    private static long ChunkId(DocumentLibrary library, SearchHit hit)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={library.DatabasePath};Mode=ReadOnly");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id FROM chunks WHERE document_id = $d AND start_char = $s";
        command.Parameters.AddWithValue("$d", hit.DocumentId);
        command.Parameters.AddWithValue("$s", hit.Citation.StartChar);
        return (long)command.ExecuteScalar()!;
    }
}

/// <summary>A refused upload is a refusal, nothing more: no erasure record, no document, no file, and the version before it stays.</summary>
[Collection(SampleOfficeCollection.Name)]
public sealed class RefusedUploadTests(SampleOfficeFixture office)
{
    [Fact]
    public async Task A_damaged_upload_writes_no_erasure_record_and_leaves_the_previous_version_searchable()
    {
        using var box = new TestBox(LibraryTests.CopyOf(office.Handbook), office.Hr);
        using var library = await box.OpenAsync();
        await library.UploadAsync("handbook", "contract.txt", new MemoryStream("Termination needs three months of notice."u8.ToArray()),
            "tkoch", CancellationToken.None);
        var erasuresBefore = await library.ErasuresAsync(null, CancellationToken.None);

        // A damaged PDF under a new name, and binary bytes replacing the good text file.
        var damaged = await Assert.ThrowsAsync<DocumentLibraryException>(() => library.UploadAsync("handbook", "scan.pdf",
            new MemoryStream("%PDF-1.7\n1 0 obj << /Type /Catalog"u8.ToArray()), "tkoch", CancellationToken.None));
        Assert.Equal(LibraryError.Invalid, damaged.Error);
        var binary = await Assert.ThrowsAsync<DocumentLibraryException>(() => library.UploadAsync("handbook", "contract.txt",
            new MemoryStream([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1, 2]), "tkoch", CancellationToken.None));
        Assert.Contains("binary", binary.Message);

        Assert.Equal(erasuresBefore, await library.ErasuresAsync(null, CancellationToken.None));
        var documents = await library.ListDocumentsAsync(["everyone"], CancellationToken.None);
        Assert.DoesNotContain(documents, d => d.Path == "uploads/scan.pdf");
        var contract = Assert.Single(documents, d => d.Path == "uploads/contract.txt");
        Assert.Equal(DocumentStatus.Ready, contract.Status);
        var hits = await library.SearchAsync(new SearchRequest("termination notice", ["everyone"]) { Ranking = Ranking.Lexical }, CancellationToken.None);
        Assert.Equal("uploads/contract.txt", hits[0].Path);
        var uploads = Path.Combine(box.DataFolder, "uploads", "handbook");
        Assert.Equal(["contract.txt"], Directory.GetFiles(uploads).Select(Path.GetFileName));
        Assert.Equal("Termination needs three months of notice.", File.ReadAllText(Path.Combine(uploads, "contract.txt")));
        Assert.Empty(library.CheckIntegrity());
    }
}

/// <summary>One writer per data folder: a second writer is refused with who holds it; readers open beside it.</summary>
[Collection(SampleOfficeCollection.Name)]
public sealed class WriterLockTests(SampleOfficeFixture office)
{
    [Fact]
    public async Task A_second_writer_is_refused_naming_the_holder_while_a_reader_opens_and_cannot_write()
    {
        using var box = new TestBox(LibraryTests.CopyOf(office.Handbook), office.Hr);
        using (var writer = await box.OpenAsync())
        {
            await writer.IngestAsync(null, null, CancellationToken.None);
            var refused = await Assert.ThrowsAsync<DocumentLibraryException>(() => box.OpenAsync());
            Assert.Equal(LibraryError.Busy, refused.Error);
            Assert.Contains($"pid {Environment.ProcessId}", refused.Message);

            using var reader = await DocumentLibrary.OpenAsync(box.Config, box.Folder, null, NullLoggerFactory.Instance,
                CancellationToken.None, access: LibraryAccess.ReadOnly);
            Assert.NotEmpty(await reader.SearchAsync(new SearchRequest("annual leave", ["everyone"]), CancellationToken.None));
            var write = await Assert.ThrowsAsync<DocumentLibraryException>(() => reader.IngestAsync(null, null, CancellationToken.None));
            Assert.Equal(LibraryError.Busy, write.Error);
        }
        // Released with the writer: the next one opens.
        using var next = await box.OpenAsync();
        Assert.NotEmpty(await next.ListDocumentsAsync(["everyone"], CancellationToken.None));
    }
}
