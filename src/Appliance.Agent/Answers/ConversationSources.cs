using Appliance.Agent.Conversations;
using Appliance.Inference;
using Appliance.Rag;
using Appliance.Rag.Answers;
using Microsoft.Extensions.AI;

namespace Appliance.Agent.Answers;

/// <summary>
/// What a conversation adds to a question before it is searched: a follow-up made standalone, and
/// the passages of the files attached to it (put first among its sources).
/// </summary>
internal sealed class ConversationSources(DocumentLibrary library, ServedModels models)
{
    /// <summary>Passages of a conversation's attached files put before the office's documents.</summary>
    public const int AttachedSources = 2;

    private const int SnippetLength = 240;

    /// <summary>
    /// What to search for: the question itself, or — after earlier turns — the follow-up made
    /// standalone, by the chat model when it is a real one, else by carrying the earlier questions' key words.
    /// </summary>
    public async Task<string> SearchedAsync(AnswerRequest request, CancellationToken ct)
    {
        var earlier = request.EarlierTurns.Where(m => m.Role == ChatRole.User).Select(m => m.Text).ToList();
        if (earlier.Count == 0) return request.Question.Trim();
        if (models.Chat is { } chat && !models.ChatIsTestModel)
        {
            try
            {
                var response = await chat.GetResponseAsync(
                    [new(ChatRole.System, FollowUpQuery.RewritePrompt), .. request.EarlierTurns.TakeLast(6), new(ChatRole.User, request.Question)],
                    new ChatOptions { MaxOutputTokens = 64, Temperature = 0 }, ct);
                if (FollowUpQuery.Accept(response.Text) is { } rewritten) return rewritten;
            }
            catch (InferenceRefusedException)
            {
                // A busy or full model still gets the follow-up searched, the deterministic way.
            }
        }
        return FollowUpQuery.Carry(request.Question, earlier);
    }

    /// <summary>
    /// Files attached to a conversation come first among its sources — the asker attached them to ask
    /// about them: their best passages for what is searched, by meaning (the library's embedding model)
    /// and by the share of the searched words they contain.
    /// </summary>
    public async Task<IReadOnlyList<SearchHit>> AttachedHitsAsync(IReadOnlyList<AttachedPassage> attached, string searched, CancellationToken ct)
    {
        if (attached.Count == 0) return [];
        var query = await library.EmbedQueryAsync(searched, ct);
        var words = DocumentLibrary.QueryWords(searched);
        return [.. attached
            .Select(p => (Passage: p, Score: Similarity(query, p.Vector)
                + words.Count(w => p.Text.Contains(w, StringComparison.OrdinalIgnoreCase)) / (double)Math.Max(1, words.Count)))
            .OrderByDescending(x => x.Score)
            .Take(AttachedSources)
            .Select(x => new SearchHit(new Citation(x.Passage.Attachment.Id, Attachment.CollectionId, Attachment.PathOf(x.Passage.Attachment.Name),
                x.Passage.Attachment.Title, x.Passage.Place.Page, x.Passage.Place.Section,
                x.Passage.Text.Length <= SnippetLength ? x.Passage.Text : x.Passage.Text[..SnippetLength] + "…",
                x.Passage.Place.StartChar, x.Passage.Place.EndChar), x.Score, x.Passage.Text))];
    }

    /// <summary>Cosine of two normalised vectors from the same model; 0 when either is missing.</summary>
    private static double Similarity(float[]? a, float[]? b)
    {
        if (a is null || b is null || a.Length != b.Length) return 0;
        double dot = 0;
        for (var i = 0; i < a.Length; i++) dot += a[i] * b[i];
        return dot;
    }
}
