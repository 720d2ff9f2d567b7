namespace Appliance.SampleDocs;

/// <summary>A block of a source section: a paragraph, a sub-heading or a table.</summary>
public abstract record SourceBlock;
public sealed record SourceParagraph(string Text) : SourceBlock;
public sealed record SourceHeading(string Text) : SourceBlock;
public sealed record SourceTable(IReadOnlyList<IReadOnlyList<string>> Rows) : SourceBlock;

/// <summary>A `##` section: what becomes a PDF page, a Word section, a sheet or a slide.</summary>
public sealed record SourceSection(string Heading, IReadOnlyList<SourceBlock> Blocks);

/// <summary>
/// The small Markdown subset the sample sources use: `#` title, `##` sections, `###` sub-headings,
/// paragraphs, and tables written as `| a | b |` lines.
/// </summary>
public sealed record SourceDocument(string Title, IReadOnlyList<SourceSection> Sections)
{
    public static SourceDocument Parse(string text)
    {
        var title = "";
        var sections = new List<SourceSection>();
        string? heading = null;
        var blocks = new List<SourceBlock>();
        var paragraph = new List<string>();
        var table = new List<IReadOnlyList<string>>();

        void FlushText()
        {
            if (paragraph.Count > 0) blocks.Add(new SourceParagraph(string.Join(' ', paragraph)));
            paragraph.Clear();
            if (table.Count > 0) blocks.Add(new SourceTable([.. table]));
            table.Clear();
        }
        void FlushSection()
        {
            FlushText();
            if (heading is not null) sections.Add(new SourceSection(heading, [.. blocks]));
            blocks.Clear();
        }

        foreach (var raw in text.Replace("\r\n", "\n").Split('\n'))
        {
            var line = raw.Trim();
            if (line.StartsWith("### ")) { FlushText(); blocks.Add(new SourceHeading(line[4..])); }
            else if (line.StartsWith("## ")) { FlushSection(); heading = line[3..]; }
            else if (line.StartsWith("# ")) title = line[2..];
            else if (line.StartsWith('|'))
            {
                if (paragraph.Count > 0) FlushText();
                table.Add([.. line.Trim('|').Split('|').Select(c => c.Trim())]);
            }
            else if (line.Length == 0) FlushText();
            else paragraph.Add(line);
        }
        FlushSection();
        return new SourceDocument(title, sections);
    }
}
