using Appliance.Rag.Retrieval;

namespace Appliance.Rag.Answers;

/// <summary>
/// A follow-up ("and how many can I carry over?") searched as a question that stands on its own.
/// A real chat model rewrites it (<see cref="RewritePrompt"/>); without one, the follow-up carries
/// the key words of the earlier questions it lacks, newest first, so the topic survives several
/// follow-ups in a row.
/// </summary>
public static class FollowUpQuery
{
    /// <summary>Key words carried over at most; more would drown the follow-up's own words.</summary>
    public const int MaxCarried = 6;

    /// <summary>Longest rewrite taken from a model; anything longer is not a search query.</summary>
    public const int MaxRewriteLength = 400;

    public const string RewritePrompt = """
        Rewrite the user's last question as one standalone search query that can be understood without the conversation.
        Keep the language of the question. Answer with the query only: no explanation, no quotes.
        """;

    /// <summary>The follow-up with the earlier questions' key words it does not already use; the question itself when there are none.</summary>
    /// <param name="earlierQuestions">the conversation's earlier questions, oldest first</param>
    public static string Carry(string question, IReadOnlyList<string> earlierQuestions)
    {
        var own = new HashSet<string>(FtsQuery.Terms(question), StringComparer.Ordinal);
        var carried = earlierQuestions.Reverse()
            .SelectMany(FtsQuery.Terms)
            .Where(own.Add)
            .Take(MaxCarried)
            .ToList();
        return carried.Count == 0 ? question.Trim() : question.Trim() + " " + string.Join(' ', carried);
    }

    /// <summary>A model's rewrite as a query, or null when it is empty, too long or several lines of talk.</summary>
    public static string? Accept(string rewrite)
    {
        var text = rewrite.Trim().Trim('"', '\'', '«', '»', '„', '“', '”').Trim();
        return text.Length is 0 or > MaxRewriteLength || text.Contains('\n') ? null : text;
    }
}
