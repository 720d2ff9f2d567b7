namespace Appliance.Rag.Bench;

/// <summary>
/// One quality set: a corpus from a Debian package, the questions judged against it, and the
/// language both are in (the collection's <c>language:</c> and Xapian's stemmer follow from it).
/// </summary>
/// <param name="Name">what <c>--sets</c> and the <c>quality</c> section of rag.json call it</param>
/// <param name="Language">the collection's language code (de, fr, it, en)</param>
/// <param name="Stemmer">Xapian's name for the matching Snowball stemmer</param>
/// <param name="Prepare">copies or cuts the package's pages into the given folder and returns the corpus root</param>
public sealed record BenchSet(string Name, string Title, string Language, string Stemmer, string Package, string Questions,
    Func<string, string> Prepare)
{
    /// <summary>Every set, in the order they run; <paramref name="pythonSource"/> is the Python manual's HTML folder (--corpus).</summary>
    public static IReadOnlyList<BenchSet> All(string pythonSource) =>
    [
        new("python", "Python 3.11 documentation", "en", "english", "python3.11-doc", "questions.tsv",
            target => PythonManual.Prepare(pythonSource, target)),
        Reference("en", "english"),
        Reference("de", "german"),
        Reference("fr", "french"),
        Reference("it", "italian"),
    ];

    private static BenchSet Reference(string language, string stemmer) =>
        new(language, $"Debian Reference ({language})", language, stemmer, $"debian-reference-{language}",
            $"debian-reference-{language}.tsv", target => DebianReference.Prepare(language, target));
}

/// <summary>The Python manual's HTML pages, without Sphinx's own folders (_static, _sources …).</summary>
public static class PythonManual
{
    public static string Prepare(string source, string target)
    {
        if (!Directory.Exists(source))
            throw new InvalidOperationException($"no {source}: install python3.11-doc (make bench-rag does) or pass --corpus");
        var pages = Directory.GetFiles(source, "*.html", SearchOption.AllDirectories)
            .Where(f => !Path.GetRelativePath(source, f).StartsWith('_')).ToList();
        if (Directory.Exists(target) && Directory.GetFiles(target, "*.html", SearchOption.AllDirectories).Length == pages.Count) return target;
        if (Directory.Exists(target)) Directory.Delete(target, recursive: true);
        foreach (var page in pages)
        {
            var destination = Path.Combine(target, Path.GetRelativePath(source, page));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(page, destination);
        }
        return target;
    }
}
