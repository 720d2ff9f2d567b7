using System.Net;

namespace Appliance.Config;

// appliance.yaml's rag: collections, sync, extraction, OCR, ranking.
public sealed record RagSettings
{
    [Range(32, 8192)]
    public int ChunkTokens { get; init; } = 400;

    [Range(0, 4096)]
    public int ChunkOverlapTokens { get; init; } = 60;

    public HybridWeights Hybrid { get; init; } = new();

    [Range(1, 100)]
    public int TopK { get; init; } = 6;

    [Doc("files larger than this are skipped with a reason"), Range(1, 4096)]
    public int MaxFileMb { get; init; } = 100;

    [Range(1, 1024)]
    public int MaxUploadMb { get; init; } = 50;

    [Doc("how the agent keeps the collections' source folders in sync by itself")]
    public SyncSettings Sync { get; init; } = new();

    [Doc("limits for reading one PDF or image, which happens in a child process so a hostile file fails alone")]
    public ExtractionLimits Extraction { get; init; } = new();

    [Doc("text recognition for scans: image-only PDF pages, PNG, JPEG, TIFF")]
    public OcrSettings Ocr { get; init; } = new();

    public IReadOnlyList<Collection> Collections { get; init; } = [];
}

/// <summary>
/// Automatic sync: a file saved into a source folder is indexed seconds after it is closed, a deleted
/// one disappears; a periodic full sync catches what no notification reported (network shares).
/// </summary>
public sealed record SyncSettings
{
    [Doc("whether the agent syncs source folders by itself (at start, on file changes, and periodically); off = only `appliance ingest` and POST /api/ingest")]
    public bool Enabled { get; init; } = true;

    [Doc("seconds a changed file must stay unchanged before it is indexed (a file still being written or copied)"), Range(1, 600)]
    public int SettleSeconds { get; init; } = 2;

    [Doc("minutes between full syncs of every folder, the safety net for changes no notification reported"), Range(5, 10080)]
    public int IntervalMinutes { get; init; } = 60;

    [Doc("hours in the box's time zone when the office is quiet; when set, full syncs run only then (changed files are still indexed at once)")]
    public QuietHours? QuietHours { get; init; }
}

/// <summary>A daily window, possibly across midnight (20:00–06:00).</summary>
public sealed record QuietHours
{
    /// <summary>The night when appliance.yaml names no quiet hours.</summary>
    public static QuietHours Night { get; } = new() { Start = new TimeOnly(22, 0), End = new TimeOnly(6, 0) };

    public required TimeOnly Start { get; init; }
    public required TimeOnly End { get; init; }

    public bool Contains(TimeOnly time) =>
        Start <= End ? time >= Start && time < End : time >= Start || time < End;
}

public sealed record ExtractionLimits
{
    [Doc("seconds one PDF or image may take to read, recognition included; then it is skipped with that reason"), Range(10, 86400)]
    public int TimeoutSeconds { get; init; } = 600;

    [Doc("megabytes of memory the reader of one file may use; beyond that the file is skipped with that reason"), Range(128, 65536)]
    public int MemoryMb { get; init; } = 1024;
}

public sealed record OcrSettings
{
    /// <summary>Where Debian's tesseract-ocr puts the program.</summary>
    public const string DebianTesseract = "/usr/bin/tesseract";

    /// <summary>Where Homebrew on Apple silicon puts it (the provisioner's pre-flight says how to install it).</summary>
    public const string MacTesseract = "/opt/homebrew/bin/tesseract";

    public const string DebianInstall = "apt-get install tesseract-ocr tesseract-ocr-deu tesseract-ocr-fra tesseract-ocr-ita tesseract-ocr-eng";

    /// <summary>`tesseract` brings English, `tesseract-lang` German, French and Italian (and the rest).</summary>
    public const string MacInstall = "brew install tesseract tesseract-lang";

    [Doc("read scans with Tesseract; when false (or Tesseract is missing) scans are skipped with that reason")]
    public bool Enabled { get; init; } = true;

    [Doc("absolute path of the tesseract program (never looked up in PATH); absent = /opt/homebrew/bin/tesseract on macOS, /usr/bin/tesseract elsewhere")]
    public string? Tesseract { get; init; }

    [Doc("seconds Tesseract may take for one page"), Range(5, 3600)]
    public int PageTimeoutSeconds { get; init; } = 120;

    /// <summary>The program the agent runs on a box of this kind: the configured path, else the platform's usual place.</summary>
    public string TesseractProgram(bool macOS) => Tesseract ?? (macOS ? MacTesseract : DebianTesseract);

    /// <summary>Tesseract's names for the collection languages; a collection in auto is read in all four.</summary>
    public static readonly IReadOnlyDictionary<DocumentLanguage, string> TesseractCodes = new Dictionary<DocumentLanguage, string>
    {
        [DocumentLanguage.De] = "deu",
        [DocumentLanguage.Fr] = "fra",
        [DocumentLanguage.It] = "ita",
        [DocumentLanguage.En] = "eng",
    };

    /// <summary>The Tesseract languages a collection in <paramref name="language"/> is read in.</summary>
    public static IReadOnlyList<string> TesseractLanguages(DocumentLanguage language) =>
        language == DocumentLanguage.Auto ? [.. TesseractCodes.Values] : [TesseractCodes[language]];

    /// <summary>The Tesseract languages the collections of a config need, sorted.</summary>
    public static IReadOnlyList<string> TesseractLanguages(IEnumerable<Collection> collections) =>
        [.. collections.SelectMany(c => TesseractLanguages(c.Language)).Distinct().Order(StringComparer.Ordinal)];
}

public sealed record HybridWeights
{
    [Range(0.0, 10.0)]
    public double Lexical { get; init; } = 1.0;

    // Measured on the bench sets: a confident vector list is worth two keyword lists' best match.
    [Range(0.0, 10.0)]
    public double Vector { get; init; } = 2.0;
}

public sealed record Collection
{
    [Identifier]
    public required string Id { get; init; }

    public required string Title { get; init; }

    [Doc("folders whose documents are ingested")]
    public IReadOnlyList<string> Sources { get; init; } = [];

    [Doc("groups whose members may read this collection"), MinCount(1)]
    public required IReadOnlyList<string> Groups { get; init; }

    [Doc("whether members may upload documents into it")]
    public bool Uploads { get; init; }

    [Doc("the language of its documents, for word stems and German compounds: de, fr, it, en, or auto (detected per document; questions are searched in every language the collection holds)")]
    public DocumentLanguage Language { get; init; } = DocumentLanguage.Auto;

    [Doc("personal-data categories held, for the records of processing")]
    public IReadOnlyList<string> DataCategories { get; init; } = [];
}

/// <summary>The language of a collection's documents, as appliance.yaml names it.</summary>
public enum DocumentLanguage { Auto, De, Fr, It, En }
