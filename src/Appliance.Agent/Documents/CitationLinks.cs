using Appliance.Rag;

namespace Appliance.Agent.Documents;

/// <summary>
/// A citation as the page and API clients get it: where it points, and a link that opens the source
/// there. <see cref="Recognised"/> marks text read from a scan by OCR; <see cref="Location"/> says
/// where as people read it ("page 3, recognised text").
/// </summary>
public sealed record CitationView(
    int? Number,
    string DocumentId,
    string CollectionId,
    string Path,
    string Title,
    int? Page,
    string Section,
    string Snippet,
    int StartChar,
    int EndChar,
    string Link,
    bool Recognised,
    string Location)
{
    public static CitationView Of(Citation c, int? number = null) =>
        new(number, c.DocumentId, c.CollectionId, c.Path, c.Title, c.Page, c.Section, c.Snippet, c.StartChar, c.EndChar, LinkTo(c),
            c.Recognised, c.Location);

    /// <summary>
    /// PDFs open at the page (#page=N, which browsers' PDF viewers follow); other text formats at the
    /// first words of the snippet (a text fragment, which Chromium scrolls to and highlights).
    /// </summary>
    public static string LinkTo(Citation c)
    {
        var link = $"/api/documents/{Uri.EscapeDataString(c.DocumentId)}/content";
        if (c.Page is { } page && c.Path.EndsWith(".pdf", StringComparison.OrdinalIgnoreCase)) return link + $"#page={page}";
        var words = c.Snippet.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Take(6).ToArray();
        return words.Length == 0 ? link : link + "#:~:text=" + Uri.EscapeDataString(string.Join(' ', words)).Replace("-", "%2D");
    }
}
