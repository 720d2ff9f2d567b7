using System.Globalization;
using System.Text.Json;
using Appliance.Config;
using Appliance.Exec;

namespace Appliance.Rag.Extraction;

/// <summary>
/// Reads a file in a child process of the appliance's own program (`appliance extract FILE …`) with
/// a time limit and a memory limit, so a file built to break a parser — a stack overflow, a
/// decompression bomb, an endless loop — fails alone, with a reason, and the agent carries on.
/// Costs one process start per file (about 0.2 s), small beside parsing and OCR.
/// </summary>
/// <param name="program">how to start the appliance's program: the published executable, or `dotnet appliance.dll`</param>
/// <param name="extensions">the formats read this way</param>
public sealed class IsolatedExtractor(Command program, IReadOnlyCollection<string> extensions, TextRecognition recognition,
    ExtractionLimits limits, ICommandRunner runner) : IDocumentExtractor
{
    public const string Verb = "extract";

    public IReadOnlyCollection<string> Extensions => extensions;

    public Task<ExtractedDocument> ExtractAsync(string path, CancellationToken cancellationToken) =>
        ExtractAsync(path, DocumentLanguage.Auto, cancellationToken);

    public async Task<ExtractedDocument> ExtractAsync(string path, DocumentLanguage language, CancellationToken cancellationToken)
    {
        var scans = await recognition.ForAsync(language, cancellationToken);
        var command = program.AddArguments([Verb, .. ExtractionChild.Arguments(Path.GetFullPath(path), scans)])
            .WithTimeout(TimeSpan.FromSeconds(limits.TimeoutSeconds))
            // The managed heap is all a PDF can fill (the parser is managed code); past this the child gets OutOfMemoryException.
            .WithEnvironment("DOTNET_GCHeapHardLimit", "0x" + (limits.MemoryMb * 1024L * 1024L).ToString("X", CultureInfo.InvariantCulture))
            // A file's reader never needs the server GC's heap per core.
            .WithEnvironment("DOTNET_gcServer", "0");
        CommandResult result;
        try
        {
            result = await runner.RunAsync(command, cancellationToken);
        }
        catch (CommandTimedOutException e)
        {
            throw new ExtractionException($"reading it took longer than {limits.TimeoutSeconds} s (rag.extraction.timeout_seconds); the reader was stopped", e);
        }
        catch (CommandNotFoundException e)
        {
            throw new ExtractionException($"the reader process cannot be started ({e.Message})", e);
        }
        if (!result.Succeeded)
        {
            if (result.ExitCode == ExtractionChild.OutOfMemory || result.StandardError.Contains("OutOfMemoryException", StringComparison.Ordinal))
                throw new ExtractionException($"reading it needs more than {limits.MemoryMb} MB of memory (rag.extraction.memory_mb): " +
                                              "built to exhaust a reader (a decompression bomb), or far too large; the reader was stopped");
            if (result.StandardError.Contains("Stack overflow", StringComparison.Ordinal))
                throw new ExtractionException("the reader crashed on it (stack overflow): nested far deeper than any real document, built to break a parser or badly damaged");
            throw new ExtractionException($"the reader crashed on it (exit code {result.ExitCode}): {LastLine(result.StandardError)}");
        }
        ExtractionOutcome? outcome;
        try
        {
            outcome = JsonSerializer.Deserialize<ExtractionOutcome>(result.StandardOutput, ExtractionChild.Json);
        }
        catch (JsonException e)
        {
            throw new ExtractionException($"the reader's answer could not be understood ({e.Message})", e);
        }
        return outcome switch
        {
            { Document: { } document } => document,
            { Refused: { } reason } => throw new ExtractionException(reason),
            _ => throw new ExtractionException("the reader answered nothing"),
        };
    }

    private static string LastLine(string error) =>
        error.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.Length > 0) ?? "no message";
}
