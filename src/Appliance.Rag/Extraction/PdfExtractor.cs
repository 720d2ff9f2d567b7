using System.Text;
using Appliance.Config;
using UglyToad.PdfPig;
using UglyToad.PdfPig.Content;
using UglyToad.PdfPig.DocumentLayoutAnalysis.TextExtractor;
using UglyToad.PdfPig.Exceptions;

namespace Appliance.Rag.Extraction;

/// <summary>
/// PDFs read in-process with PdfPig: each page's text in content order (table cells stay in their
/// rows), NFKC-normalised so ligatures such as "ﬁ" become the letters people type, with the page
/// number for citations. A page with images and no text is a scan: its images are recognised and
/// the text marked so. The agent runs this in a child process (<see cref="IsolatedExtractor"/>),
/// because a hostile PDF can overflow the parser's stack or inflate to gigabytes.
/// </summary>
public sealed class PdfExtractor(TextRecognition recognition) : IDocumentExtractor
{
    public const string Encrypted = "the PDF is encrypted (password-protected); save an unprotected copy to index it";

    /// <summary>Images smaller than this either side are logos and rules, not scanned text.</summary>
    private const int SmallestScan = 64;

    private static readonly ContentOrderTextExtractor.Options Layout = new()
    {
        SeparateParagraphsWithDoubleNewline = true,
        ReplaceWhitespaceWithSpace = true,
    };

    /// <summary>Text only: scans are refused with that reason.</summary>
    public PdfExtractor() : this(TextRecognition.None) { }

    public IReadOnlyCollection<string> Extensions { get; } = [".pdf"];

    public Task<ExtractedDocument> ExtractAsync(string path, CancellationToken cancellationToken) =>
        ExtractAsync(path, DocumentLanguage.Auto, cancellationToken);

    public async Task<ExtractedDocument> ExtractAsync(string path, DocumentLanguage language, CancellationToken cancellationToken)
    {
        using var document = Open(path);
        var blocks = new List<TextBlock>();
        var unread = new List<(int Page, string Reason)>();
        ScanReader? scans = null;
        Exception? firstFailure = null;
        for (var number = 1; number <= document.NumberOfPages; number++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Page page;
            string text;
            try
            {
                page = document.GetPage(number);
                text = ContentOrderTextExtractor.GetText(page, Layout).Normalize(NormalizationForm.FormKC);
            }
            catch (Exception e) when (IsParserFailure(e))
            {
                // One broken page does not cost the others.
                firstFailure ??= e;
                continue;
            }
            if (text.Any(char.IsLetterOrDigit))
            {
                foreach (var paragraph in TextFile.Paragraphs(text))
                    blocks.Add(new TextBlock(TextFile.Collapse(paragraph), number, []));
                continue;
            }
            var images = ScannedImages(page);
            if (images.Count == 0) continue;
            scans ??= await recognition.ForAsync(language, cancellationToken);
            if (!scans.Available)
            {
                unread.Add((number, scans.UnavailableReason));
                continue;
            }
            List<string> recognised;
            try
            {
                recognised = await RecogniseAsync(scans, images, cancellationToken);
            }
            catch (ExtractionException e)
            {
                // A scan Tesseract cannot read (or not in time) costs its page only.
                unread.Add((number, e.Message));
                continue;
            }
            foreach (var image in recognised)
                foreach (var paragraph in TextFile.Paragraphs(image.Normalize(NormalizationForm.FormKC)))
                    blocks.Add(new TextBlock(TextFile.Collapse(paragraph), number, []) { Recognised = true });
        }
        if (blocks.Count == 0 && unread.Count > 0)
            throw new ExtractionException(scans is { Available: false } ? scans.NotReadable : $"{Pages(unread)} scanned and not read: {unread[0].Reason}");
        if (blocks.Count == 0 && firstFailure is not null) throw Damaged(firstFailure);
        if (blocks.Count == 0) throw new ExtractionException("the PDF holds no text and no scanned pages");

        var title = document.Information.Title;
        return new ExtractedDocument(string.IsNullOrWhiteSpace(title) ? TextFile.TitleFromFileName(path) : TextFile.Collapse(title), "pdf", blocks)
        {
            Incomplete = unread.Count > 0
                ? $"{Pages(unread)} scanned and not read: {unread[0].Reason}"
                : firstFailure is not null ? $"some pages could not be read ({firstFailure.Message})" : null,
        };
    }

    private static PdfDocument Open(string path)
    {
        try
        {
            return PdfDocument.Open(path, new ParsingOptions { UseLenientParsing = true });
        }
        catch (PdfDocumentEncryptedException e)
        {
            throw new ExtractionException(Encrypted, e);
        }
        catch (Exception e) when (IsParserFailure(e))
        {
            throw Damaged(e);
        }
    }

    /// <summary>What PdfPig throws on a file it cannot make sense of; running out of memory or being cancelled is not the file's verdict.</summary>
    private static bool IsParserFailure(Exception e) =>
        e is not (OperationCanceledException or OutOfMemoryException or ExtractionException);

    private static ExtractionException Damaged(Exception e) => new($"damaged PDF: {e.Message}", e);

    private static List<IPdfImage> ScannedImages(Page page)
    {
        try
        {
            return [.. page.GetImages().Where(i => i.WidthInSamples >= SmallestScan && i.HeightInSamples >= SmallestScan)];
        }
        catch (Exception e) when (IsParserFailure(e))
        {
            return [];
        }
    }

    /// <summary>
    /// Each image of a scanned page through OCR, from a private temporary folder: JPEG and JPEG 2000
    /// as stored, everything else (CCITT fax, Flate) decoded to PNG.
    /// </summary>
    private static async Task<List<string>> RecogniseAsync(ScanReader scans, List<IPdfImage> images, CancellationToken cancellationToken)
    {
        var folder = Directory.CreateTempSubdirectory("appliance-scan-").FullName;
        try
        {
            var texts = new List<string>();
            var index = 0;
            foreach (var image in images)
            {
                var (bytes, extension) = Encoded(image);
                if (bytes is null) continue;
                var file = Path.Combine(folder, $"image-{index++}{extension}");
                await File.WriteAllBytesAsync(file, bytes, cancellationToken);
                // The image's size on the page gives its resolution; scans are usually 200–600 dpi.
                var inches = image.BoundingBox.Width / 72.0;
                int? dpi = inches > 0.5 ? (int)Math.Clamp(Math.Round(image.WidthInSamples / inches), 70, 1200) : null;
                texts.AddRange(await scans.ReadAsync(file, dpi, cancellationToken));
                File.Delete(file);
            }
            return texts;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static (byte[]? Bytes, string Extension) Encoded(IPdfImage image)
    {
        var raw = image.RawBytes;
        if (raw.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF])) return (raw.ToArray(), ".jpg");
        if (raw.StartsWith((ReadOnlySpan<byte>)[0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50]) || raw.StartsWith((ReadOnlySpan<byte>)[0xFF, 0x4F, 0xFF, 0x51]))
            return (raw.ToArray(), ".jp2");
        try
        {
            return image.TryGetPng(out var png) ? (png, ".png") : (null, "");
        }
        catch (Exception e) when (IsParserFailure(e))
        {
            return (null, "");
        }
    }

    /// <summary>"page 3" or "pages 2, 5, 7".</summary>
    private static string Pages(List<(int Page, string Reason)> unread) =>
        unread.Count == 1 ? $"page {unread[0].Page}" : $"pages {string.Join(", ", unread.Select(u => u.Page))}";
}
