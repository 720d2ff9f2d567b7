using PdfSharp.Drawing;
using PdfSharp.Fonts;
using PdfSharp.Pdf;

namespace Appliance.Audit.Render;

/// <summary>
/// Flows text down A4 pages, starting a new page when one fills up: the audit report's layout, also
/// used for other documents the box hands out (a conversation exported for the file note).
/// </summary>
public sealed class PdfPageWriter
{
    private readonly PdfDocument _document;

    // PdfSharp keeps its font resolver in process-wide settings; set once, before any font of an
    // instance exists (a static constructor runs before the fields below are initialised). PDFsharp is
    // pinned at 6.2.4, the last MIT release (6.5 is AGPL-3.0-only and writes so into every PDF).
    static PdfPageWriter() => GlobalFontSettings.FontResolver ??= new SystemFonts();

    private readonly string _pageLabel;

    /// <param name="pageLabel">the word before each page number ("page", "Seite")</param>
    public PdfPageWriter(PdfDocument document, string pageLabel = "page")
    {
        _document = document;
        _pageLabel = pageLabel;
    }

    private const double Margin = 50, Width = 595 - 2 * Margin, Bottom = 842 - Margin;
    private readonly XFont _body = new(SystemFonts.Family, 9);
    private readonly XFont _bold = new(SystemFonts.Family, 9, XFontStyleEx.Bold);
    private readonly XFont _small = new(SystemFonts.Family, 7.5);
    private readonly XFont _h1 = new(SystemFonts.Family, 18, XFontStyleEx.Bold);
    private readonly XFont _h2 = new(SystemFonts.Family, 13, XFontStyleEx.Bold);
    private readonly XFont _h3 = new(SystemFonts.Family, 10.5, XFontStyleEx.Bold);
    private static readonly XBrush Ink = new XSolidBrush(XColor.FromArgb(27, 27, 27));
    private static readonly XBrush Navy = new XSolidBrush(XColor.FromArgb(31, 58, 95));
    private static readonly XBrush Red = new XSolidBrush(XColor.FromArgb(176, 0, 32));
    private static readonly XPen Rule = new(XColor.FromArgb(198, 204, 212), 0.5);
    private XGraphics? _gfx;
    private double _y;
    private int _pages;

    private XGraphics Gfx => _gfx ?? NewPage();

    private XGraphics NewPage()
    {
        _gfx?.Dispose();
        var page = _document.AddPage();
        page.Size = PdfSharp.PageSize.A4;
        _gfx = XGraphics.FromPdfPage(page);
        _pages++;
        _y = Margin;
        _gfx.DrawString($"{_pageLabel} {_pages}", _small, Ink, new XRect(Margin, 842 - 30, Width, 10), XStringFormats.TopRight);
        return _gfx;
    }

    private void Need(double height)
    {
        if (_gfx is null || _y + height > Bottom) NewPage();
    }

    public void Title(string text) { Need(30); Gfx.DrawString(text, _h1, Navy, Margin, _y + 18); _y += 30; }

    public void Heading(string text, bool newPage = false)
    {
        if (newPage && _gfx is not null && _y > Margin) NewPage();
        var lines = Wrap(text, _h2, Width).ToList();
        Need(22 + 18 * lines.Count);
        _y += 8;
        foreach (var line in lines)
        {
            Gfx.DrawString(line, _h2, Navy, Margin, _y + 13);
            _y += 18;
        }
        Gfx.DrawLine(new XPen(XColor.FromArgb(31, 58, 95), 1), Margin, _y, Margin + Width, _y);
        _y += 6;
    }

    public void Subheading(string text) { Need(24); _y += 4; Gfx.DrawString(text, _h3, Navy, Margin, _y + 11); _y += 16; }

    public void Text(string text) => Lines(text, _body, Ink, Margin, Width);
    public void Warning(string text) => Lines(text, _bold, Red, Margin, Width);
    public void Bullet(string text) { Need(12); Gfx.DrawString("•", _body, Ink, Margin + 4, _y + 9); Lines(text, _body, Ink, Margin + 14, Width - 14); }

    private void Lines(string text, XFont font, XBrush brush, double x, double width)
    {
        foreach (var line in Wrap(text, font, width))
        {
            Need(12);
            Gfx.DrawString(line, font, brush, x, _y + 9);
            _y += 12;
        }
        _y += 2;
    }

    public void Table(string[] headers, IEnumerable<string[]> rows, double[] widths, string? empty = null)
    {
        var all = rows.ToList();
        if (headers.Any(h => h.Length > 0)) Row(headers, widths, _bold);
        if (all.Count == 0 && empty is not null) Row([empty, .. Enumerable.Repeat("", widths.Length - 1)], widths, _body);
        foreach (var row in all) Row(row, widths, headers.Any(h => h.Length > 0) ? _body : _body, boldFirst: headers.All(h => h.Length == 0));
        _y += 6;
    }

    private void Row(string[] cells, double[] widths, XFont font, bool boldFirst = false)
    {
        var wrapped = cells.Select((c, i) => Wrap(c, boldFirst && i == 0 ? _bold : font, widths[i] - 6).ToList()).ToList();
        var height = wrapped.Max(w => Math.Max(1, w.Count)) * 11 + 4;
        Need(height);
        var x = Margin;
        for (var i = 0; i < cells.Length; i++)
        {
            var cellFont = boldFirst && i == 0 ? _bold : font;
            for (var l = 0; l < wrapped[i].Count; l++)
                Gfx.DrawString(wrapped[i][l], cellFont, Ink, x + 3, _y + 10 + l * 11);
            x += widths[i];
        }
        _y += height;
        Gfx.DrawLine(Rule, Margin, _y, Margin + widths.Sum(), _y);
    }

    /// <summary>Greedy word wrap; words longer than a line (hashes, paths) are cut where they overflow.</summary>
    private IEnumerable<string> Wrap(string text, XFont font, double width)
    {
        foreach (var paragraph in text.Split('\n'))
        {
            var line = "";
            foreach (var word in paragraph.Split(' '))
            {
                var candidate = line.Length == 0 ? word : line + " " + word;
                if (Gfx.MeasureString(candidate, font).Width <= width) { line = candidate; continue; }
                if (line.Length > 0) yield return line;
                line = word;
                while (line.Length > 1 && Gfx.MeasureString(line, font).Width > width)
                {
                    // A long word of letters (a German compound) is cut with a hyphen; a hash or a path is cut as is.
                    var prose = line.All(c => char.IsLetter(c) || c is ',' or '.' or ')' or '(') && !line.All(char.IsAsciiHexDigit);
                    var cut = line.Length - 1;
                    while (cut > 1 && Gfx.MeasureString(line[..cut] + (prose ? "-" : ""), font).Width > width) cut--;
                    // Never leave one or two letters alone on the next line ("Sammlu-ng").
                    if (prose && cut > 4 && line.Length - cut < 3) cut = line.Length - 3;
                    var hyphen = prose && cut > 2 && char.IsLetter(line[cut - 1]) && char.IsLetter(line[cut]);
                    yield return hyphen ? line[..cut] + "-" : line[..cut];
                    line = line[cut..];
                }
            }
            yield return line;
        }
    }

    public void Finish() => _gfx?.Dispose();
}
