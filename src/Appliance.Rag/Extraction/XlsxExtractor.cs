using System.Globalization;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;

namespace Appliance.Rag.Extraction;

/// <summary>
/// Spreadsheets: each sheet is a "page" (its number in the workbook) with the sheet name as its
/// section; each row reads "Header: value; Header: value" using the sheet's first row.
/// </summary>
public sealed class XlsxExtractor : IDocumentExtractor
{
    public IReadOnlyCollection<string> Extensions { get; } = [".xlsx"];

    public Task<ExtractedDocument> ExtractAsync(string path, CancellationToken cancellationToken)
    {
        using var package = OfficeArchive.Open(path, p => SpreadsheetDocument.Open(p, false));
        var workbook = package.WorkbookPart ?? throw new ExtractionException("not a valid spreadsheet: no workbook");
        var strings = workbook.SharedStringTablePart?.SharedStringTable?.Elements<SharedStringItem>()
            .Select(s => s.InnerText).ToArray() ?? [];
        var blocks = new List<TextBlock>();
        var number = 0;
        foreach (var sheet in workbook.Workbook.Sheets?.Elements<Sheet>() ?? [])
        {
            number++;
            if (sheet.Id?.Value is not { } id || workbook.GetPartById(id) is not WorksheetPart part) continue;
            var name = sheet.Name?.Value ?? $"Sheet {number}";
            string[]? header = null;
            foreach (var row in part.Worksheet.Descendants<Row>())
            {
                cancellationToken.ThrowIfCancellationRequested();
                var cells = new SortedDictionary<int, string>();
                foreach (var cell in row.Elements<Cell>())
                {
                    var value = CellText(cell, strings);
                    if (value.Length > 0) cells[ColumnIndex(cell.CellReference?.Value)] = value;
                }
                if (cells.Count == 0) continue;
                if (header is null)
                {
                    header = new string[cells.Keys.Max() + 1];
                    foreach (var (column, value) in cells) header[column] = value;
                    blocks.Add(new TextBlock(string.Join(" | ", cells.Values), number, [name]));
                    continue;
                }
                var parts = cells.Select(c => c.Key < header.Length && header[c.Key] is { Length: > 0 } h ? $"{h}: {c.Value}" : c.Value);
                blocks.Add(new TextBlock(string.Join("; ", parts), number, [name]));
            }
        }
        var title = package.PackageProperties.Title;
        return Task.FromResult(new ExtractedDocument(
            string.IsNullOrWhiteSpace(title) ? TextFile.TitleFromFileName(path) : title, "xlsx", blocks));
    }

    private static string CellText(Cell cell, string[] strings)
    {
        var raw = cell.CellValue?.Text ?? cell.InlineString?.InnerText ?? "";
        if (cell.DataType?.Value == CellValues.SharedString
            && int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var index))
            return index >= 0 && index < strings.Length ? TextFile.Collapse(strings[index]) : "";
        return TextFile.Collapse(raw);
    }

    /// <summary>"C7" → 2.</summary>
    private static int ColumnIndex(string? reference)
    {
        var column = 0;
        foreach (var c in reference ?? "")
        {
            if (!char.IsAsciiLetter(c)) break;
            column = column * 26 + (char.ToUpperInvariant(c) - 'A' + 1);
        }
        return Math.Max(0, column - 1);
    }
}
