namespace Appliance.Rag.Extraction;

/// <summary>
/// How deep an HTML file nests its elements, measured with a plain scan before any parser sees it.
/// An HTML5 tree builder checks its stack of open elements on every tag, so 100,000 nested `div`s
/// cost it billions of steps (an ingest that never ends), and a recursive walk over the tree would
/// overflow the stack. Browsers stop nesting at 512 levels; a document a person wrote stays far below.
/// </summary>
internal static class HtmlNesting
{
    public const int Limit = 1024;

    // Elements that never hold others, or that the parser closes by itself (`<p>`, `<li>` and table
    // parts are routinely left open); counting them would make sloppy but ordinary pages look deep.
    private static readonly HashSet<string> NotCounted = new(StringComparer.OrdinalIgnoreCase)
    {
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr",
        "p", "li", "dt", "dd", "tr", "td", "th", "thead", "tbody", "tfoot", "colgroup", "caption", "option", "optgroup",
        "rb", "rt", "rp", "html", "head", "body",
    };

    /// <summary>The deepest nesting of elements, stopping early once it passes <paramref name="stopAt"/>.</summary>
    public static int Depth(string html, int stopAt = int.MaxValue)
    {
        int depth = 0, deepest = 0, i = 0;
        while ((i = html.IndexOf('<', i)) >= 0 && deepest <= stopAt)
        {
            if (string.CompareOrdinal(html, i, "<!--", 0, 4) == 0)
            {
                i = html.IndexOf("-->", i + 4, StringComparison.Ordinal);
                if (i < 0) break;
                continue;
            }
            var closing = i + 1 < html.Length && html[i + 1] == '/';
            var start = closing ? i + 2 : i + 1;
            var end = start;
            while (end < html.Length && (char.IsAsciiLetterOrDigit(html[end]) || html[end] == '-')) end++;
            var close = html.IndexOf('>', end);
            if (end == start || close < 0) { i++; continue; }
            var name = html[start..end];
            i = close + 1;
            if (!closing && name is "script" or "style")
            {
                var after = html.IndexOf("</" + name, i, StringComparison.OrdinalIgnoreCase);
                i = after < 0 ? html.Length : after;
                continue;
            }
            if (NotCounted.Contains(name) || html[close - 1] == '/') continue;
            depth = closing ? Math.Max(0, depth - 1) : depth + 1;
            deepest = Math.Max(deepest, depth);
        }
        return deepest;
    }
}
