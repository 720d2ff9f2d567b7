using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using Appliance.Agent.Audit;
using Appliance.Agent.Conversations;
using Appliance.Agent.Documents;
using Appliance.Agent.Identity;
using Appliance.Config;
using Appliance.Inference;
using Appliance.Rag;
using Appliance.Rag.Answers;
using Microsoft.Extensions.AI;

namespace Appliance.Agent.Answers;

/// <summary>One question for <see cref="Answerer"/>, whichever surface asked it.</summary>
/// <param name="Route">the route template, for the record of a held-back collection</param>
/// <param name="Options">sampling and answer length; the answer length also sets the room kept free in the context</param>
public sealed record AnswerRequest(Caller Caller, string Route, string Question, ChatOptions Options)
{
    /// <summary>A conversation's earlier messages (the OpenAI surface), without the client's system prompt and the question.</summary>
    public IReadOnlyList<ChatMessage> EarlierTurns { get; init; } = [];

    /// <summary>Only these collections, when given; those the caller may not read are held back (and counted).</summary>
    public IReadOnlyCollection<string>? Collections { get; init; }

    /// <summary>The passages of the files attached to the conversation (its owner's own; never in the shared index).</summary>
    public IReadOnlyList<AttachedPassage> Attached { get; init; } = [];
}

/// <summary>
/// The one answer pipeline behind /api/ask and /v1 (model <c>documents</c>): retrieve (filtered by the
/// caller's groups before ranking), fit the best sources to the model's context, prompt the chat model
/// with numbered sources, stream its words, then map its [n] markers to citations. With nothing
/// readable that matches, or without a chat model, it answers extractively — never a model's guess.
/// A refusal (queue full, prompt too long) is an event, so each route only translates it.
/// </summary>
public sealed class Answerer(DocumentLibrary library, ServedModels models, AccessDenials denials, ApplianceConfig config)
{
    public const string AiNotice = "This answer was written by an AI from the documents cited; check the sources before relying on it.";
    public const string TestModelNotice = "TEST MODEL: the answer text comes from a generated model with random weights and is meaningless; the retrieved sources are real.";
    public const string ExtractiveNotice = "Extractive answer: passages quoted from the documents, no model involved.";
    public const string StoppedNotice = "Stopped: the answer ends where its asker pressed Stop.";
    public const int DefaultMaxAnswerTokens = 384;
    public const int MaxAnswerTokensCeiling = 2048;

    private readonly ConversationSources _conversation = new(library, models);

    /// <summary>Whether answers come from a generated test model (their text is meaningless).</summary>
    public bool WritesWithTestModel => models.ChatIsTestModel;

    public async IAsyncEnumerable<AnswerEvent> AnswerAsync(AnswerRequest request, [EnumeratorCancellation] CancellationToken ct)
    {
        // Someone waits for this answer until it is written: a sync running meanwhile yields to it.
        using var waiting = library.Foreground.Begin();
        var started = Stopwatch.GetTimestamp();
        await denials.HeldBackAsync(request.Caller, request.Route, request.Collections, library, config);
        var searched = await _conversation.SearchedAsync(request, ct);
        IReadOnlyList<SearchHit> hits =
        [
            .. await _conversation.AttachedHitsAsync(request.Attached, searched, ct),
            .. await library.SearchAsync(new SearchRequest(searched, request.Caller.LibraryGroups) { Collections = request.Collections }, ct),
        ];
        await foreach (var e in ComposeAsync(request, searched, hits, started, ct))
            yield return e;
    }

    /// <summary>
    /// Writes about passages chosen beforehand — a job's one document — instead of searched ones: the
    /// same prompt fitting, generation and citation mapping as an answer. Nobody waits for it, so it
    /// does not hold syncs back; its class (background) travels in <see cref="AnswerRequest.Options"/>.
    /// </summary>
    public IAsyncEnumerable<AnswerEvent> WriteAboutAsync(AnswerRequest request, IReadOnlyList<SearchHit> passages, CancellationToken ct) =>
        ComposeAsync(request, request.Question, passages, Stopwatch.GetTimestamp(), ct);

    private async IAsyncEnumerable<AnswerEvent> ComposeAsync(AnswerRequest request, string searched, IReadOnlyList<SearchHit> hits, long started,
        [EnumeratorCancellation] CancellationToken ct)
    {
        if (models.Chat is null || hits.Count == 0)
        {
            var extractive = AnswerComposer.Extractive(searched, hits);
            var shown = hits.Take(3).ToList();
            yield return new AnswerEvent.Sources(Numbered(shown), searched);
            yield return new AnswerEvent.Delta(extractive.Text);
            var total = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            yield return new AnswerEvent.Done(new AnswerSummary(extractive.Text, Cited(extractive.Citations), true, false, ExtractiveNotice,
                new AnswerUsage(0, 0), new AnswerTiming(total, total, 0), DocumentIds(shown)) { Searched = searched }, ChatFinishReason.Stop);
            yield break;
        }

        var budget = models.Chat.GetService<PromptBudget>();
        var (prompt, earlier) = budget is null ? (AnswerComposer.BuildPrompt(request.Question, hits), request.EarlierTurns) : FitPrompt(request, hits, budget);
        if (prompt is null)
        {
            var bare = budget!.CountTokens(Messages(AnswerComposer.BuildPrompt(request.Question, []), []));
            yield return new AnswerEvent.Refused(new Refusal(RefusalReason.PromptTooLong,
                $"the question takes {bare} tokens; with its best source and room for the answer it does not fit this model's context of " +
                $"{budget.ContextTokens} tokens (shorten the question)"));
            yield break;
        }
        await foreach (var e in GenerateAsync(Messages(prompt, earlier), request.Options, prompt.Sources, searched, started, ct))
            yield return e;
    }

