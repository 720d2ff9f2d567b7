using Appliance.Config;
using Lucene.Net.Analysis;
using Lucene.Net.Analysis.Core;
using Lucene.Net.Analysis.De;
using Lucene.Net.Analysis.En;
using Lucene.Net.Analysis.Fr;
using Lucene.Net.Analysis.It;
using Lucene.Net.Analysis.Miscellaneous;
using Lucene.Net.Analysis.Standard;
using Lucene.Net.Analysis.TokenAttributes;
using Lucene.Net.Analysis.Util;
using Lucene.Net.Util;

namespace Appliance.Rag.Analysis;

/// <summary>A language the index analyses text in (a collection's <see cref="DocumentLanguage"/> once "auto" is resolved).</summary>
public enum TextLanguage { En, De, Fr, It }

/// <summary>
/// How the words of one language become index terms: Unicode word breaks, elision (l', dell'),
/// lower case, the language's stop words, German umlaut and ß folding, accents folded (so "resiliation"
/// finds "résiliation"), and a light stemmer (Lucene's, Apache-2.0). German compounds are split
/// into their parts as well (see <see cref="GermanCompounds"/>), so "Kündigungsfrist" and
/// "Frist der Kündigung" share terms. Documents and questions go through the same analysis.
/// </summary>
public sealed class TextAnalysis
{
    private static readonly LuceneVersion Version = LuceneVersion.LUCENE_48;

    private readonly Analyzer _analyzer;

    private TextAnalysis(TextLanguage language, Analyzer analyzer)
    {
        Language = language;
        _analyzer = analyzer;
    }

    public TextLanguage Language { get; }

    /// <summary>Which analysis built an FTS table: a table analysed otherwise is re-analysed at open.</summary>
    /// <remarks>The number moves on whenever the terms this class produces change.</remarks>
    public static string Signature(DocumentLanguage language) => $"lucene-light-1:{language.ToString().ToLowerInvariant()}";

    public static TextAnalysis For(TextLanguage language) => language switch
    {
        TextLanguage.De => new(language, new LanguageAnalyzer(GermanAnalyzer.DefaultStopSet, null, ts => new GermanLightStemFilter(ts), german: true)),
        TextLanguage.Fr => new(language, new LanguageAnalyzer(FrenchAnalyzer.DefaultStopSet, FrenchArticles, ts => new FrenchLightStemFilter(ts))),
        TextLanguage.It => new(language, new LanguageAnalyzer(ItalianAnalyzer.DefaultStopSet, ItalianArticles, ts => new ItalianLightStemFilter(ts))),
        _ => new(language, new LanguageAnalyzer(EnglishAnalyzer.DefaultStopSet, null, ts => new PorterStemFilter(new EnglishPossessiveFilter(Version, ts)))),
    };

    /// <summary>The stemmed words of <paramref name="text"/>, in order, repeats kept (BM25 counts them); compounds not split.</summary>
    public List<string> Terms(string text)
    {
        var terms = new List<string>();
        using var stream = _analyzer.GetTokenStream("text", new StringReader(text));
        var term = stream.AddAttribute<ICharTermAttribute>();
        stream.Reset();
        while (stream.IncrementToken()) terms.Add(term.ToString());
        stream.End();
        return terms;
    }

    /// <summary>The parts of a German compound (a stemmed word), each stemmed; nothing for other languages or non-compounds.</summary>
    /// <param name="isWord">whether a stemmed part is a word of the collection, besides the built-in office vocabulary</param>
    public IReadOnlyList<string> CompoundParts(string stem, Func<string, bool>? isWord) =>
        Language == TextLanguage.De && stem.Length >= GermanCompounds.MinimumLength ? GermanCompounds.Split(stem, GermanCompounds.Stem, isWord) : [];

    /// <summary>The distinct terms of a question, in first-seen order, compound parts after their compound (each becomes one OR-ed phrase).</summary>
    public IReadOnlyList<string> QueryTerms(string question, Func<string, bool>? isWord = null) =>
        [.. Terms(question).SelectMany(t => (IEnumerable<string>)[t, .. CompoundParts(t, isWord)]).Distinct(StringComparer.Ordinal).Take(32)];

    private static readonly CharArraySet FrenchArticles = new(Version,
        ["l", "m", "t", "qu", "n", "s", "j", "d", "c", "jusqu", "quoiqu", "lorsqu", "puisqu"], ignoreCase: true);

    private static readonly CharArraySet ItalianArticles = new(Version,
        ["c", "l", "all", "dall", "dell", "nell", "sull", "coll", "pell", "gl", "agl", "dagl", "degl", "negl", "sugl", "un", "m", "t", "s", "v", "d"],
        ignoreCase: true);

    /// <summary>The filter chain of one language, built from Lucene's parts.</summary>
    private sealed class LanguageAnalyzer(CharArraySet stopWords, CharArraySet? articles, Func<TokenStream, TokenStream> stem, bool german = false)
        : Analyzer
    {
        protected override TokenStreamComponents CreateComponents(string fieldName, TextReader reader)
        {
            var source = new StandardTokenizer(Version, reader);
            TokenStream stream = articles is null ? source : new ElisionFilter(source, articles);
            stream = new LowerCaseFilter(Version, stream);
            stream = new StopFilter(Version, stream, stopWords);
            if (german) stream = new GermanNormalizationFilter(stream);
            stream = new ASCIIFoldingFilter(stream);
            return new TokenStreamComponents(source, stem(stream));
        }
    }
}
