using Appliance.Config;
using Appliance.Exec;

namespace Appliance.Rag.Extraction;

/// <summary>
/// Scans saved as images (PNG, JPEG, TIFF with one or many pages): Tesseract reads the file itself,
/// in its own process with a time limit, so no image decoder runs inside the agent. Every page is
/// numbered and its text marked as recognised. HEIC (phone photos of documents) is first converted
/// to PNG by the system's converter, found by absolute path: `sips` on macOS, libheif's
/// `heif-convert` on Debian; without one, HEIC files are skipped saying so.
/// </summary>
public sealed class ImageExtractor(TextRecognition recognition, ICommandRunner runner) : IDocumentExtractor
{
    private static readonly string[] Heic = [".heic", ".heif"];

    public IReadOnlyCollection<string> Extensions { get; } = [".png", ".jpg", ".jpeg", ".tif", ".tiff", .. Heic];

    public Task<ExtractedDocument> ExtractAsync(string path, CancellationToken cancellationToken) =>
        ExtractAsync(path, DocumentLanguage.Auto, cancellationToken);

    public async Task<ExtractedDocument> ExtractAsync(string path, DocumentLanguage language, CancellationToken cancellationToken)
    {
        var scans = await recognition.ForAsync(language, cancellationToken);
        if (!scans.Available) throw new ExtractionException(scans.NotReadable);
        IReadOnlyList<string> pages;
        if (Heic.Contains(Path.GetExtension(path).ToLowerInvariant()))
        {
            var folder = Directory.CreateTempSubdirectory("appliance-heic-").FullName;
            try
            {
                var png = Path.Combine(folder, "photo.png");
                await ConvertAsync(path, png, scans.PageTimeout, cancellationToken);
                pages = await scans.ReadAsync(png, dpi: null, cancellationToken);
            }
            finally
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        else pages = await scans.ReadAsync(path, dpi: null, cancellationToken);
        var blocks = new List<TextBlock>();
        for (var i = 0; i < pages.Count; i++)
            foreach (var paragraph in TextFile.Paragraphs(pages[i].Normalize(System.Text.NormalizationForm.FormKC)))
                blocks.Add(new TextBlock(TextFile.Collapse(paragraph), i + 1, []) { Recognised = true });
        if (blocks.Count == 0) throw new ExtractionException("no text recognised in the image");
        return new ExtractedDocument(TextFile.TitleFromFileName(path), "image", blocks);
    }

    /// <summary>The converters tried, in order: macOS ships sips; Debian's libheif-examples has heif-convert.</summary>
    private static readonly (string Program, Func<string, string, Command> Convert)[] Converters =
    [
        ("/usr/bin/sips", (from, to) => Command.Of("/usr/bin/sips", "-s", "format", "png", from, "--out", to)),
        ("/usr/bin/heif-convert", (from, to) => Command.Of("/usr/bin/heif-convert", from, to)),
    ];

    private async Task ConvertAsync(string heic, string png, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var converter = Converters.FirstOrDefault(c => File.Exists(c.Program));
        if (converter.Program is null)
            throw new ExtractionException("a HEIC photo, and no converter to read it: macOS has /usr/bin/sips; on Debian: apt-get install libheif-examples");
        CommandResult result;
        try
        {
            result = await runner.RunAsync(converter.Convert(heic, png).WithTimeout(timeout), cancellationToken);
        }
        catch (CommandTimedOutException e)
        {
            throw new ExtractionException($"converting the HEIC photo took longer than {timeout.TotalSeconds:0} s", e);
        }
        if (!result.Succeeded || !File.Exists(png))
        {
            var error = (result.StandardError + result.StandardOutput).Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0) ?? $"exit code {result.ExitCode}";
            throw new ExtractionException($"the HEIC photo cannot be read: {Path.GetFileName(converter.Program)} says: {error}");
        }
    }
}
