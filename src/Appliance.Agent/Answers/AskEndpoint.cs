using System.Diagnostics;
using Appliance.Agent.Audit;
using Appliance.Agent.Hosting;
using Appliance.Agent.Identity;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace Appliance.Agent.Answers;

/// <summary>
/// POST /api/ask {"question": "…", "collections": ["…"]?}: an answer streamed as server-sent events —
/// `sources` (numbered citations), `delta` (text as it is written), `done` (answer, used citations,
/// usage, timing, notice). Logged in the query log once it ends, also when the client hangs up.
/// The answer itself comes from <see cref="Answerer"/>; this route only speaks its wire format.
/// </summary>
public static class AskEndpoint
{
    /// <param name="MaxTokens">a cap on the answer's length (default 384, at most 2048)</param>
    public sealed record AskBody(string? Question, IReadOnlyList<string>? Collections, int? MaxTokens);

    public static async Task AskAsync(AskBody? body, HttpContext context, Answerer answerer, QueryLog log, IOptions<JsonOptions> json, ILogger<Answerer> logger)
    {
        if (string.IsNullOrWhiteSpace(body?.Question) || body.Question.Length > 4000)
        {
            await TypedResults.Problem(statusCode: 400, title: "question needed", detail: "send {\"question\": \"…\"} with 1–4000 characters").ExecuteAsync(context);
            return;
        }
        if (body.MaxTokens is < 1 or > Answerer.MaxAnswerTokensCeiling)
        {
            await TypedResults.Problem(statusCode: 400, title: "max_tokens out of range", detail: $"max_tokens must be between 1 and {Answerer.MaxAnswerTokensCeiling}").ExecuteAsync(context);
            return;
        }
        var caller = Caller.From(context.User);
        var started = Stopwatch.GetTimestamp();
        var ct = context.RequestAborted;
        var request = new AnswerRequest(caller, AccessDenials.RouteOf(context), body.Question,
            new ChatOptions { MaxOutputTokens = body.MaxTokens ?? Answerer.DefaultMaxAnswerTokens, Temperature = 0.2f })
        {
            Collections = body.Collections,
        };
        var sse = new ServerSentEvents(context.Response, json.Value.SerializerOptions);
        AnswerSummary? summary = null;
        var status = 200;
        try
        {
            await foreach (var e in answerer.AnswerAsync(request, ct))
            {
                if (e is AnswerEvent.Refused refused)
                {
                    status = await RefusalAnswers.WriteAsync(context, refused.Refusal);
                    return;
                }
                if (!context.Response.HasStarted) sse.Begin();
                switch (e)
                {
                    case AnswerEvent.Sources sources:
                        await sse.SendAsync("sources", new { citations = sources.Items }, ct);
                        break;
                    case AnswerEvent.Delta delta:
                        await sse.SendAsync("delta", new { text = delta.Text }, ct);
                        break;
                    case AnswerEvent.Done done:
                        summary = done.Summary;
                        await sse.SendAsync("done", done.Summary, ct);
                        break;
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            status = 499;  // the client went away; generation stopped with it
            logger.LogInformation("ask by {User} cancelled by the client", caller.Name);
        }
        catch
        {
            status = 500;  // a fault, not a refusal: the error handler answers and logs it
            throw;
        }
        finally
        {
            await log.AppendAsync(new QueryRecord(caller.Name, "/api/ask", body.Question, summary?.RetrievedDocumentIds ?? [],
                summary?.Usage.PromptTokens ?? 0, summary?.Usage.CompletionTokens ?? 0, Stopwatch.GetElapsedTime(started), status), CancellationToken.None);
        }
    }
}
