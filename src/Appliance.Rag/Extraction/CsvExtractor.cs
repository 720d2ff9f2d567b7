using System.Text;

namespace Appliance.Rag.Extraction;

/// <summary>CSV: every row as "Header: value; Header: value" so a row reads on its own in a citation.</summary>
public sealed class CsvExtractor : IDocumentExtractor
{
    public IReadOnlyCollection<string> Extensions { get; } = [".csv", ".tsv"];

    public async Task<ExtractedDocument> ExtractAsync(string path, CancellationToken cancellationToken)
    {
        var text = await TextFile.ReadAsync(path, cancellationToken);
        var separator = Path.GetExtension(path).Equals(".tsv", StringComparison.OrdinalIgnoreCase) ? '\t' : Sniff(text);
        var rows = Parse(text, separator).Where(r => r.Any(c => c.Length > 0)).ToList();
        var blocks = new List<TextBlock>();
        if (rows.Count == 0) return new ExtractedDocument(TextFile.TitleFromFileName(path), "csv", blocks);
        var header = rows[0];
        foreach (var row in rows.Skip(1))
        {
            var cells = row.Select((value, i) => i < header.Count && header[i].Length > 0 ? $"{header[i]}: {value}" : value)
                .Where((value, i) => row[i].Length > 0);
            blocks.Add(new TextBlock(string.Join("; ", cells), null, []));
        }
        if (rows.Count == 1) blocks.Add(new TextBlock(string.Join("; ", header), null, []));
        return new ExtractedDocument(TextFile.TitleFromFileName(path), "csv", blocks);
    }

    private static char Sniff(string text)
    {
        var firstLine = text.AsSpan(0, Math.Max(0, text.IndexOf('\n') is var n and >= 0 ? n : text.Length));
        return firstLine.Count(';') > firstLine.Count(',') ? ';' : ',';
    }

    /// <summary>RFC 4180: quoted fields may hold separators, doubled quotes and line breaks.</summary>
    internal static IEnumerable<List<string>> Parse(string text, char separator)
    {
        var row = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else field.Append(c);
            }
            else if (c == '"' && field.Length == 0) quoted = true;
            else if (c == separator) { row.Add(field.ToString().Trim()); field.Clear(); }
            else if (c == '\n')
            {
                row.Add(field.ToString().Trim());
                field.Clear();
                yield return row;
                row = [];
            }
            else field.Append(c);
        }
        if (field.Length > 0 || row.Count > 0)
        {
            row.Add(field.ToString().Trim());
            yield return row;
        }
    }
}
