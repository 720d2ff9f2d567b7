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
        var file = new Argument<FileInfo?>("file") { Description = "the document to read", Arity = ArgumentArity.ZeroOrOne };
        var serve = new Option<bool>("--serve") { Description = "read one JSON request per line from standard input, answer each with one line (how the agent runs it)" };
        var tesseract = new Option<string?>("--tesseract") { Description = "absolute path of Tesseract, to read scans" };
        var languages = new Option<string?>("--ocr-languages") { Description = "Tesseract languages joined by '+', e.g. deu+eng" };
        var pageTimeout = new Option<int>("--ocr-page-timeout") { Description = "seconds Tesseract may take per page", DefaultValueFactory = _ => 120 };
        var noOcr = new Option<string?>("--no-ocr") { Description = "why scans cannot be read (becomes the reason a scan is skipped)" };
        var command = new Command(IsolatedExtractor.Verb, """
            Read one document and print its text with pages and headings as JSON (or the reason it
            cannot be read). The agent keeps a few of these running (--serve) and reads every PDF
            in one, under a time and memory limit; by hand it shows what the index gets from a file.
            """) { file, serve, tesseract, languages, pageTimeout, noOcr };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var runner = new Exec.LocalCommandRunner();
            if (parse.GetValue(serve))
            {
                // Console.In reads synchronously under its lock, which would keep the idle exit from firing.
                using var input = new StreamReader(Console.OpenStandardInput(), System.Text.Encoding.UTF8);
                return await ExtractionChild.ServeAsync(input, Console.Out, runner, cancellationToken);
            }
            if (parse.GetValue(file) is not { } path)
            {
                Console.Error.WriteLine("error: name a FILE, or --serve");
                return 2;
            }
            var scans = ExtractionChild.Scans(parse.GetValue(tesseract), parse.GetValue(languages), parse.GetValue(pageTimeout),
                parse.GetValue(noOcr), runner);
            return await ExtractionChild.RunOnceAsync(path.FullName, scans, Console.Out, cancellationToken);
        });
        return command;
    }
}
