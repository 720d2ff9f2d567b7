namespace Appliance.Rag.Retrieval;

/// <summary>The part of a chunk worth showing under a citation: a window around the first query word it holds.</summary>
internal static class Snippet
{
    public static string For(string text, IReadOnlyList<string> terms, int length = 240)
    {
        text = text.Replace('\n', ' ');
        if (text.Length <= length) return text;
        var at = terms
            .Select(t => text.IndexOf(t.Length > 5 ? t[..5] : t, StringComparison.OrdinalIgnoreCase))
            .Where(i => i >= 0).DefaultIfEmpty(0).Min();
        var start = Math.Max(0, at - length / 3);
        if (start > 0) { var space = text.IndexOf(' ', start); start = space >= 0 && space < at ? space + 1 : start; }
        var end = Math.Min(text.Length, start + length);
        if (end < text.Length) { var space = text.LastIndexOf(' ', end - 1, end - start); end = space > start ? space : end; }
        return (start > 0 ? "…" : "") + text[start..end] + (end < text.Length ? "…" : "");
    }
}
