using Appliance.Config;

namespace Appliance.Rag.Extraction;

/// <summary>
/// Scans saved as images (PNG, JPEG, TIFF with one or many pages): Tesseract reads the file itself,
/// in its own process with a time limit, so no image decoder runs inside the agent. Every page is
/// numbered and its text marked as recognised.
/// </summary>
public sealed class ImageExtractor(TextRecognition recognition) : IDocumentExtractor
{
    public IReadOnlyCollection<string> Extensions { get; } = [".png", ".jpg", ".jpeg", ".tif", ".tiff"];

    public Task<ExtractedDocument> ExtractAsync(string path, CancellationToken cancellationToken) =>
        ExtractAsync(path, DocumentLanguage.Auto, cancellationToken);

    public async Task<ExtractedDocument> ExtractAsync(string path, DocumentLanguage language, CancellationToken cancellationToken)
    {
        var scans = await recognition.ForAsync(language, cancellationToken);
        if (!scans.Available) throw new ExtractionException(scans.NotReadable);
        var pages = await scans.ReadAsync(path, dpi: null, cancellationToken);
        var blocks = new List<TextBlock>();
        for (var i = 0; i < pages.Count; i++)
            foreach (var paragraph in TextFile.Paragraphs(pages[i].Normalize(System.Text.NormalizationForm.FormKC)))
                blocks.Add(new TextBlock(TextFile.Collapse(paragraph), i + 1, []) { Recognised = true });
        if (blocks.Count == 0) throw new ExtractionException("no text recognised in the image");
        return new ExtractedDocument(TextFile.TitleFromFileName(path), "image", blocks);
    }
}
