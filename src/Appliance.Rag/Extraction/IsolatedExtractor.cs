using Appliance.Config;
using Appliance.Exec;

namespace Appliance.Rag.Extraction;

/// <summary>
/// Reads files in child processes of the appliance's own program (`appliance extract --serve`,
/// see <see cref="ExtractionWorkers"/>) with a time limit and a memory limit, so a file built to
/// break a parser — a stack overflow, a decompression bomb, an endless loop — fails alone, with a
/// reason, and the agent carries on.
/// </summary>
/// <param name="program">how to start the appliance's program: the published executable, or `dotnet appliance.dll`</param>
/// <param name="extensions">the formats read this way</param>
public sealed class IsolatedExtractor(Command program, IReadOnlyCollection<string> extensions, TextRecognition recognition,
    ExtractionLimits limits) : IDocumentExtractor
{
    public const string Verb = "extract";

    private readonly ExtractionWorkers _workers = new(program, limits);

    public IReadOnlyCollection<string> Extensions => extensions;

    public Task<ExtractedDocument> ExtractAsync(string path, CancellationToken cancellationToken) =>
        ExtractAsync(path, DocumentLanguage.Auto, cancellationToken);

    public async Task<ExtractedDocument> ExtractAsync(string path, DocumentLanguage language, CancellationToken cancellationToken)
    {
        var scans = await recognition.ForAsync(language, cancellationToken);
        var answer = await _workers.ReadAsync(ExtractionChild.Request(Path.GetFullPath(path), scans), cancellationToken);
        return answer switch
        {
            WorkerAnswer.Read { Outcome.Document: { } document } => document,
            WorkerAnswer.Read { Outcome.Refused: { } reason } => throw new ExtractionException(reason),
            WorkerAnswer.Read => throw new ExtractionException("the reader answered nothing"),
            WorkerAnswer.TimedOut => throw new ExtractionException(
                $"reading it took longer than {limits.TimeoutSeconds} s (rag.extraction.timeout_seconds); the reader was stopped"),
            WorkerAnswer.Died died => throw new ExtractionException(Reason(died)),
            _ => throw new InvalidOperationException($"unknown answer {answer}"),
        };
    }

    private string Reason(WorkerAnswer.Died died)
    {
        if (died.ExitCode == ExtractionChild.OutOfMemory || died.Error.Contains("OutOfMemoryException", StringComparison.Ordinal))
            return $"reading it needs more than {limits.MemoryMb} MB of memory (rag.extraction.memory_mb): " +
                   "built to exhaust a reader (a decompression bomb), or far too large; the reader was stopped";
        if (died.Error.Contains("Stack overflow", StringComparison.Ordinal))
            return "the reader crashed on it (stack overflow): nested far deeper than any real document, built to break a parser or badly damaged";
        var last = died.Error.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.Length > 0) ?? "no message";
        return $"the reader crashed on it (exit code {died.ExitCode}): {last}";
    }
}
