using System.Text;

namespace Appliance.Rag;

/// <summary>Where one indexed passage sits: its page (or slide, sheet), section path and character span in the document's text.</summary>
public sealed record DocumentPassage(int? Page, string Section, int StartChar, int EndChar);

/// <summary>
/// A document's extracted text rebuilt from its indexed passages, so a citation's character offsets
/// point at exactly the cited words in every format (the original file is never shown as source).
/// Gaps between passages held only whitespace; they are kept as line breaks or spaces of the same length.
/// </summary>
public sealed record DocumentText(string DocumentId, string Title, string Path, string Format, string Text, IReadOnlyList<DocumentPassage> Passages)
{
    public static DocumentText FromChunks(DocumentInfo document, IEnumerable<(DocumentPassage Passage, string Text)> chunks)
    {
        var text = new StringBuilder();
        var passages = new List<DocumentPassage>();
        foreach (var (passage, chunkText) in chunks.OrderBy(c => c.Passage.StartChar))
        {
            // Overlapping passages repeat the words where they overlap: only what is new is added.
            var gap = passage.StartChar - text.Length;
            if (gap > 0) text.Append(gap == 1 ? " " : new string('\n', gap));
            var skip = Math.Max(0, text.Length - passage.StartChar);
            if (skip < chunkText.Length) text.Append(chunkText, skip, chunkText.Length - skip);
            passages.Add(passage);
        }
        return new DocumentText(document.Id, document.Title, document.Path, document.Format, text.ToString(), passages);
    }
}

/// <summary>One passage of a file read privately: its place, its text, and its vector (null without an embedding model).</summary>
public sealed record PrivatePassage(DocumentPassage Place, string Text, float[]? Vector);

/// <summary>A file read for one person's conversation, never indexed: its title, format, whole text and passages.</summary>
public sealed record PrivateDocument(string Title, string Format, string Text, IReadOnlyList<PrivatePassage> Passages);
