namespace Appliance.Rag.Extraction;

/// <summary>Plain text: paragraphs separated by blank lines; form feeds start a new page.</summary>
public sealed class PlainTextExtractor : IDocumentExtractor
{
    public IReadOnlyCollection<string> Extensions { get; } = [".txt", ".text", ".log"];

    public async Task<ExtractedDocument> ExtractAsync(string path, CancellationToken cancellationToken)
    {
        var text = await TextFile.ReadAsync(path, cancellationToken);
        var pages = text.Split('\f');
        var blocks = new List<TextBlock>();
        for (var i = 0; i < pages.Length; i++)
            foreach (var paragraph in TextFile.Paragraphs(pages[i]))
                blocks.Add(new TextBlock(paragraph, pages.Length > 1 ? i + 1 : null, []));
        var firstLine = blocks.Count > 0 ? blocks[0].Text.Split('\n')[0].Trim() : "";
        var title = firstLine.Length is > 0 and <= 100 ? firstLine : TextFile.TitleFromFileName(path);
        return new ExtractedDocument(title, "text", blocks);
    }
}
