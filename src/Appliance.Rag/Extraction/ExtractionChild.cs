using System.Text.Json;
using Appliance.Exec;

namespace Appliance.Rag.Extraction;

/// <summary>
/// The child process's side of <see cref="IsolatedExtractor"/>: `appliance extract --serve` reads one
/// request per line from standard input and answers each with one line of JSON — the document, or
/// the reason it was refused. Refusals are normal answers; a crash ends the process and the parent
/// says how. `appliance extract FILE` reads one file the same way, for a person to look at.
/// </summary>
public static class ExtractionChild
{
    /// <summary>The exit code when the memory limit (DOTNET_GCHeapHardLimit) was reached.</summary>
    public const int OutOfMemory = 3;

    /// <summary>A worker nobody asked for this long exits; the parent starts another when it needs one.</summary>
    public static readonly TimeSpan IdleExit = TimeSpan.FromSeconds(60);

    /// <summary>The first line a worker writes, once it can take requests: the time limit counts from then.</summary>
    public const string Ready = "ready";

    internal static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    /// <summary>One file to read and how to read its scans, as the parent resolved it for the collection.</summary>
    public static ExtractionRequest Request(string path, ScanReader scans) => scans.Available
        ? new(path, scans.Program, scans.Languages, (int)scans.PageTimeout.TotalSeconds, null)
        : new(path, null, null, 0, scans.UnavailableReason);

    /// <summary>The scan reader a request describes.</summary>
    public static ScanReader Scans(string? tesseract, string? languages, int pageTimeoutSeconds, string? noOcr, ICommandRunner runner) =>
        tesseract is not null && languages is not null
            ? ScanReader.Tesseract(tesseract, languages, TimeSpan.FromSeconds(pageTimeoutSeconds), runner)
            : ScanReader.Unavailable(noOcr ?? "no text recognition was set up for this reader");

    /// <summary>Answers requests until standard input closes (the parent is gone) or none comes for <see cref="IdleExit"/>.</summary>
    /// <returns>the process's exit code</returns>
    public static async Task<int> ServeAsync(TextReader input, TextWriter output, ICommandRunner runner, CancellationToken cancellationToken)
    {
        await output.WriteLineAsync(Ready);
        await output.FlushAsync(cancellationToken);
        while (true)
        {
            string? line;
            try
            {
                line = await input.ReadLineAsync(cancellationToken).AsTask().WaitAsync(IdleExit, cancellationToken);
            }
            catch (TimeoutException)
            {
                return 0;
            }
            if (line is null) return 0;
            var request = JsonSerializer.Deserialize<ExtractionRequest>(line, Json)
                ?? throw new InvalidDataException("an empty extraction request");
            var scans = Scans(request.Tesseract, request.OcrLanguages, request.OcrPageTimeoutSeconds, request.NoOcr, runner);
            if (await ReadAsync(request.Path, scans, cancellationToken) is not { } outcome) return OutOfMemory;
            await output.WriteLineAsync(JsonSerializer.Serialize(outcome, Json));
            await output.FlushAsync(cancellationToken);
        }
    }

    /// <summary>One file, answered with one line.</summary>
    public static async Task<int> RunOnceAsync(string path, ScanReader scans, TextWriter output, CancellationToken cancellationToken)
    {
        if (await ReadAsync(path, scans, cancellationToken) is not { } outcome) return OutOfMemory;
        await output.WriteLineAsync(JsonSerializer.Serialize(outcome, Json));
        await output.FlushAsync(cancellationToken);
        return 0;
    }

    /// <returns>null when the memory limit was reached: the process should end, its heap is spent</returns>
    private static async Task<ExtractionOutcome?> ReadAsync(string path, ScanReader scans, CancellationToken cancellationToken)
    {
        var catalog = ExtractorCatalog.InProcess(TextRecognition.Always(scans));
        try
        {
            var extractor = catalog.For(path) ?? throw new ExtractionException($"'{Path.GetExtension(path)}' is not a format this reader knows");
            return new ExtractionOutcome(await extractor.ExtractAsync(path, cancellationToken), null);
        }
        catch (Exception e) when (CausedBy<OutOfMemoryException>(e))
        {
            return null;
        }
        catch (ExtractionException e)
        {
            return new ExtractionOutcome(null, e.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new ExtractionOutcome(null, $"cannot read file: {e.Message}");
        }
    }

    private static bool CausedBy<T>(Exception? e) where T : Exception =>
        e is T || (e is AggregateException a && a.InnerExceptions.Any(CausedBy<T>)) || (e?.InnerException is { } inner && CausedBy<T>(inner));
}

/// <summary>What the parent asks a worker: the file, and Tesseract with its languages — or why scans cannot be read.</summary>
public sealed record ExtractionRequest(string Path, string? Tesseract, string? OcrLanguages, int OcrPageTimeoutSeconds, string? NoOcr);

/// <summary>What the child answers: the document, or the reason it was refused.</summary>
internal sealed record ExtractionOutcome(ExtractedDocument? Document, string? Refused);
