using System.Text;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Wordprocessing;

namespace Appliance.Rag.Extraction;

/// <summary>
/// Word documents: paragraphs under their heading path (Heading 1…9 styles or outline levels),
/// tables as "cell | cell" rows. Pages are counted from explicit and last-rendered page breaks,
/// which Word writes on save; a document without them is one page.
/// </summary>
public sealed class DocxExtractor : IDocumentExtractor
{
    public IReadOnlyCollection<string> Extensions { get; } = [".docx"];

    public Task<ExtractedDocument> ExtractAsync(string path, CancellationToken cancellationToken)
    {
        using var package = OfficeArchive.Open(path, p => WordprocessingDocument.Open(p, false));
        var body = package.MainDocumentPart?.Document?.Body
            ?? throw new ExtractionException("not a valid Word document: no document body");
        var headings = new HeadingTrail();
        var blocks = new List<TextBlock>();
        var page = 1;
        var title = package.PackageProperties.Title;
        foreach (var element in body.ChildElements)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (element is Paragraph paragraph)
            {
                var breaksBefore = 0;
                var text = ParagraphText(paragraph, ref breaksBefore, out var breaksAfter);
                page += breaksBefore;
                var level = HeadingLevel(paragraph);
                if (IsTitle(paragraph) && text.Length > 0)
                {
                    if (string.IsNullOrWhiteSpace(title)) title = text;
                }
                else if (level > 0 && text.Length > 0)
                {
                    if (level == 1 && string.IsNullOrWhiteSpace(title)) title = text;
                    headings.Enter(level, text);
                }
                else if (text.Length > 0) blocks.Add(new TextBlock(text, page, headings.Path));
                page += breaksAfter;
            }
            else if (element is Table table)
            {
                foreach (var row in table.Elements<TableRow>())
                {
                    var cells = row.Elements<TableCell>().Select(c => TextFile.Collapse(c.InnerText)).Where(c => c.Length > 0);
                    var line = string.Join(" | ", cells);
                    if (line.Length > 0) blocks.Add(new TextBlock(line, page, headings.Path));
                }
            }
        }
        return Task.FromResult(new ExtractedDocument(
            string.IsNullOrWhiteSpace(title) ? TextFile.TitleFromFileName(path) : title!, "docx", blocks));
    }

    /// <summary>The paragraph's text; page breaks before any text move it to the next page, later ones the paragraphs after it.</summary>
    private static string ParagraphText(Paragraph paragraph, ref int breaksBefore, out int breaksAfter)
    {
        breaksAfter = 0;
        var text = new StringBuilder();
        foreach (var node in paragraph.Descendants())
        {
            var isBreak = node is LastRenderedPageBreak || (node is Break br && br.Type?.Value == BreakValues.Page);
            if (isBreak)
            {
                if (text.Length == 0) breaksBefore++;
                else breaksAfter++;
            }
            else if (node is Text t) text.Append(t.Text);
            else if (node is TabChar) text.Append(' ');
        }
        if (paragraph.ParagraphProperties?.PageBreakBefore is { } before && (before.Val?.Value ?? true)) breaksBefore++;
        return TextFile.Collapse(text.ToString());
    }

    private static bool IsTitle(Paragraph paragraph) =>
        string.Equals(paragraph.ParagraphProperties?.ParagraphStyleId?.Val?.Value, "Title", StringComparison.OrdinalIgnoreCase);

    private static int HeadingLevel(Paragraph paragraph)
    {
        var properties = paragraph.ParagraphProperties;
        var style = properties?.ParagraphStyleId?.Val?.Value ?? "";
        if (style.StartsWith("Heading", StringComparison.OrdinalIgnoreCase)
            && int.TryParse(style.AsSpan(7), out var level) && level is >= 1 and <= 9) return level;
        if (properties?.OutlineLevel?.Val?.Value is int outline && outline < 9) return outline + 1;
        return 0;
    }
}
