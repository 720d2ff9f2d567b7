using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Appliance.Agent.Audit;
using Appliance.Agent.Conversations;
using Appliance.Agent.Documents;
using Appliance.Agent.Hosting;
using Appliance.Agent.Identity;
using Appliance.Config;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace Appliance.Agent.Answers;

/// <summary>
/// POST /api/ask {"question": "…", "conversation_id"?, "collections"?}: an answer streamed as
/// server-sent events — `sources` (numbered citations, what was searched, and the conversation it
/// belongs to when history is kept), `delta` (text as it is written), `done` (answer, used
/// citations, usage, timing, notice, and the stored turn's id for thumbs).
/// A follow-up is answered in its conversation's context. Logged in the query log once it ends,
/// also when the client hangs up; a stopped answer is kept in the conversation as far as it got.
/// The answer itself comes from <see cref="Answerer"/>; this route only speaks its wire format.
/// </summary>
public static class AskEndpoint
{
    public const int MaxQuestionLength = 4000;

    /// <summary>Earlier turns the page sends itself when history is off (nothing is stored on the box then).</summary>
    public const int MaxEarlierTurns = 10;

    /// <summary>A turn the page holds when the box keeps no history.</summary>
    public sealed record EarlierTurn(string? Question, string? Answer);

    /// <param name="MaxTokens">a cap on the answer's length (default 384, at most 2048)</param>
    /// <param name="Regenerate">ask the conversation's last question again, replacing its answer</param>
    /// <param name="Earlier">only when history is off: the conversation so far, oldest first</param>
    public sealed record AskBody(string? Question, IReadOnlyList<string>? Collections, int? MaxTokens, string? ConversationId, bool? Regenerate,
        IReadOnlyList<EarlierTurn>? Earlier);

