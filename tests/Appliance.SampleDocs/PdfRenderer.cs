using PdfSharp.Drawing;
using PdfSharp.Fonts;
using PdfSharp.Pdf;

namespace Appliance.SampleDocs;

/// <summary>Renders a source document as a PDF where every section starts on a new page (page 1 is the title page).</summary>
public static class PdfRenderer
{
    private const double Margin = 60;

    public static void Write(SourceDocument source, string path)
    {
        GlobalFontSettings.FontResolver ??= new SystemFontResolver();
        using var pdf = new PdfDocument();
        pdf.Info.Title = source.Title;
        pdf.Info.Author = "Berger & Partner (fictional sample)";
        var titleFont = new XFont("DejaVu Sans", 22, XFontStyleEx.Bold);
        var headingFont = new XFont("DejaVu Sans", 15, XFontStyleEx.Bold);
        var bodyFont = new XFont("DejaVu Sans", 10.5);

        var cover = pdf.AddPage();
        using (var g = XGraphics.FromPdfPage(cover))
            g.DrawString(source.Title, titleFont, XBrushes.Black, new XPoint(Margin, 140));

        foreach (var section in source.Sections)
        {
            var page = pdf.AddPage();
            using var g = XGraphics.FromPdfPage(page);
            var y = Margin + 20;
            g.DrawString(section.Heading, headingFont, XBrushes.Black, new XPoint(Margin, y));
            y += 30;
            foreach (var block in section.Blocks)
            {
                var text = block switch
                {
                    SourceParagraph p => p.Text,
                    SourceHeading h => h.Text,
                    SourceTable t => string.Join("\n", t.Rows.Select(r => string.Join("   ", r))),
                    _ => "",
                };
                foreach (var line in text.Split('\n').SelectMany(l => Wrap(g, l, bodyFont, page.Width.Point - 2 * Margin)))
                {
                    g.DrawString(line, bodyFont, XBrushes.Black, new XPoint(Margin, y));
                    y += 15;
                }
                y += 10;
            }
        }
        pdf.Save(path);
    }

    private static IEnumerable<string> Wrap(XGraphics g, string text, XFont font, double width)
    {
        var line = "";
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = line.Length == 0 ? word : line + " " + word;
            if (line.Length > 0 && g.MeasureString(candidate, font).Width > width)
            {
                yield return line;
                line = word;
            }
            else line = candidate;
        }
        if (line.Length > 0) yield return line;
    }

    /// <summary>DejaVu from the system's font folder (Debian: fonts-dejavu-core), for every family asked for.</summary>
    internal sealed class SystemFontResolver : IFontResolver
    {
        private static readonly string[] Folders = ["/usr/share/fonts/truetype/dejavu", "/Library/Fonts", "/System/Library/Fonts/Supplemental"];

        public FontResolverInfo ResolveTypeface(string familyName, bool bold, bool italic) =>
            new(bold ? "DejaVuSans-Bold" : "DejaVuSans");

        public byte[] GetFont(string faceName)
        {
            foreach (var folder in Folders)
            {
                var file = Path.Combine(folder, faceName + ".ttf");
                if (File.Exists(file)) return File.ReadAllBytes(file);
            }
            throw new FileNotFoundException(
                $"font {faceName}.ttf not found in {string.Join(", ", Folders)} (Debian: apt-get install fonts-dejavu-core)");
        }
    }
}
