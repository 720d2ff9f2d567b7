using System.Text.Json.Serialization;

namespace Appliance.Rag.Extraction;

/// <summary>
/// One run of text with where it sits in the original: the page (PDF page, slide or sheet number;
/// null where the format has no pages) and the heading path leading to it ("Leave › Sick leave").
/// </summary>
public sealed record TextBlock(string Text, int? Page, IReadOnlyList<string> Sections)
{
    [JsonIgnore]
    public string SectionPath => string.Join(" › ", Sections);

    /// <summary>Read from an image by OCR (a scan) rather than from the file's text: citations say so, since it may hold misread words.</summary>
    public bool Recognised { get; init; }
}

/// <summary>A document reduced to text with locations, in reading order.</summary>
public sealed record ExtractedDocument(string Title, string Format, IReadOnlyList<TextBlock> Blocks)
{
    /// <summary>Blocks are joined with this separator in the document's text; citation offsets count it.</summary>
    public const string BlockSeparator = "\n\n";

    /// <summary>
    /// The most text one document may hold: about 10,000 printed pages. Beyond that a file is a data
    /// dump (a 100 MB log on one line became 100,000 chunks and most of a gigabyte of memory), and its
    /// chunks would crowd every search.
    /// </summary>
    public const int MaxCharacters = 32_000_000;

    /// <summary>What of the file is not in <see cref="Blocks"/> and why ("page 3 scanned and not read: …"); null when nothing is missing.</summary>
    public string? Incomplete { get; init; }

    [JsonIgnore]
    public long Characters => Blocks.Sum(b => (long)b.Text.Length);
}

/// <summary>A file that cannot be turned into text, with a reason a person can act on.</summary>
public sealed class ExtractionException(string reason, Exception? inner = null) : Exception(reason, inner);
