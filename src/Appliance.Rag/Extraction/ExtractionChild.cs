using System.Globalization;
using System.Text.Json;
using Appliance.Exec;

namespace Appliance.Rag.Extraction;

/// <summary>
/// The child process's side of <see cref="IsolatedExtractor"/> (`appliance extract FILE …`): reads one
/// file in-process and writes the outcome as JSON to standard output. A refusal with a reason is a
/// normal outcome (exit 0); any other exit means the reader died, and the parent says how.
/// </summary>
public static class ExtractionChild
{
    /// <summary>The exit code when the memory limit (DOTNET_GCHeapHardLimit) was reached.</summary>
    public const int OutOfMemory = 3;

    internal static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    /// <summary>The arguments after the verb that hand the child its file and how to read scans.</summary>
    public static IReadOnlyList<string> Arguments(string path, ScanReader scans) => scans.Available
        ? [path, "--tesseract", scans.Program, "--ocr-languages", scans.Languages,
           "--ocr-page-timeout", ((int)scans.PageTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture)]
        : [path, "--no-ocr", scans.UnavailableReason];

    /// <summary>The scan reader the parent described with <see cref="Arguments"/>.</summary>
    public static ScanReader Scans(string? tesseract, string? languages, int pageTimeoutSeconds, string? noOcr, ICommandRunner runner) =>
        tesseract is not null && languages is not null
            ? ScanReader.Tesseract(tesseract, languages, TimeSpan.FromSeconds(pageTimeoutSeconds), runner)
            : ScanReader.Unavailable(noOcr ?? "no text recognition was set up for this reader");

    /// <returns>the process's exit code</returns>
    public static async Task<int> RunAsync(string path, ScanReader scans, TextWriter output, CancellationToken cancellationToken)
    {
        var catalog = ExtractorCatalog.InProcess(TextRecognition.Always(scans));
        ExtractionOutcome outcome;
        try
        {
            var extractor = catalog.For(path) ?? throw new ExtractionException($"'{Path.GetExtension(path)}' is not a format this reader knows");
            outcome = new ExtractionOutcome(await extractor.ExtractAsync(path, cancellationToken), null);
        }
        catch (Exception e) when (CausedBy<OutOfMemoryException>(e))
        {
            return OutOfMemory;
        }
        catch (ExtractionException e)
        {
            outcome = new ExtractionOutcome(null, e.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            outcome = new ExtractionOutcome(null, $"cannot read file: {e.Message}");
        }
        await output.WriteAsync(JsonSerializer.Serialize(outcome, Json));
        await output.FlushAsync(cancellationToken);
        return 0;
    }

    private static bool CausedBy<T>(Exception? e) where T : Exception =>
        e is T || (e is AggregateException a && a.InnerExceptions.Any(CausedBy<T>)) || (e?.InnerException is { } inner && CausedBy<T>(inner));
}

/// <summary>What the child writes: the document, or the reason it was refused.</summary>
internal sealed record ExtractionOutcome(ExtractedDocument? Document, string? Refused);
