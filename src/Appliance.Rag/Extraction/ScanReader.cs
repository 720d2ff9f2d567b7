using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Appliance.Exec;

namespace Appliance.Rag.Extraction;

/// <summary>
/// How the scans of one collection are read: Tesseract at an absolute path in the collection's
/// languages — or the reason they cannot be (OCR switched off, Tesseract or its language data
/// missing), which then becomes the reason a scan is skipped, never silence.
/// </summary>
public sealed class ScanReader
{
    private readonly ICommandRunner? _runner;

    private ScanReader(string? program, string? languages, TimeSpan pageTimeout, string? unavailable, ICommandRunner? runner)
    {
        (Program, Languages, PageTimeout, UnavailableReason, _runner) = (program, languages, pageTimeout, unavailable, runner);
    }

    /// <param name="languages">Tesseract's language codes joined by '+', e.g. "deu+eng"</param>
    public static ScanReader Tesseract(string program, string languages, TimeSpan pageTimeout, ICommandRunner runner) =>
        Path.IsPathFullyQualified(program)
            ? new(program, languages, pageTimeout, null, runner)
            : throw new ArgumentException($"'{program}' is not an absolute path: programs are never looked up in PATH", nameof(program));

    public static ScanReader Unavailable(string reason) => new(null, null, TimeSpan.Zero, reason, null);

    public string? Program { get; }

    /// <summary>Tesseract's language codes joined by '+', e.g. "deu+eng".</summary>
    public string? Languages { get; }

    public TimeSpan PageTimeout { get; }

    /// <summary>Why scans cannot be read ("Tesseract is not installed at …"), part of the reason a skipped scan gets; null when they can.</summary>
    public string? UnavailableReason { get; }

    /// <summary>The reason a file that is only a scan is skipped with.</summary>
    public string NotReadable => $"a scan (an image with no text) that cannot be read: {UnavailableReason}";

    [MemberNotNullWhen(true, nameof(Program), nameof(Languages))]
    [MemberNotNullWhen(false, nameof(UnavailableReason))]
    public bool Available => UnavailableReason is null;

    /// <summary>The text recognised in an image file, one string per page (a multi-page TIFF has several).</summary>
    /// <param name="dpi">the image's resolution when the caller knows it (a PDF page's size says it); else Tesseract reads the file's own</param>
    public async Task<IReadOnlyList<string>> ReadAsync(string image, int? dpi, CancellationToken cancellationToken)
    {
        if (!Available) throw new ExtractionException(NotReadable);
        var command = Command.Of(Program, image, "stdout", "-l", Languages)
            // One thread per page: ingestion already reads several files at once, and OpenMP's
            // threads fighting over the same cores make Tesseract several times slower.
            .WithEnvironment("OMP_THREAD_LIMIT", "1")
            .WithTimeout(PageTimeout);
        if (dpi is { } resolution) command = command.AddArguments("--dpi", resolution.ToString(CultureInfo.InvariantCulture));
        CommandResult result;
        try
        {
            result = await _runner!.RunAsync(command, cancellationToken);
        }
        catch (CommandNotFoundException e)
        {
            throw new ExtractionException($"a scan that cannot be read: Tesseract cannot be started at {Program} ({e.InnerException?.Message})", e);
        }
        catch (CommandTimedOutException e)
        {
            throw new ExtractionException($"text recognition took longer than {PageTimeout.TotalSeconds:0} s on one page (rag.ocr.page_timeout_seconds)", e);
        }
        if (!result.Succeeded)
        {
            var error = result.StandardError.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0 && !l.StartsWith("Warning", StringComparison.Ordinal))
                ?? $"exit code {result.ExitCode}";
            throw new ExtractionException($"the image cannot be read: Tesseract says: {error}");
        }
        // Tesseract ends every page with a form feed.
        var pages = result.StandardOutput.Split('\f');
        return pages.Length > 1 && pages[^1].Trim().Length == 0 ? pages[..^1] : pages;
    }
}
