using Appliance.Config;
using Appliance.Exec;

namespace Appliance.Rag.Extraction;

/// <summary>Which extractor reads which file extension.</summary>
public sealed class ExtractorCatalog
{
    /// <summary>Formats whose parsers run in a child process when the catalog is <see cref="Isolated"/>.</summary>
    public static readonly IReadOnlyCollection<string> UntrustedParsers = [".pdf"];

    private readonly Dictionary<string, IDocumentExtractor> _byExtension = new(StringComparer.OrdinalIgnoreCase);

    public ExtractorCatalog(IEnumerable<IDocumentExtractor> extractors)
    {
        foreach (var extractor in extractors)
            foreach (var extension in extractor.Extensions)
                _byExtension[extension] = extractor;
    }

    /// <summary>Every format the appliance reads, all in this process; scans only when <paramref name="recognition"/> can read them.</summary>
    public static ExtractorCatalog InProcess(TextRecognition? recognition = null, ICommandRunner? runner = null) => new(
    [
        new PlainTextExtractor(),
        new MarkdownExtractor(),
        new HtmlExtractor(),
        new CsvExtractor(),
        new DocxExtractor(),
        new XlsxExtractor(),
        new PptxExtractor(),
        new PdfExtractor(recognition ?? TextRecognition.None),
        new ImageExtractor(recognition ?? TextRecognition.None, runner ?? new LocalCommandRunner()),
    ]);

    /// <summary>Every format, with scans read as <paramref name="rag"/> says, in this process: for tests, the bench and tools.</summary>
    public static ExtractorCatalog Default(RagSettings? rag = null, ICommandRunner? runner = null)
    {
        runner ??= new LocalCommandRunner();
        return InProcess(TextRecognition.From((rag ?? new RagSettings()).Ocr, runner), runner);
    }

    /// <summary>
    /// What the agent and `appliance ingest` use: PDFs are parsed in a child process started with
    /// <paramref name="program"/> under the limits of rag.extraction; the rest as <see cref="Default"/>.
    /// </summary>
    public static ExtractorCatalog Isolated(RagSettings rag, Command program, ICommandRunner? runner = null)
    {
        runner ??= new LocalCommandRunner();
        var recognition = TextRecognition.From(rag.Ocr, runner);
        var inProcess = InProcess(recognition, runner);
        return new([.. inProcess._byExtension.Values.Distinct(),
            new IsolatedExtractor(program, UntrustedParsers, recognition, rag.Extraction)]);
    }

    public IReadOnlyCollection<string> Extensions => _byExtension.Keys;

    public IDocumentExtractor? For(string path) =>
        _byExtension.GetValueOrDefault(Path.GetExtension(path));
}
