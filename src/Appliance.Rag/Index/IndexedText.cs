using Appliance.Config;
using Appliance.Rag.Analysis;
using Appliance.Rag.Chunking;

namespace Appliance.Rag.Index;

/// <summary>One chunk's title, section and text as the full-text table holds them: analysed terms, space-separated.</summary>
internal sealed record AnalysedChunk(string Title, string Section, string Text);

/// <summary>
/// What the full-text tables hold: each chunk's words analysed in its document's language (see
/// <see cref="TextAnalysis"/>). The original text stays in <c>chunks</c> for snippets and citations;
/// the tables are contentless, so only terms are indexed. One analyser per language, shared.
/// </summary>
internal sealed class IndexedText
{
    private readonly Dictionary<TextLanguage, TextAnalysis> _analysis =
        Enum.GetValues<TextLanguage>().ToDictionary(l => l, TextAnalysis.For);

    public TextAnalysis For(TextLanguage language) => _analysis[language];

    /// <summary>
    /// The language a document of a collection is analysed in: the configured one, or the one its
    /// first chunks are written in.
    /// </summary>
    public static TextLanguage LanguageOf(DocumentLanguage configured, IEnumerable<string> chunkTexts) => configured switch
    {
        DocumentLanguage.De => TextLanguage.De,
        DocumentLanguage.Fr => TextLanguage.Fr,
        DocumentLanguage.It => TextLanguage.It,
        DocumentLanguage.En => TextLanguage.En,
        _ => LanguageGuess.Of(string.Join("\n", chunkTexts.Take(8))) ?? TextLanguage.En,
    };

    /// <summary>How <c>documents.language</c> stores a language.</summary>
    public static string StoredName(TextLanguage language) => language.ToString().ToLowerInvariant();

    /// <summary>A language as <c>documents.language</c> stores it; null for none or an unknown name.</summary>
    public static TextLanguage? FromStoredName(string? name) =>
        Enum.TryParse<TextLanguage>(name, ignoreCase: true, out var language) ? language : null;

    /// <summary>A document's chunks as terms; German compounds split against the document's own words.</summary>
    public AnalysedChunk[] Analyse(TextLanguage language, string title, IReadOnlyList<(string Section, string Text)> chunks)
    {
        var analysis = For(language);
        var words = chunks.Select(c => (Section: analysis.Terms(c.Section), Text: analysis.Terms(c.Text))).ToList();
        var titleWords = analysis.Terms(title);
        Func<string, bool>? own = null;
        if (language == TextLanguage.De)
        {
            var vocabulary = words.SelectMany(w => w.Section.Concat(w.Text)).Concat(titleWords).ToHashSet(StringComparer.Ordinal);
            own = vocabulary.Contains;
        }
        var indexedTitle = Join(analysis, titleWords, own);
        return [.. words.Select(w => new AnalysedChunk(indexedTitle, Join(analysis, w.Section, own), Join(analysis, w.Text, own)))];
    }

    public AnalysedChunk[] Analyse(TextLanguage language, string title, IReadOnlyList<Chunk> chunks) =>
        Analyse(language, title, [.. chunks.Select(c => (c.SectionPath, c.Text))]);

    private static string Join(TextAnalysis analysis, List<string> words, Func<string, bool>? isWord) =>
        string.Join(' ', isWord is null ? words : words.Concat(words.SelectMany(w => analysis.CompoundParts(w, isWord))));

    /// <summary>
    /// The terms a question searches a collection with: in its language, or — for a collection of
    /// several — in each language its documents are written in and the question's own.
    /// </summary>
    /// <param name="words">the question's meaningful words</param>
    /// <param name="asked">the language the question looks written in, if it tells</param>
    public IReadOnlyList<string> QueryTerms(string words, TextLanguage? asked, DocumentLanguage configured, IReadOnlyCollection<TextLanguage> held,
        Func<string, bool> isWord)
    {
        IEnumerable<TextLanguage> languages = configured == DocumentLanguage.Auto
            ? [.. held, .. asked is { } language ? [language] : Array.Empty<TextLanguage>()]
            : [LanguageOf(configured, [])];
        var chosen = languages.Distinct().DefaultIfEmpty(TextLanguage.En);
        return [.. chosen.SelectMany(l => For(l).QueryTerms(words, isWord)).Distinct(StringComparer.Ordinal).Take(32)];
    }
}
