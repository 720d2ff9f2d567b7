using Appliance.Exec;

namespace Appliance.Rag.Extraction;

/// <summary>Which extractor reads which file extension.</summary>
public sealed class ExtractorCatalog
{
    private readonly Dictionary<string, IDocumentExtractor> _byExtension = new(StringComparer.OrdinalIgnoreCase);

    public ExtractorCatalog(IEnumerable<IDocumentExtractor> extractors)
    {
        foreach (var extractor in extractors)
            foreach (var extension in extractor.Extensions)
                _byExtension[extension] = extractor;
    }

    /// <summary>Every format the appliance reads; PDF goes through poppler's pdftotext.</summary>
    public static ExtractorCatalog Default(ICommandRunner? runner = null) => new(
    [
        new PlainTextExtractor(),
        new MarkdownExtractor(),
        new HtmlExtractor(),
        new CsvExtractor(),
        new DocxExtractor(),
        new XlsxExtractor(),
        new PptxExtractor(),
        new PdfExtractor(runner ?? new LocalCommandRunner()),
    ]);

    public IReadOnlyCollection<string> Extensions => _byExtension.Keys;

    public IDocumentExtractor? For(string path) =>
        _byExtension.GetValueOrDefault(Path.GetExtension(path));
}
