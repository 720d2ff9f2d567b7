using Appliance.Rag.Chunking;
using Appliance.Rag.Extraction;

namespace Appliance.Rag.Tests;

/// <summary>Every format keeps where its text came from: page, slide or sheet, and heading path.</summary>
[Collection(SampleOfficeCollection.Name)]
public sealed class ExtractionTests(SampleOfficeFixture office)
{
    private readonly ExtractorCatalog _catalog = ExtractorCatalog.Default();

    private async Task<(ExtractedDocument Document, TextBlock Block)> FindAsync(string file, string phrase)
    {
        var path = office.File(file);
        var document = await _catalog.For(path)!.ExtractAsync(path, CancellationToken.None);
        var block = document.Blocks.FirstOrDefault(b => b.Text.Contains(phrase, StringComparison.Ordinal));
        Assert.True(block is not null, $"'{phrase}' not in {file}: {string.Join(" / ", document.Blocks.Select(b => b.Text))}");
        return (document, block!);
    }

    [Fact]
    public async Task Pdf_text_carries_the_page_it_is_printed_on()
    {
        var (document, block) = await FindAsync("handbook/it-security.pdf", "at least 14 characters");
        Assert.Equal("IT security guideline", document.Title);
        Assert.Equal(4, block.Page); // cover, Scope, Phishing, Passwords
        var (_, backups) = await FindAsync("handbook/it-security.pdf", "backed up every night");
        Assert.Equal(6, backups.Page);
    }

    [Fact]
    public async Task Word_paragraphs_carry_heading_path_and_page_and_tables_read_as_rows()
    {
        var (document, row) = await FindAsync("handbook/data-protection.docx", "Invoices and accounting records");
        Assert.Equal("Data protection handbook", document.Title);
        Assert.Equal("Invoices and accounting records | 10 years | § 147 AO", row.Text);
        Assert.Equal("Retention periods", row.SectionPath);
        Assert.Equal(2, row.Page);
        var (_, breach) = await FindAsync("handbook/data-protection.docx", "72 hours");
        Assert.Equal("Data breaches", breach.SectionPath);
        Assert.Equal(4, breach.Page);
    }

    [Fact]
    public async Task Spreadsheet_rows_carry_sheet_number_and_name_and_read_with_their_headers()
    {
        var (_, row) = await FindAsync("handbook/expense-rates.xlsx", "0.30 EUR");
        Assert.Equal("Vehicle: Car; Rate: 0.30 EUR per km", row.Text);
        Assert.Equal(2, row.Page);
        Assert.Equal("Mileage", row.SectionPath);
    }

    [Fact]
    public async Task Slides_carry_slide_number_and_slide_title()
    {
        var (document, block) = await FindAsync("handbook/onboarding.pptx", "building badge");
        Assert.Equal("Welcome to Berger & Partner", document.Title);
        Assert.Equal(4, block.Page);
        Assert.Equal("Your first week", block.SectionPath);
    }

    [Fact]
    public async Task Html_keeps_heading_path_and_drops_navigation_footer_and_scripts()
    {
        var (document, block) = await FindAsync("handbook/expenses.html", "120 EUR per night");
        Assert.Equal("Travel and expenses", document.Title);
        Assert.Equal("Travel and expenses › Travel › Hotels", block.SectionPath);
        Assert.Null(block.Page);
        var all = string.Join("\n", document.Blocks.Select(b => b.Text));
        Assert.DoesNotContain("Canteen menu", all);
        Assert.DoesNotContain("Cookie settings", all);
        Assert.DoesNotContain("analytics", all);
        Assert.Contains(document.Blocks, b => b.Text == "Taxi | always");
    }

    [Fact]
    public async Task Markdown_blocks_carry_their_heading_path()
    {
        var (document, block) = await FindAsync("handbook/leave-policy.md", "medical certificate");
        Assert.Equal("Leave policy", document.Title);
        Assert.Equal("Leave policy › Sick leave", block.SectionPath);
        var (_, children) = await FindAsync("handbook/leave-policy.md", "sick child");
        Assert.Equal("Leave policy › Sick leave › Sick children", children.SectionPath);
    }

    [Fact]
    public async Task Csv_rows_read_with_their_headers_and_quoted_commas_stay_in_the_cell()
    {
        var (_, row) = await FindAsync("handbook/office-closures.csv", "Epiphany");
        Assert.Equal("Date: 2027-01-06; Closure: Epiphany: office closed, court deadlines handled by the on-call lawyer; Emergency contact: Tobias Koch", row.Text);
    }

    [Fact]
    public async Task Plain_text_takes_its_first_line_as_title()
    {
        var (document, block) = await FindAsync("handbook/office-contacts.txt", "0800 555 0199");
        Assert.Equal("Office contacts", document.Title);
        Assert.Null(block.Page);
    }

    [Fact]
    public async Task Utf16_text_from_windows_editors_is_read_and_latin1_prose_is_accepted()
    {
        var folder = Directory.CreateTempSubdirectory("encodings").FullName;
        var utf16 = Path.Combine(folder, "notes.txt");
        await File.WriteAllTextAsync(utf16, "Büroschlüssel\n\nDer Schlüssel liegt am Empfang.", System.Text.Encoding.Unicode);
        var latin1 = Path.Combine(folder, "old.txt");
        await File.WriteAllBytesAsync(latin1, System.Text.Encoding.Latin1.GetBytes("Grüße\n\nDie Kantine öffnet um 12 Uhr."));
        var first = await new PlainTextExtractor().ExtractAsync(utf16, CancellationToken.None);
        Assert.Equal(("Büroschlüssel", "Der Schlüssel liegt am Empfang."), (first.Title, first.Blocks[1].Text));
        var second = await new PlainTextExtractor().ExtractAsync(latin1, CancellationToken.None);
        Assert.Equal("Die Kantine öffnet um 12 Uhr.", second.Blocks[1].Text);
    }

    [Fact]
    public async Task Chunk_offsets_point_at_the_chunk_text_in_the_document_text()
    {
        foreach (var file in office.Files)
        {
            var path = office.File(file);
            var document = await _catalog.For(path)!.ExtractAsync(path, CancellationToken.None);
            var text = Chunker.DocumentText(document, out _);
            var chunks = new Chunker(new EstimatedTokenCounter(), 64, 8).Split(document);
            Assert.NotEmpty(chunks);
            foreach (var chunk in chunks)
                Assert.Equal(text[chunk.StartChar..chunk.EndChar], chunk.Text);
        }
    }
}