    public static async Task AskAsync(AskBody? body, Caller caller, HttpContext context, Answerer answerer, QueryLog log, ConversationStore conversations,
        ApplianceConfig config, IOptions<JsonOptions> json, StreamClock streams, ILogger<Answerer> logger)
    {
        var question = body?.Question?.Trim() ?? "";
        if (question.Length == 0)
        {
            await PageProblems.Write(context, 400, "question needed", "type a question first", PageProblems.QuestionEmpty);
            return;
        }
        if (question.Length > MaxQuestionLength)
        {
            await PageProblems.Write(context, 400, "question too long",
                $"a question can have up to {MaxQuestionLength} characters; this one has {question.Length}", PageProblems.QuestionTooLong,
                new() { ["limit"] = MaxQuestionLength, ["length"] = question.Length });
            return;
        }
        if (body!.MaxTokens is < 1 or > Answerer.MaxAnswerTokensCeiling)
        {
            await TypedResults.Problem(statusCode: 400, title: "max_tokens out of range", detail: $"max_tokens must be between 1 and {Answerer.MaxAnswerTokensCeiling}").ExecuteAsync(context);
            return;
        }
        var ct = context.RequestAborted;
        var history = config.Privacy.History.Enabled;

        ConversationSummary? conversation = null;
        var created = false;
        IReadOnlyList<ChatMessage> earlier = [];
        IReadOnlyList<AttachedPassage> attached = [];
        var collections = body.Collections;
        if (history && body.ConversationId is { } id)
        {
            if (body.Regenerate == true) await conversations.RemoveLastTurnAsync(caller.Name, id, ct);
            if (await conversations.GetAsync(caller.Name, id, ct) is not { } found)
            {
                await PageProblems.Write(context, 404, "no such conversation", "you have no conversation with this id (it may have been deleted)",
                    PageProblems.ConversationNotFound);
                return;
            }
            conversation = found.Summary;
            earlier = [.. found.Turns.SelectMany(t => Pair(t.Question, t.Answer))];
            attached = await conversations.AttachedPassagesAsync(caller.Name, id, ct);
            // Started by attaching a file: the first question names it, as any conversation's does.
            if (found.Turns.Count == 0 && body.Regenerate != true) await conversations.RenameAsync(caller.Name, id, question, ct);
            if (body.Collections is null) collections = found.Summary.Collections;
            else if (!SameScope(body.Collections, found.Summary.Collections)) await conversations.ScopeAsync(caller.Name, id, body.Collections, ct);
        }
        else if (history)
        {
            conversation = await conversations.CreateAsync(caller.Name, question, collections, ct);
            created = true;
        }
        else if (body.Earlier is { } turns)
        {
            earlier = [.. turns.TakeLast(MaxEarlierTurns).SelectMany(t => Pair(t.Question ?? "", t.Answer ?? ""))];
        }

        var started = Stopwatch.GetTimestamp();
        var request = new AnswerRequest(caller, AccessDenials.RouteOf(context), question,
            new ChatOptions { MaxOutputTokens = body.MaxTokens ?? Answerer.DefaultMaxAnswerTokens, Temperature = 0.2f })
        {
            Collections = collections,
            EarlierTurns = earlier,
            Attached = attached,
        };
        var sse = new ServerSentEvents(context.Response, json.Value.SerializerOptions, streams);
        AnswerEvent.Sources? sources = null;
        var text = new StringBuilder();
        AnswerSummary? summary = null;
        var status = 200;
        try
        {
            await foreach (var e in answerer.AnswerAsync(request, ct))
            {
                if (e is AnswerEvent.Refused refused)
                {
                    if (created) await conversations.DeleteAsync(caller.Name, conversation!.Id, CancellationToken.None);
                    status = await RefusalAnswers.WriteAsync(context, refused.Refusal);
                    return;
                }
                if (!context.Response.HasStarted) sse.Begin();
                switch (e)
                {
                    case AnswerEvent.Sources s:
                        sources = s;
                        await sse.SendAsync("sources", new { citations = s.Items, searched = s.Searched, conversation }, ct);
                        break;
                    case AnswerEvent.Delta delta:
                        text.Append(delta.Text);
                        await sse.SendAsync("delta", new { text = delta.Text }, ct);
                        break;
                    case AnswerEvent.Done done:
                        summary = done.Summary;
                        var turnId = conversation is null ? null
                            : await conversations.AppendAsync(caller.Name, conversation.Id, TurnOf(question, sources, summary), CancellationToken.None);
                        var finished = JsonSerializer.SerializeToNode(done.Summary, json.Value.SerializerOptions)!.AsObject();
                        finished["turn_id"] = turnId;
                        await sse.SendAsync("done", finished, ct);
                        break;
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            status = 499;  // the client went away or pressed Stop; generation stopped with it
            logger.LogInformation("ask by {User} cancelled by the client", caller.Name);
            if (conversation is not null && summary is null)
            {
                if (sources is null && created) await conversations.DeleteAsync(caller.Name, conversation.Id, CancellationToken.None);
                else if (sources is not null)
                    await conversations.AppendAsync(caller.Name, conversation.Id, new NewTurn(question, sources.Searched ?? question, text.ToString(),
                        sources.Items, [], Answerer.StoppedNotice, answerer.WritesWithTestModel, false, TurnOutcome.Stopped), CancellationToken.None);
            }
        }
        catch
        {
            status = 500;  // a fault, not a refusal: the error handler answers and logs it
            throw;
        }
        finally
        {
            await log.AppendAsync(new QueryRecord(caller.Name, "/api/ask", question, summary?.RetrievedDocumentIds ?? [],
                summary?.Usage.PromptTokens ?? 0, summary?.Usage.CompletionTokens ?? 0, Stopwatch.GetElapsedTime(started), status), CancellationToken.None);
        }
    }

    private static NewTurn TurnOf(string question, AnswerEvent.Sources? sources, AnswerSummary summary) =>
        new(question, summary.Searched ?? question, summary.Answer, sources?.Items ?? summary.Citations, summary.Citations, summary.Notice,
            summary.TestModel, summary.Extractive, TurnOutcome.Answered);

    private static IEnumerable<ChatMessage> Pair(string question, string answer) =>
        [new ChatMessage(ChatRole.User, question), new ChatMessage(ChatRole.Assistant, answer)];

    private static bool SameScope(IReadOnlyList<string> wanted, IReadOnlyList<string>? stored) =>
        stored is not null && wanted.Order(StringComparer.Ordinal).SequenceEqual(stored.Order(StringComparer.Ordinal), StringComparer.Ordinal);
}
