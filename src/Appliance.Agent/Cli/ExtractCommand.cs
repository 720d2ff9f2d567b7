using System.CommandLine;
using Appliance.Rag.Extraction;

namespace Appliance.Agent.Cli;

/// <summary>
/// `appliance extract FILE`: the child process the agent and `appliance ingest` read each PDF in, so a
/// file built to crash or exhaust a parser takes only this process down (see <see cref="IsolatedExtractor"/>).
/// </summary>
internal static class ExtractCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("file") { Description = "the document to read" };
        var tesseract = new Option<string?>("--tesseract") { Description = "absolute path of Tesseract, to read scans" };
        var languages = new Option<string?>("--ocr-languages") { Description = "Tesseract languages joined by '+', e.g. deu+eng" };
        var pageTimeout = new Option<int>("--ocr-page-timeout") { Description = "seconds Tesseract may take per page", DefaultValueFactory = _ => 120 };
        var noOcr = new Option<string?>("--no-ocr") { Description = "why scans cannot be read (becomes the reason a scan is skipped)" };
        var command = new Command(IsolatedExtractor.Verb, """
            Read one document and print its text with pages and headings as JSON (or the reason it
            cannot be read). The agent runs this as a child process with a time and memory limit for
            every PDF; it is not needed by hand, but shows what the index would get from a file.
            """) { file, tesseract, languages, pageTimeout, noOcr };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var scans = ExtractionChild.Scans(parse.GetValue(tesseract), parse.GetValue(languages), parse.GetValue(pageTimeout),
                parse.GetValue(noOcr), new Exec.LocalCommandRunner());
            return await ExtractionChild.RunAsync(parse.GetValue(file)!.FullName, scans, Console.Out, cancellationToken);
        });
        return command;
    }
}
