using Appliance.Exec;

namespace Appliance.Rag.Extraction;

/// <summary>
/// PDF through poppler's `pdftotext`: it separates pages with form feeds, which is where the page
/// numbers in citations come from. `pdfinfo` supplies the title and tells encrypted files apart.
/// </summary>
/// <param name="pdftotext">the program to run (e.g. a Homebrew path on the Mac)</param>
public sealed class PdfExtractor(ICommandRunner runner, string pdftotext = "pdftotext", string pdfinfo = "pdfinfo") : IDocumentExtractor
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    public IReadOnlyCollection<string> Extensions { get; } = [".pdf"];

    public async Task<ExtractedDocument> ExtractAsync(string path, CancellationToken cancellationToken)
    {
        var info = await RunAsync(Command.Of(pdfinfo, path).WithTimeout(Timeout), cancellationToken);
        if (!info.Succeeded) throw new ExtractionException(Reason(info));
        var fields = info.StandardOutput.Split('\n')
            .Select(line => line.Split(':', 2))
            .Where(pair => pair.Length == 2)
            .GroupBy(pair => pair[0].Trim())
            .ToDictionary(g => g.Key, g => g.First()[1].Trim());

        var text = await RunAsync(Command.Of(pdftotext, "-enc", "UTF-8", "-eol", "unix", path, "-").WithTimeout(Timeout), cancellationToken);
        if (!text.Succeeded) throw new ExtractionException(Reason(text));

        var pages = text.StandardOutput.Split('\f');
        var blocks = new List<TextBlock>();
        for (var i = 0; i < pages.Length; i++)
            foreach (var paragraph in TextFile.Paragraphs(pages[i]))
                blocks.Add(new TextBlock(TextFile.Collapse(paragraph), i + 1, []));
        if (blocks.Count == 0)
            throw new ExtractionException("the PDF holds no text (a scan without OCR, or damaged)");

        var title = fields.GetValueOrDefault("Title");
        if (string.IsNullOrWhiteSpace(title)) title = TextFile.TitleFromFileName(path);
        return new ExtractedDocument(title, "pdf", blocks);
    }

    private async Task<CommandResult> RunAsync(Command command, CancellationToken cancellationToken)
    {
        try
        {
            return await runner.RunAsync(command, cancellationToken);
        }
        catch (CommandNotFoundException e)
        {
            throw new ExtractionException(
                $"cannot read PDFs: `{command.Program}` is not installed (Debian: apt-get install poppler-utils; macOS: brew install poppler)", e);
        }
        catch (CommandTimedOutException e)
        {
            throw new ExtractionException($"`{command.Program}` took longer than {Timeout.TotalMinutes:0} minutes on this PDF", e);
        }
    }

    private static string Reason(CommandResult result)
    {
        var error = result.StandardError.Trim();
        if (error.Contains("password", StringComparison.OrdinalIgnoreCase) || error.Contains("encrypt", StringComparison.OrdinalIgnoreCase))
            return "the PDF is encrypted (password-protected); save an unprotected copy to index it";
        var firstLine = error.Split('\n').FirstOrDefault(l => l.Trim().Length > 0) ?? $"exit code {result.ExitCode}";
        return $"damaged PDF: {result.Command.Program} says: {firstLine.Trim()}";
    }
}
