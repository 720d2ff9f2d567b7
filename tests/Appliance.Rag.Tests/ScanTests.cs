using Appliance.Rag.Extraction;
using Appliance.SampleDocs;
using PdfSharp.Drawing;
using PdfSharp.Pdf;
using PdfSharp.Pdf.IO;

namespace Appliance.Rag.Tests;

/// <summary>
/// Scans — image-only PDF pages and image files — are read by Debian's Tesseract in the collection's
/// language, found by words that exist only in the image, and cited at their page as recognised text.
/// </summary>
[Collection(SampleOfficeCollection.Name)]
public sealed class ScanTests(SampleOfficeFixture office)
{
    // "Quokkaschrank" is printed nowhere but in the scanned images.
    private static readonly string[] Fax = ["Telefax an die Kanzlei Berger", "Der Schlüssel zum Quokkaschrank liegt am Empfang."];

    private static readonly string[] Note = ["Notiz vom Empfang", "Das Paket für den Quokkaschrank kam am Dienstag."];

    private static readonly string[] Letter =
    [
        "Amtsgericht Zürich, Kanzlei",
        "Sehr geehrte Damen und Herren,",
        "die Akten zum Verfahren liegen im Quokkaschrank des Archivs.",
        "Die Frist für die Stellungnahme endet am 30. Juni 2027.",
        "Mit freundlichen Grüßen",
    ];

    [Fact]
    public async Task A_scanned_letter_as_pdf_page_png_and_heic_photo_is_found_by_a_word_only_in_its_image_and_cited_at_its_page()
    {
        var folder = Directory.CreateTempSubdirectory("scans").FullName;
        try
        {
            var scan = Path.Combine(folder, ".scan.pdf");
            ScanRenderer.Write(Letter, Path.Combine(folder, ".scan.png"), scan);
            File.Delete(Path.Combine(folder, ".scan.png"));
            ScanRenderer.Write(Fax, Path.Combine(folder, "fax.png"), degrees: -0.8, seed: 11);
            ScanRenderer.Write(Note, Path.Combine(folder, ".note.png"), degrees: 0.5, seed: 13);
            HeicPhoto(Path.Combine(folder, ".note.png"), Path.Combine(folder, "note.heic"));
            File.Delete(Path.Combine(folder, ".note.png"));
            WithTypedCover(scan, Path.Combine(folder, "court-letter.pdf"));
            File.Delete(scan);
            using var box = new TestBox(folder, office.Hr, language: "de");
            using var library = await box.OpenAsync();

            var report = await library.IngestAsync("handbook", null, CancellationToken.None);

            Assert.Empty(report.Skipped);
            Assert.Equal(3, report.Added);
            var hits = await library.SearchAsync(new SearchRequest("Quokkaschrank", ["everyone"], 5), CancellationToken.None);
            var pdf = Assert.Single(hits, h => h.Path == "court-letter.pdf");
            Assert.Equal((2, true, "page 2, recognised text"), (pdf.Page, pdf.Citation.Recognised, pdf.Citation.Location));
            Assert.Contains("Stellungnahme", pdf.Text);
            var png = Assert.Single(hits, h => h.Path == "fax.png");
            Assert.Equal((1, true), (png.Page, png.Citation.Recognised));
            Assert.Contains("Empfang", png.Text);
            var heic = Assert.Single(hits, h => h.Path == "note.heic");
            Assert.Equal((1, true), (heic.Page, heic.Citation.Recognised));
            Assert.Contains("Dienstag", heic.Text);
            // The typed cover page is the file's own text, not recognised.
            var cover = Assert.Single(await library.SearchAsync(new SearchRequest("Eingangsstempel", ["everyone"], 1), CancellationToken.None));
            Assert.Equal((1, false, "page 1"), (cover.Page, cover.Citation.Recognised, cover.Citation.Location));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Without_tesseract_a_scan_is_skipped_saying_where_it_was_looked_for_and_how_to_install_it()
    {
        var folder = Directory.CreateTempSubdirectory("scans-no-ocr").FullName;
        try
        {
            var png = Path.Combine(folder, "fax.png");
            var pdf = Path.Combine(folder, "fax.pdf");
            ScanRenderer.Write(["Nur ein Bild"], png, pdf);
            var catalog = ExtractorCatalog.Default(new Config.RagSettings { Ocr = new() { Tesseract = "/opt/nowhere/tesseract" } });
            foreach (var file in new[] { png, pdf })
            {
                var error = await Assert.ThrowsAsync<ExtractionException>(() => catalog.For(file)!.ExtractAsync(file, CancellationToken.None));
                Assert.StartsWith("a scan (an image with no text) that cannot be read: Tesseract is not installed at /opt/nowhere/tesseract", error.Message);
                Assert.Contains("apt-get install tesseract-ocr", error.Message);
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>A phone photo's format, made with libheif's encoder (tests only; Debian libheif-examples).</summary>
    private static void HeicPhoto(string png, string heic)
    {
        var start = new System.Diagnostics.ProcessStartInfo("/usr/bin/heif-enc") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "-q", "90", png, "-o", heic }) start.ArgumentList.Add(argument);
        using var process = System.Diagnostics.Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"heif-enc: {error.Result}");
    }

    /// <summary>A typed cover page (real text) followed by the scan's page, as an office files court mail.</summary>
    private static void WithTypedCover(string scan, string path)
    {
        using var document = new PdfDocument();
        var cover = document.AddPage();
        using (var g = XGraphics.FromPdfPage(cover))
            g.DrawString("Eingangsstempel: Posteingang der Kanzlei", new XFont("DejaVu Sans", 12), XBrushes.Black, new XPoint(72, 100));
        using var scanned = PdfReader.Open(scan, PdfDocumentOpenMode.Import);
        document.AddPage(scanned.Pages[0]);
        document.Save(path);
    }
}