    /// <summary>A plain chat with the model (no documents), as the same events: the OpenAI surface's other model.</summary>
    public IAsyncEnumerable<AnswerEvent> ChatAsync(IReadOnlyList<ChatMessage> messages, ChatOptions options, CancellationToken ct) =>
        GenerateAsync(messages, options, null, null, Stopwatch.GetTimestamp(), ct);

    /// <summary>
    /// The best-ranked sources that fit beside the question, the conversation and room for the answer;
    /// when not even the best source fits, the oldest turns of the conversation go first, a pair at a time.
    /// A long requested answer keeps at most half the context free: the chat client clamps the rest.
    /// </summary>
    private static (AnswerPrompt? Prompt, IReadOnlyList<ChatMessage> Earlier) FitPrompt(AnswerRequest request, IReadOnlyList<SearchHit> hits, PromptBudget budget)
    {
        var room = Math.Min(request.Options.MaxOutputTokens ?? DefaultMaxAnswerTokens, budget.ContextTokens / 2);
        for (var earlier = request.EarlierTurns; ; earlier = [.. earlier.Skip(2)])
        {
            var turns = earlier;
            var prompt = AnswerComposer.BuildPrompt(request.Question, hits,
                candidate => budget.CountTokens(Messages(candidate, turns)) + room <= budget.ContextTokens);
            if (prompt is not null || earlier.Count == 0) return (prompt, earlier);
        }
    }

    private static List<ChatMessage> Messages(AnswerPrompt prompt, IReadOnlyList<ChatMessage> earlierTurns) =>
        [new(ChatRole.System, prompt.System), .. earlierTurns, new(ChatRole.User, prompt.User)];

    /// <param name="sources">the numbered sources of a documents answer; null for a plain chat (no citations)</param>
    /// <param name="searched">what retrieval searched for the sources</param>
    private async IAsyncEnumerable<AnswerEvent> GenerateAsync(IReadOnlyList<ChatMessage> messages, ChatOptions options,
        IReadOnlyList<NumberedSource>? sources, string? searched, long started, [EnumeratorCancellation] CancellationToken ct)
    {
        var chat = models.Chat ?? throw new InvalidOperationException("no chat model is loaded");
        await using var updates = chat.GetStreamingResponseAsync(messages, options, ct).GetAsyncEnumerator(ct);
        var (more, refusal) = await FirstAsync(updates);
        if (refusal is not null)
        {
            yield return new AnswerEvent.Refused(refusal);
            yield break;
        }
        // Sent with the first word, not before: until then the request may still be refused.
        if (sources is not null) yield return new AnswerEvent.Sources(Numbered(sources.Select(s => s.Hit)), searched);

        var text = new StringBuilder();
        var pieces = 0;
        UsageDetails? usage = null;
        ChatFinishReason? finish = null;
        double firstToken = 0;
        long firstTokenAt = 0;
        while (more)
        {
            var update = updates.Current;
            usage = update.Contents.OfType<UsageContent>().LastOrDefault()?.Details ?? usage;
            finish = update.FinishReason ?? finish;
            if (!string.IsNullOrEmpty(update.Text))
            {
                if (pieces++ == 0)
                {
                    firstTokenAt = Stopwatch.GetTimestamp();
                    firstToken = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                }
                text.Append(update.Text);
                yield return new AnswerEvent.Delta(update.Text);
            }
            more = await updates.MoveNextAsync();
        }

        var resolved = sources is null ? null : AnswerComposer.ResolveCitations(text.ToString(), sources);
        var completion = (int?)usage?.OutputTokenCount ?? pieces;
        var decodeSeconds = firstTokenAt == 0 ? 0 : Stopwatch.GetElapsedTime(firstTokenAt).TotalSeconds;
        yield return new AnswerEvent.Done(new AnswerSummary(
            resolved?.Text ?? text.ToString(), resolved is null ? [] : Cited(resolved.Citations), false, models.ChatIsTestModel,
            models.ChatIsTestModel ? TestModelNotice : AiNotice,
            new AnswerUsage((int?)usage?.InputTokenCount ?? 0, completion),
            new AnswerTiming(firstToken, Stopwatch.GetElapsedTime(started).TotalMilliseconds,
                decodeSeconds > 0 && completion > 1 ? (completion - 1) / decodeSeconds : 0),
            DocumentIds(sources?.Select(s => s.Hit) ?? [])) { Searched = searched }, finish);
    }

    /// <summary>The first step of a generation: where the inference core admits or refuses it.</summary>
    private static async Task<(bool More, Refusal? Refused)> FirstAsync(IAsyncEnumerator<ChatResponseUpdate> updates)
    {
        try
        {
            return (await updates.MoveNextAsync(), null);
        }
        catch (InferenceRefusedException e)
        {
            return (false, e.Refusal);
        }
    }

    /// <summary>The office's documents an answer drew on (for the query log); a conversation's own attachments are not office documents.</summary>
    private static List<string> DocumentIds(IEnumerable<SearchHit> hits) =>
        [.. hits.Where(h => h.Citation.CollectionId != Attachment.CollectionId).Select(h => h.DocumentId).Distinct()];

    private static List<CitationView> Numbered(IEnumerable<SearchHit> hits) =>
        hits.Select((h, i) => CitationView.Of(h.Citation, i + 1)).ToList();

    private static List<CitationView> Cited(IEnumerable<NumberedCitation> citations) =>
        citations.Select(c => CitationView.Of(c.Citation, c.Number)).ToList();
}
