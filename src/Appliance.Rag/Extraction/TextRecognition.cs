using Appliance.Config;
using Appliance.Exec;

namespace Appliance.Rag.Extraction;

/// <summary>
/// Tesseract as appliance.yaml sets it up (rag.ocr): found at its absolute path, asked once which of
/// the office languages it has, and handing out the <see cref="ScanReader"/> for a collection's language.
/// </summary>
public sealed class TextRecognition
{
    public const string HowToInstall = $"Debian: {OcrSettings.DebianInstall}; macOS: {OcrSettings.MacInstall} (see `provision plan`)";

    private readonly Func<DocumentLanguage, CancellationToken, Task<ScanReader>> _forLanguage;

    private TextRecognition(Func<DocumentLanguage, CancellationToken, Task<ScanReader>> forLanguage) => _forLanguage = forLanguage;

    /// <summary>Tesseract as configured, on the operating system this runs on.</summary>
    public static TextRecognition From(OcrSettings settings, ICommandRunner runner)
    {
        if (!settings.Enabled)
            return Always(ScanReader.Unavailable("text recognition is switched off (rag.ocr.enabled: false)"));
        var probe = new LanguageProbe(settings.TesseractProgram(OperatingSystem.IsMacOS()), runner);
        var pageTimeout = TimeSpan.FromSeconds(settings.PageTimeoutSeconds);
        return new(async (language, cancellationToken) =>
        {
            var (installed, problem) = await probe.InstalledAsync(cancellationToken);
            if (problem is not null) return ScanReader.Unavailable(problem);
            // A collection in auto is read in those of the four that are installed; one language needs its own.
            var wanted = OcrSettings.TesseractLanguages(language);
            var have = wanted.Where(installed.Contains).ToList();
            if (have.Count == 0)
                return ScanReader.Unavailable($"Tesseract at {probe.Program} has no language data for {string.Join(", ", wanted)} " +
                                              $"(installed: {string.Join(", ", installed.DefaultIfEmpty("none"))}; {HowToInstall})");
            return ScanReader.Tesseract(probe.Program, string.Join('+', have), pageTimeout, runner);
        });
    }

    /// <summary>The same reader whatever the language (what the extraction child process is handed).</summary>
    public static TextRecognition Always(ScanReader reader) => new((_, _) => Task.FromResult(reader));

    /// <summary>No OCR at all: libraries and tests that read only text.</summary>
    public static TextRecognition None { get; } =
        Always(ScanReader.Unavailable("no text recognition was set up for this reader"));

    public Task<ScanReader> ForAsync(DocumentLanguage language, CancellationToken cancellationToken) => _forLanguage(language, cancellationToken);

    /// <summary>
    /// Asks Tesseract for its languages once it is found; while it is missing every call looks again,
    /// so installing it needs no restart of the agent.
    /// </summary>
    private sealed class LanguageProbe(string program, ICommandRunner runner)
    {
        private readonly SemaphoreSlim _once = new(1, 1);
        private IReadOnlySet<string>? _installed;

        public string Program => program;

        public async Task<(IReadOnlySet<string> Installed, string? Problem)> InstalledAsync(CancellationToken cancellationToken)
        {
            if (_installed is { } known) return (known, null);
            if (!Path.IsPathFullyQualified(program) || !File.Exists(program))
                return (new HashSet<string>(), $"Tesseract is not installed at {program} (rag.ocr.tesseract; {HowToInstall})");
            await _once.WaitAsync(cancellationToken);
            try
            {
                if (_installed is { } raced) return (raced, null);
                var result = await runner.RunAsync(Command.Of(program, "--list-langs").WithTimeout(TimeSpan.FromSeconds(30)), cancellationToken);
                if (!result.Succeeded)
                    return (new HashSet<string>(), $"Tesseract at {program} does not work (--list-langs exited with {result.ExitCode}: {result.StandardError.Trim()})");
                // The first line says where the data lives; one language per line follows.
                _installed = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Skip(1).ToHashSet(StringComparer.Ordinal);
                return (_installed, null);
            }
            catch (CommandException e)
            {
                return (new HashSet<string>(), $"Tesseract at {program} cannot be started ({e.Message})");
            }
            finally
            {
                _once.Release();
            }
        }
    }
}
