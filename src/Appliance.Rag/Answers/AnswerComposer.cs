using System.Text;
using System.Text.RegularExpressions;

namespace Appliance.Rag.Answers;

/// <summary>A numbered source as the model sees it: [n] refers to <see cref="Hit"/>.</summary>
public sealed record NumberedSource(int Number, SearchHit Hit);

/// <summary>The messages to send to the chat model, and the sources its [n] markers refer to.</summary>
public sealed record AnswerPrompt(string System, string User, IReadOnlyList<NumberedSource> Sources);

/// <summary>An answer and the citations it actually uses, in the order the markers appear.</summary>
public sealed record CitedAnswer(string Text, IReadOnlyList<NumberedCitation> Citations, bool Extractive);

public sealed record NumberedCitation(int Number, Citation Citation);

/// <summary>
/// Turns retrieved chunks into a prompt with numbered sources, maps the model's [n] markers back to
/// citations, and — when no model is available — answers extractively with the best passages.
/// </summary>
public static partial class AnswerComposer
{
    public const string SystemPrompt = """
        You answer questions from employees using only the numbered sources provided.
        Cite every statement with the source number in square brackets, like [1] or [2][3].
        If the sources do not contain the answer, say so plainly; do not guess.
        Answer in the language of the question.
        """;

    public static AnswerPrompt BuildPrompt(string question, IReadOnlyList<SearchHit> hits, int maxSourceChars = 2000)
    {
        var sources = hits.Select((hit, i) => new NumberedSource(i + 1, hit)).ToList();
        var user = new StringBuilder();
        user.AppendLine("Sources:");
        foreach (var source in sources)
        {
            var citation = source.Hit.Citation;
            user.Append('[').Append(source.Number).Append("] ").Append(citation.Title);
            if (citation.Location.Length > 0) user.Append(", ").Append(citation.Location);
            if (citation.Section.Length > 0) user.Append(", ").Append(citation.Section);
            user.Append(" (").Append(citation.Path).AppendLine(")");
            var text = source.Hit.Text.Length <= maxSourceChars ? source.Hit.Text : source.Hit.Text[..maxSourceChars] + "…";
            user.AppendLine(text).AppendLine();
        }
        user.Append("Question: ").AppendLine(question.Trim());
        return new AnswerPrompt(SystemPrompt, user.ToString(), sources);
    }

    /// <summary>
    /// The prompt with as many of the best-ranked hits as the model's context takes: <paramref name="fits"/>
    /// measures a candidate, and the lowest-ranked sources are dropped until it passes. Null when not
    /// even the best source fits beside the question (the question itself is too long).
    /// </summary>
    public static AnswerPrompt? BuildPrompt(string question, IReadOnlyList<SearchHit> hits, Func<AnswerPrompt, bool> fits, int maxSourceChars = 2000)
    {
        var all = BuildPrompt(question, hits, maxSourceChars);
        if (fits(all)) return all;
        // Each source added makes the prompt longer, so the largest count that fits is found by halving.
        AnswerPrompt? best = null;
        var (low, high) = (1, hits.Count - 1);
        while (low <= high)
        {
            var count = (low + high) / 2;
            var candidate = BuildPrompt(question, [.. hits.Take(count)], maxSourceChars);
            if (fits(candidate)) (best, low) = (candidate, count + 1);
            else high = count - 1;
        }
        return best;
    }

    /// <summary>
    /// The citations behind the model's [n] markers (also "[1, 3]" and "[2][4]"); numbers that
    /// name no source are dropped from the text rather than shown as broken references.
    /// </summary>
    public static CitedAnswer ResolveCitations(string answer, IReadOnlyList<NumberedSource> sources)
    {
        var byNumber = sources.ToDictionary(s => s.Number);
        var used = new List<NumberedCitation>();
        var text = Marker().Replace(answer, match =>
        {
            var valid = match.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Select(n => int.TryParse(n, out var number) ? number : -1)
                .Where(byNumber.ContainsKey).ToList();
            foreach (var number in valid.Where(n => used.All(u => u.Number != n)))
                used.Add(new NumberedCitation(number, byNumber[number].Hit.Citation));
            return string.Concat(valid.Select(n => $"[{n}]"));
        });
        return new CitedAnswer(text.Trim(), used, Extractive: false);
    }

    /// <summary>
    /// An answer without a model: the sentences of the best passages that share the most words
    /// with the question, each followed by its source marker.
    /// </summary>
    public static CitedAnswer Extractive(string question, IReadOnlyList<SearchHit> hits, int maxSentences = 3)
    {
        if (hits.Count == 0) return new CitedAnswer("No document you can read answers this question.", [], Extractive: true);
        var terms = Retrieval.FtsQuery.Terms(question).Select(t => t.Length > 5 ? t[..5] : t).ToList();
        var sources = hits.Take(3).Select((hit, i) => new NumberedSource(i + 1, hit)).ToList();
        var picked = sources
            .SelectMany(s => Sentences(s.Hit.Text).Select((sentence, order) => (Source: s, Sentence: sentence, Order: order,
                Score: terms.Count(t => sentence.Contains(t, StringComparison.OrdinalIgnoreCase)) + (s.Number == 1 ? 0.5 : 0))))
            .Where(x => x.Score >= 1)
            .OrderByDescending(x => x.Score).ThenBy(x => x.Source.Number).ThenBy(x => x.Order)
            .Take(maxSentences)
            .OrderBy(x => x.Source.Number).ThenBy(x => x.Order)
            .ToList();
        if (picked.Count == 0)
            picked = [(sources[0], Sentences(sources[0].Hit.Text).FirstOrDefault() ?? sources[0].Hit.Citation.Snippet, 0, 0)];
        var text = string.Join(" ", picked.Select(p => $"{p.Sentence.Trim()} [{p.Source.Number}]"));
        var citations = picked.Select(p => p.Source).Distinct()
            .Select(s => new NumberedCitation(s.Number, s.Hit.Citation)).ToList();
        return new CitedAnswer(text, citations, Extractive: true);
    }

    private static IEnumerable<string> Sentences(string text) =>
        SentenceEnd().Split(text.Replace('\n', ' ')).Select(s => s.Trim()).Where(s => s.Length > 0);

    [GeneratedRegex(@"\[(\d+(?:\s*,\s*\d+)*)\]")]
    private static partial Regex Marker();

    [GeneratedRegex(@"(?<=[.!?])\s+")]
    private static partial Regex SentenceEnd();
}
