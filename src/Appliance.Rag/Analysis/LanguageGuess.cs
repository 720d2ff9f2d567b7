using System.Collections.Frozen;
using System.Text.RegularExpressions;

namespace Appliance.Rag.Analysis;

/// <summary>
/// Which of the office's languages a text is written in, from how often each language's most common
/// function words occur: a document's first few thousand words decide it clearly; a question of
/// three words may not, and then the caller searches in every language the collection holds.
/// </summary>
internal static partial class LanguageGuess
{
    private const int WordsRead = 4000;

    private static readonly (TextLanguage Language, FrozenSet<string> Words)[] Markers =
    [
        (TextLanguage.De, Set("der die das und ist nicht ein eine zu den mit von sich des auf für im dem werden wird auch es bei oder nach sind aus wie über einen kann nur")),
        (TextLanguage.Fr, Set("le les et des est un une du en que qui dans pour pas sur au avec ce il ne se sont par plus aux cette ou être vous nous")),
        (TextLanguage.It, Set("il lo gli di che è un una per non del della in sono con si da come anche al nel ma questo alla dei delle essere può")),
        (TextLanguage.En, Set("the and of to is in that it for are with as on be this by or not from at which an have can you your will")),
    ];

    /// <summary>The language whose markers occur most, or null when none occurs at least <paramref name="minimum"/> times or two tie.</summary>
    public static TextLanguage? Of(string text, int minimum = 2)
    {
        var counts = new int[Markers.Length];
        var read = 0;
        foreach (var match in Word().EnumerateMatches(text))
        {
            if (read++ >= WordsRead) break;
            var lower = text.Substring(match.Index, match.Length).ToLowerInvariant();
            for (var i = 0; i < Markers.Length; i++)
                if (Markers[i].Words.Contains(lower)) counts[i]++;
            // Umlauts and ß are German's own: a short note full of nouns still tells.
            if (lower.AsSpan().IndexOfAny("äöüß") >= 0) counts[0]++;
        }
        var best = counts.Max();
        if (best < minimum || counts.Count(c => c == best) > 1) return null;
        return Markers[Array.IndexOf(counts, best)].Language;
    }

    private static FrozenSet<string> Set(string words) => words.Split(' ').ToFrozenSet(StringComparer.Ordinal);

    [GeneratedRegex(@"\p{L}+")]
    private static partial Regex Word();
}
