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
    /// PDFs open at the page (#page=N, which browsers' PDF viewers follow); every other format opens in
    /// the page's citation viewer, which shows the document's text highlighted at the cited characters.
    /// </summary>
    public static string LinkTo(Citation c)
    {
        if (c.Page is { } page && c.Path.EndsWith(".pdf", StringComparison.OrdinalIgnoreCase))
            return $"/api/documents/{Uri.EscapeDataString(c.DocumentId)}/content#page={page}";
        return $"/#view/{Uri.EscapeDataString(c.DocumentId)}/{c.StartChar}/{c.EndChar}";
    }
}
