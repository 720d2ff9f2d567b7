using Appliance.Config;

namespace Appliance.Rag.Extraction;

/// <summary>Turns one file format into text with locations.</summary>
public interface IDocumentExtractor
{
    /// <summary>Lower-case file extensions with the dot, e.g. ".docx".</summary>
    IReadOnlyCollection<string> Extensions { get; }

    /// <exception cref="ExtractionException">the file is corrupt, hostile or unsupported.</exception>
    Task<ExtractedDocument> ExtractAsync(string path, CancellationToken cancellationToken);

    /// <summary>
    /// The same, for a collection whose documents are written in <paramref name="language"/>: formats
    /// that read scans recognise them in it; the others have no use for it.
    /// </summary>
    Task<ExtractedDocument> ExtractAsync(string path, DocumentLanguage language, CancellationToken cancellationToken) =>
        ExtractAsync(path, cancellationToken);
}
