using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;

namespace Appliance.SampleDocs;

/// <summary>Renders a source document as an Excel workbook: one sheet per section, its table as rows (shared strings, as Excel writes them).</summary>
public static class SpreadsheetRenderer
{
    public static void Write(SourceDocument source, string path)
    {
        using var document = SpreadsheetDocument.Create(path, SpreadsheetDocumentType.Workbook);
        document.PackageProperties.Title = source.Title;
        var workbook = document.AddWorkbookPart();
        workbook.Workbook = new Workbook();
        var sheets = workbook.Workbook.AppendChild(new Sheets());
        var strings = new List<string>();
        uint sheetId = 1;
        foreach (var section in source.Sections)
        {
            var part = workbook.AddNewPart<WorksheetPart>();
            var data = new SheetData();
            uint rowIndex = 1;
            foreach (var table in section.Blocks.OfType<SourceTable>())
                foreach (var row in table.Rows)
                {
                    var cells = row.Select((value, column) => new Cell
                    {
                        CellReference = $"{(char)('A' + column)}{rowIndex}",
                        DataType = CellValues.SharedString,
                        CellValue = new CellValue(Intern(strings, value).ToString()),
                    });
                    data.Append(new Row(cells) { RowIndex = rowIndex++ });
                }
            part.Worksheet = new Worksheet(data);
            sheets.Append(new Sheet { Id = workbook.GetIdOfPart(part), SheetId = sheetId++, Name = section.Heading });
        }
        var shared = workbook.AddNewPart<SharedStringTablePart>();
        shared.SharedStringTable = new SharedStringTable(strings.Select(s => new SharedStringItem(new Text(s))));
        workbook.Workbook.Save();
    }

    private static int Intern(List<string> strings, string value)
    {
        var index = strings.IndexOf(value);
        if (index >= 0) return index;
        strings.Add(value);
        return strings.Count - 1;
    }
}
