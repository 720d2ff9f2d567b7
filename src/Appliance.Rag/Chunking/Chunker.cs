using System.Text;
using Appliance.Rag.Extraction;

namespace Appliance.Rag.Chunking;

/// <summary>
/// Cuts a document into chunks of at most <see cref="ChunkTokens"/> model tokens. A chunk never
/// spans two pages; it crosses into another section only while it is still small (a heading with a
/// line under it belongs with what follows). Chunks cut for size overlap by whole sentences.
/// </summary>
public sealed class Chunker(ITokenCounter tokens, int chunkTokens, int overlapTokens)
{
    public int ChunkTokens { get; } = chunkTokens;
    public int OverlapTokens { get; } = Math.Min(overlapTokens, chunkTokens / 2);

    /// <summary>The same cutting with smaller chunks (for texts that came out too long for the embedding model).</summary>
    public Chunker WithChunkTokens(int smaller) => new(tokens, smaller, OverlapTokens);

    private sealed record Unit(int Start, int End, int? Page, string Section, string TopSection, int Tokens, int Block, bool Recognised);

    public IReadOnlyList<Chunk> Split(ExtractedDocument document)
    {
        var text = DocumentText(document, out var starts);
        var units = new List<Unit>();
        // Under a single document heading (the title as H1), the top-level sections are one level down.
        var top = document.Blocks.Where(b => b.Sections.Count > 0).Select(b => b.Sections[0]).Distinct().Count() == 1 ? 1 : 0;
        for (var b = 0; b < document.Blocks.Count; b++)
            Units(document.Blocks[b], b, starts[b], top, units);

        var chunks = new List<Chunk>();
        var current = new List<Unit>();
        var currentTokens = 0;
        foreach (var unit in units)
        {
            if (current.Count > 0)
            {
                // Recognised text is cited as such, so it never shares a chunk with the file's own text.
                var samePage = unit.Page == current[0].Page && unit.Recognised == current[0].Recognised;
                var sameSection = unit.Section == current[^1].Section;
                var sameTop = unit.TopSection == current[^1].TopSection;
                var full = currentTokens + unit.Tokens > ChunkTokens;
                // A heading with a line under it belongs with what follows; real sections stay apart.
                var mayJoin = sameSection || (sameTop ? currentTokens < ChunkTokens / 4 : currentTokens < ChunkTokens / 16);
                if (!samePage || full || !mayJoin)
                {
                    chunks.Add(Make(chunks.Count, text, current));
                    current = samePage && sameSection && full ? Overlap(current) : [];
                    currentTokens = current.Sum(u => u.Tokens);
                    while (current.Count > 0 && currentTokens + unit.Tokens > ChunkTokens)
                    {
                        currentTokens -= current[0].Tokens;
                        current.RemoveAt(0);
                    }
                }
            }
            current.Add(unit);
            currentTokens += unit.Tokens;
        }
        if (current.Count > 0) chunks.Add(Make(chunks.Count, text, current));
        return chunks;
    }

    /// <summary>The document's text as citations count it: blocks joined by a blank line.</summary>
    public static string DocumentText(ExtractedDocument document, out int[] blockStarts)
    {
        var builder = new StringBuilder();
        blockStarts = new int[document.Blocks.Count];
        for (var i = 0; i < document.Blocks.Count; i++)
        {
            if (i > 0) builder.Append(ExtractedDocument.BlockSeparator);
            blockStarts[i] = builder.Length;
            builder.Append(document.Blocks[i].Text);
        }
        return builder.ToString();
    }

    private List<Unit> Overlap(List<Unit> previous)
    {
        var tail = new List<Unit>();
        var total = 0;
        for (var i = previous.Count - 1; i > 0; i--)
        {
            if (total + previous[i].Tokens > OverlapTokens) break;
            total += previous[i].Tokens;
            tail.Insert(0, previous[i]);
        }
        return tail;
    }

    private static Chunk Make(int ordinal, string text, List<Unit> units)
    {
        var start = units[0].Start;
        var end = units[^1].End;
        var section = CommonSection(units.Select(u => u.Section).Distinct().ToList())
            ?? units.GroupBy(u => u.Section).MaxBy(g => g.Sum(u => u.Tokens))!.Key;
        return new Chunk(ordinal, text[start..end], units[0].Page, section, start, end, units.Sum(u => u.Tokens), units[0].Recognised);
    }

    /// <summary>The heading path all of a chunk's parts share ("Leave › Annual leave" for two of its subsections).</summary>
    private static string? CommonSection(List<string> sections)
    {
        if (sections.Count == 1) return sections[0];
        var paths = sections.Select(s => s.Split(" › ")).ToList();
        var shared = paths[0].TakeWhile((name, i) => paths.All(p => p.Length > i && p[i] == name)).ToList();
        return shared.Count > 0 ? string.Join(" › ", shared) : null;
    }

    /// <summary>Sentences (or lines) of one block; a sentence longer than a chunk is cut between words.</summary>
    private void Units(TextBlock block, int index, int offset, int topLevel, List<Unit> units)
    {
        var section = block.SectionPath;
        var topSection = string.Join(" › ", block.Sections.Take(topLevel + 1));
        foreach (var (start, end) in Sentences(block.Text))
        {
            var sentence = block.Text[start..end];
            var count = tokens.CountTokens(sentence);
            if (count <= ChunkTokens)
            {
                units.Add(new Unit(offset + start, offset + end, block.Page, section, topSection, count, index, block.Recognised));
                continue;
            }
            // Cut at word boundaries into pieces of about a chunk's worth of characters.
            var piece = Math.Max(16, (int)((long)sentence.Length * ChunkTokens * 9 / 10 / count));
            var at = 0;
            while (at < sentence.Length)
            {
                var stop = Math.Min(sentence.Length, at + piece);
                if (stop < sentence.Length)
                {
                    var space = sentence.LastIndexOf(' ', stop - 1, stop - at);
                    if (space > at) stop = space + 1;
                }
                var part = sentence[at..stop].TrimEnd();
                if (part.Length > 0)
                    units.Add(new Unit(offset + start + at, offset + start + at + part.Length, block.Page, section, topSection,
                        Math.Min(ChunkTokens, tokens.CountTokens(part)), index, block.Recognised));
                at = stop;
                while (at < sentence.Length && sentence[at] == ' ') at++;
            }
        }
    }

    internal static IEnumerable<(int Start, int End)> Sentences(string text)
    {
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var boundary = c == '\n'
                || (c is '.' or '!' or '?' && i + 1 < text.Length && text[i + 1] == ' '
                    && i + 2 < text.Length && (char.IsUpper(text[i + 2]) || char.IsDigit(text[i + 2]) || text[i + 2] is '"' or '('));
            if (!boundary) continue;
            var end = c == '\n' ? i : i + 1;
            if (Trimmed(text, start, end) is { } range) yield return range;
            start = end + 1;
        }
        if (Trimmed(text, start, text.Length) is { } last) yield return last;
    }

    private static (int, int)? Trimmed(string text, int start, int end)
    {
        while (start < end && char.IsWhiteSpace(text[start])) start++;
        while (end > start && char.IsWhiteSpace(text[end - 1])) end--;
        return end > start ? (start, end) : null;
    }
}
