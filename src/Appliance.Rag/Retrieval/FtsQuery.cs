using System.Text.RegularExpressions;

namespace Appliance.Rag.Retrieval;

/// <summary>
/// The meaningful words of a question in plain words — question words and fillers of the office's
/// languages left out — which the collection's analysis then turns into terms; the full-text search
/// matches each as a quoted phrase (so no user text is ever parsed as FTS syntax) and OR-s them,
/// leaving the ranking to BM25. The snippet marks these words.
/// </summary>
internal static partial class FtsQuery
{
    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "a", "about", "after", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be", "been", "before", "being",
        "but", "by", "can", "could", "did", "do", "does", "doing", "for", "from", "get", "got", "had", "has", "have",
        "having", "he", "her", "here", "him", "his", "how", "i", "if", "in", "into", "is", "it", "its", "just", "me",
        "my", "need", "no", "not", "of", "on", "or", "our", "out", "over", "please", "she", "should", "so", "some",
        "than", "that", "the", "their", "them", "then", "there", "these", "they", "this", "those", "to", "too", "under",
        "up", "us", "use", "using", "want", "was", "way", "we", "were", "what", "when", "where", "which", "while", "who",
        "whom", "why", "will", "with", "would", "you", "your", "tell", "know", "there", "does", "possible", "anything",
        "der", "die", "das", "und", "ist", "ich", "wie", "was", "wer", "wo", "ein", "eine", "zu", "mit", "für", "von",
        "wann", "warum", "welche", "welcher", "welches", "kann", "darf", "muss", "mein", "meine", "mir", "mich", "wir", "bitte",
        "comment", "quoi", "où", "quand", "pourquoi", "quel", "quelle", "quels", "quelles", "est", "je", "mon", "ma", "mes", "nous",
        "come", "cosa", "dove", "quando", "perché", "quale", "quali", "posso", "mio", "mia", "miei",
    };

    public static IReadOnlyList<string> Terms(string query)
    {
        var words = Word().Matches(query.ToLowerInvariant()).Select(m => m.Value).Distinct().ToList();
        var meaningful = words.Where(w => !StopWords.Contains(w)).ToList();
        return (meaningful.Count > 0 ? meaningful : words).Take(32).ToList();
    }

    [GeneratedRegex(@"[\p{L}\p{N}][\p{L}\p{N}_]*")]
    private static partial Regex Word();
}
