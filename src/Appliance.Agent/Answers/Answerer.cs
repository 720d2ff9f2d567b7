using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using Appliance.Agent.Documents;
using Appliance.Agent.Identity;
using Appliance.Rag;
using Appliance.Rag.Answers;
using Microsoft.Extensions.AI;

namespace Appliance.Agent.Answers;

/// <summary>
/// Answers a question from the documents the caller may read: retrieve (filtered by their groups
/// before ranking), prompt the chat model with numbered sources, stream its words, then map its
/// [n] markers to citations. Without a chat model it answers extractively from the best passages.
/// </summary>
public sealed class Answerer(DocumentLibrary library, ServedModels models)
{
    public const string AiNotice = "This answer was written by an AI from the documents cited; check the sources before relying on it.";
    public const string TestModelNotice = "TEST MODEL: the answer text comes from a generated model with random weights and is meaningless; the retrieved sources are real.";
    public const int DefaultMaxAnswerTokens = 384;
    public const int MaxAnswerTokensCeiling = 2048;

    public async IAsyncEnumerable<AnswerEvent> AnswerAsync(string question, Caller caller, IReadOnlyCollection<string>? collections,
        int? maxTokens, [EnumeratorCancellation] CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var hits = await library.SearchAsync(new SearchRequest(question, caller.Groups.ToList()) { Collections = collections }, ct);
        var retrieved = hits.Select(h => h.DocumentId).Distinct().ToList();
        var notice = models.ChatIsTestModel ? TestModelNotice : AiNotice;

        if (models.Chat is null || hits.Count == 0)
        {
            var extractive = AnswerComposer.Extractive(question, hits);
            yield return new AnswerEvent.Sources(Numbered(hits.Take(3)));
            yield return new AnswerEvent.Delta(extractive.Text);
            var total = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            yield return new AnswerEvent.Done(new AnswerSummary(extractive.Text, Cited(extractive.Citations), true, false,
                "Extractive answer: passages quoted from the documents, no model involved.", new AnswerUsage(0, 0),
                new AnswerTiming(total, total, 0), retrieved));
            yield break;
        }

        var prompt = AnswerComposer.BuildPrompt(question, hits);
        var messages = new List<ChatMessage> { new(ChatRole.System, prompt.System), new(ChatRole.User, prompt.User) };
        var options = new ChatOptions { MaxOutputTokens = maxTokens ?? DefaultMaxAnswerTokens, Temperature = 0.2f };
        var text = new StringBuilder();
        var pieces = 0;
        UsageDetails? usage = null;
        double firstToken = 0;
        long firstTokenAt = 0;
        var sentSources = false;
        await foreach (var update in models.Chat.GetStreamingResponseAsync(messages, options, ct))
        {
            usage = update.Contents.OfType<UsageContent>().LastOrDefault()?.Details ?? usage;
            if (!sentSources)
            {
                // Sent with the first word, not before: until then the request may still be refused (429).
                sentSources = true;
                yield return new AnswerEvent.Sources(Numbered(hits));
            }
            if (string.IsNullOrEmpty(update.Text)) continue;
            if (pieces++ == 0)
            {
                firstTokenAt = Stopwatch.GetTimestamp();
                firstToken = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }
            text.Append(update.Text);
            yield return new AnswerEvent.Delta(update.Text);
        }
        if (!sentSources) yield return new AnswerEvent.Sources(Numbered(hits));
        var resolved = AnswerComposer.ResolveCitations(text.ToString(), prompt.Sources);
        var completion = (int?)usage?.OutputTokenCount ?? pieces;
        var decodeSeconds = firstTokenAt == 0 ? 0 : Stopwatch.GetElapsedTime(firstTokenAt).TotalSeconds;
        yield return new AnswerEvent.Done(new AnswerSummary(resolved.Text, Cited(resolved.Citations), false, models.ChatIsTestModel, notice,
            new AnswerUsage((int?)usage?.InputTokenCount ?? 0, completion),
            new AnswerTiming(firstToken, Stopwatch.GetElapsedTime(started).TotalMilliseconds,
                decodeSeconds > 0 && completion > 1 ? (completion - 1) / decodeSeconds : 0),
            retrieved));
    }

    private static List<CitationView> Numbered(IEnumerable<SearchHit> hits) =>
        hits.Select((h, i) => CitationView.Of(h.Citation, i + 1)).ToList();

    private static List<CitationView> Cited(IEnumerable<NumberedCitation> citations) =>
        citations.Select(c => CitationView.Of(c.Citation, c.Number)).ToList();
}
