using Appliance.Exec;
using Appliance.Rag.Extraction;
using Appliance.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Appliance.Rag.Tests;

/// <summary>
/// PDFs are read in a child process of the appliance's own program (`appliance extract`), as the
/// agent and `appliance ingest` do: a PDF built to crash or exhaust the parser fails alone, with a
/// reason, and the run goes on.
/// </summary>
[Collection(SampleOfficeCollection.Name)]
public sealed class IsolatedExtractionTests(SampleOfficeFixture office)
{
    [Fact]
    public async Task A_pdf_that_overflows_the_parsers_stack_or_inflates_to_gigabytes_fails_alone_and_the_rest_is_indexed()
    {
        var folder = Directory.CreateTempSubdirectory("isolated").FullName;
        try
        {
            File.Copy(office.File("handbook/it-security.pdf"), Path.Combine(folder, "it-security.pdf"));
            HostilePdf.DeepPageTree(Path.Combine(folder, "deep-page-tree.pdf"), "wombatdeep");
            HostilePdf.Bomb(Path.Combine(folder, "bomb.pdf"), "wombatbomb");
            using var box = new TestBox(folder, office.Hr);
            var rag = box.Config.Rag with { Extraction = new() { MemoryMb = 256 } };
            using var library = await DocumentLibrary.OpenAsync(box.Config, box.Folder, null, NullLoggerFactory.Instance, CancellationToken.None,
                extractors: ExtractorCatalog.Isolated(rag, AgentProgram()));

            var report = await library.IngestAsync("handbook", null, CancellationToken.None);

            string Reason(string path) => Assert.Single(report.Skipped, s => s.Path == path).Reason;
            Assert.Contains("stack overflow", Reason("deep-page-tree.pdf"));
            // Within 256 MB PdfPig gives the inflating page up; in-process it would take 4 GB and 12 s.
            Assert.Contains("no text", Reason("bomb.pdf"));
            Assert.Equal(1, report.Added);
            var hit = Assert.Single(await library.SearchAsync(new SearchRequest("passwords 14 characters", ["everyone"], 1), CancellationToken.None));
            Assert.Equal(("it-security.pdf", 4, false), (hit.Path, hit.Page, hit.Citation.Recognised));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task A_pdf_that_outlasts_the_time_limit_is_stopped_with_that_reason_and_the_next_file_is_read()
    {
        var folder = Directory.CreateTempSubdirectory("isolated-slow").FullName;
        try
        {
            var slow = Path.Combine(folder, "slow.pdf");
            HostilePdf.Slow(slow, "wombatslow", operations: 6_000_000);
            // Three seconds against the 7–8 s (and ~900 MB, under the 2 GB limit) PdfPig needs for it on an idle machine:
            // the limit, not the machine, decides. The limit counts from when the worker is ready, so the fresh worker
            // for the next file has its three seconds too — several times what a small PDF takes on a busy machine.
            var extractor = new IsolatedExtractor(AgentProgram(), [".pdf"], TextRecognition.None, new() { TimeoutSeconds = 3, MemoryMb = 2048 });

            var error = await Assert.ThrowsAsync<ExtractionException>(() => extractor.ExtractAsync(slow, CancellationToken.None));
            Assert.Equal("reading it took longer than 3 s (rag.extraction.timeout_seconds); the reader was stopped", error.Message);
            var next = await extractor.ExtractAsync(office.File("handbook/it-security.pdf"), CancellationToken.None);
            Assert.Contains(next.Blocks, b => b.Text.Contains("at least 14 characters", StringComparison.Ordinal) && b.Page == 4);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>`dotnet appliance.dll`, built beside these tests (the project is referenced without its assembly).</summary>
    internal static Command AgentProgram()
    {
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        return Command.Of("dotnet", Path.Combine(SampleDocs.SampleOffice.RepositoryRoot(), "src", "Appliance.Agent", "bin", here.Parent!.Name, "net10.0", "appliance.dll"));
    }
}
