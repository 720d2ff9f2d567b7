using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Wordprocessing;

namespace Appliance.SampleDocs;

/// <summary>Renders a source document as a Word file: Title, Heading 1/2 styles, real tables, a page break before every section after the first.</summary>
public static class WordRenderer
{
    public static void Write(SourceDocument source, string path)
    {
        using var document = WordprocessingDocument.Create(path, WordprocessingDocumentType.Document);
        document.PackageProperties.Title = source.Title;
        document.PackageProperties.Creator = "Berger & Partner (fictional sample)";
        var main = document.AddMainDocumentPart();
        AddStyles(main);
        var body = new Body();
        body.Append(StyledParagraph("Title", source.Title));
        var first = true;
        foreach (var section in source.Sections)
        {
            if (!first) body.Append(new Paragraph(new Run(new Break { Type = BreakValues.Page })));
            first = false;
            body.Append(StyledParagraph("Heading1", section.Heading));
            foreach (var block in section.Blocks)
            {
                switch (block)
                {
                    case SourceParagraph p: body.Append(new Paragraph(new Run(new Text(p.Text)))); break;
                    case SourceHeading h: body.Append(StyledParagraph("Heading2", h.Text)); break;
                    case SourceTable t: body.Append(Table(t)); break;
                }
            }
        }
        body.Append(new SectionProperties());
        main.Document = new Document(body);
        main.Document.Save();
    }

    private static Paragraph StyledParagraph(string style, string text) =>
        new(new ParagraphProperties(new ParagraphStyleId { Val = style }), new Run(new Text(text)));

    private static Table Table(SourceTable source)
    {
        var table = new Table(new TableProperties(
            new TableBorders(
                new TopBorder { Val = BorderValues.Single, Size = 4 }, new BottomBorder { Val = BorderValues.Single, Size = 4 },
                new InsideHorizontalBorder { Val = BorderValues.Single, Size = 4 }, new InsideVerticalBorder { Val = BorderValues.Single, Size = 4 })));
        foreach (var row in source.Rows)
            table.Append(new TableRow(row.Select(cell => new TableCell(new Paragraph(new Run(new Text(cell)))))));
        return table;
    }

    private static void AddStyles(MainDocumentPart main)
    {
        var styles = main.AddNewPart<StyleDefinitionsPart>();
        styles.Styles = new Styles(
            Style("Title", "Title", 48, outline: null),
            Style("Heading1", "heading 1", 32, outline: 0),
            Style("Heading2", "heading 2", 26, outline: 1));
        styles.Styles.Save();
    }

    private static Style Style(string id, string name, int halfPoints, int? outline)
    {
        var paragraph = new StyleParagraphProperties(new KeepNext());
        if (outline is { } level) paragraph.Append(new OutlineLevel { Val = level });
        return new Style(
            new StyleName { Val = name },
            new BasedOn { Val = "Normal" },
            new PrimaryStyle(),
            paragraph,
            new StyleRunProperties(new Bold(), new FontSize { Val = halfPoints.ToString() }))
        { Type = StyleValues.Paragraph, StyleId = id };
    }
}
