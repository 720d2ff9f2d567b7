using Appliance.Rag.Extraction;

namespace Appliance.Rag.Tests;

/// <summary>The nesting guards stop parser-stalling files and let sloppy but ordinary ones through.</summary>
public sealed class NestingLimitTests
{
    [Fact]
    public void Html_that_leaves_paragraphs_list_items_and_cells_open_is_not_counted_as_deep()
    {
        var sloppy = "<html><body><table>" + string.Concat(Enumerable.Repeat("<tr><td>cell<td>cell", 5000)) + "</table><ul>"
                     + string.Concat(Enumerable.Repeat("<li>item<p>para<br>", 5000)) + "</ul><!-- <div><div><div> --></body></html>";
        Assert.Equal(1, HtmlNesting.Depth(sloppy)); // table, then ul beside it; open cells, items, comments and br do not count
        Assert.Equal(3, HtmlNesting.Depth("<div><section><div/><span>x</span><script>if (a<b) { '<div><div>' }</script></section></div>"));
    }

    [Fact]
    public async Task Html_nested_past_the_limit_is_refused_before_parsing_and_ordinary_nesting_is_read()
    {
        var folder = Directory.CreateTempSubdirectory("nesting").FullName;
        try
        {
            var deep = Path.Combine(folder, "deep.html");
            await File.WriteAllTextAsync(deep, string.Concat(Enumerable.Repeat("<div>", HtmlNesting.Limit + 1)) + "x");
            var error = await Assert.ThrowsAsync<ExtractionException>(() => new HtmlExtractor().ExtractAsync(deep, CancellationToken.None));
            Assert.Contains("nested more than", error.Message);

            var fine = Path.Combine(folder, "fine.html");
            await File.WriteAllTextAsync(fine, "<title>Fine</title>" + string.Concat(Enumerable.Repeat("<div>", 200)) + "<p>wombat</p>");
            var document = await new HtmlExtractor().ExtractAsync(fine, CancellationToken.None);
            Assert.Contains(document.Blocks, b => b.Text == "wombat");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData(300, false)]
    [InlineData(30, true)]
    public async Task Markdown_lists_nested_past_the_limit_are_refused(int depth, bool readable)
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("nesting").FullName, "lists.md");
        await File.WriteAllTextAsync(file, "# Lists\n\n" + string.Concat(Enumerable.Range(0, depth).Select(i => new string(' ', 2 * i) + "- item\n")) + "\nwombat\n");
        var extract = new MarkdownExtractor().ExtractAsync(file, CancellationToken.None);
        if (readable) Assert.Contains((await extract).Blocks, b => b.Text.Contains("wombat"));
        else Assert.Contains("nested more than", (await Assert.ThrowsAsync<ExtractionException>(() => extract)).Message);
    }
}
