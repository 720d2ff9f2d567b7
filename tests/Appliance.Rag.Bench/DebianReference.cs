using System.Net;
using System.Text.RegularExpressions;

namespace Appliance.Rag.Bench;

/// <summary>
/// The Debian Reference (debian-reference-LL) cut into one page per section ("2.2", "9.6" …).
/// The package ships twelve chapters of 50–400 kB each: judged at chapter level, recall@5 of 15
/// pages would measure almost nothing, so every engine gets the same ~100 section pages instead.
/// The numbering is the same in every translation, so a page name (ch02-s02.html) means the same
/// section in English, German, French and Italian, and one judgement serves all four sets.
/// </summary>
public static partial class DebianReference
{
    public const string Folder = "/usr/share/debian-reference";

    /// <summary>Writes the section pages of language <paramref name="language"/> (en, de, fr, it) into <paramref name="target"/>.</summary>
    public static string Prepare(string language, string target)
    {
        var chapters = Directory.GetFiles(Folder, $"*.{language}.html")
            .Where(f => !Path.GetFileName(f).StartsWith("index.", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).ToList();
        if (chapters.Count == 0)
            throw new InvalidOperationException($"no {Folder}/*.{language}.html: install debian-reference-{language}");
        var marker = Path.Combine(target, ".prepared");
        var stamp = string.Join('\n', chapters.Select(c => $"{c} {new FileInfo(c).Length}"));
        if (File.Exists(marker) && File.ReadAllText(marker) == stamp) return target;
        if (Directory.Exists(target)) Directory.Delete(target, recursive: true);
        Directory.CreateDirectory(target);
        foreach (var chapter in chapters)
            foreach (var (name, html) in Split(Path.GetFileName(chapter).Split('.')[0], File.ReadAllText(chapter)))
                File.WriteAllText(Path.Combine(target, name), html);
        File.WriteAllText(marker, stamp);
        return target;
    }

    /// <summary>One page per second-level heading, plus the chapter's opening text as chNN-s00.html.</summary>
    public static IEnumerable<(string Name, string Html)> Split(string chapter, string html)
    {
        var body = Body().Match(html) is { Success: true } m ? m.Groups[1].Value : html;
        // Navigation bars and tables of contents name every other section: left in, they would make
        // the opening page (and the last one, with the footer) match everything.
        body = Boilerplate().Replace(body, "");
        var chapterTitle = Text(H1().Match(body).Groups[1].Value);
        var starts = SectionStart().Matches(body).Select(x => x.Index).ToList();
        if (!chapter.StartsWith("ch", StringComparison.Ordinal) || starts.Count == 0)
        {
            yield return ($"{chapter}.html", Page(chapterTitle, body));
            yield break;
        }
        yield return ($"{chapter}-s00.html", Page(chapterTitle, body[..starts[0]]));
        for (var i = 0; i < starts.Count; i++)
        {
            var section = body[starts[i]..(i + 1 < starts.Count ? starts[i + 1] : body.Length)];
            var heading = Text(SectionStart().Match(section).Groups[1].Value);
            yield return ($"{chapter}-s{i + 1:00}.html", Page($"{heading} — {chapterTitle}", section));
        }
    }

    private static string Page(string title, string body) =>
        $"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{WebUtility.HtmlEncode(title)}</title></head>\n<body>\n{body}\n</body></html>\n";

    private static string Text(string html) => WebUtility.HtmlDecode(Tag().Replace(html, "")).Trim();

    [GeneratedRegex(@"<body[^>]*>(.*)</body>", RegexOptions.Singleline)]
    private static partial Regex Body();

    [GeneratedRegex(@"<div class=""(?:navheader|navfooter|toc|list-of-tables|list-of-figures)"">.*?</(?:table|dl)>\s*(?:<hr\s*/?>\s*)?</div>", RegexOptions.Singleline)]
    private static partial Regex Boilerplate();

    [GeneratedRegex(@"<h1 class=""title""[^>]*>(.*?)</h1>", RegexOptions.Singleline)]
    private static partial Regex H1();

    [GeneratedRegex(@"<h2 class=""title""[^>]*>(.*?)</h2>", RegexOptions.Singleline)]
    private static partial Regex SectionStart();

    [GeneratedRegex("<[^>]+>")]
    private static partial Regex Tag();
}
