using System.Globalization;
using Appliance.Agent.OpenAi;
using Appliance.Inference;

namespace Appliance.Agent.Hosting;

/// <summary>
/// The one place a refusal of the inference core becomes an HTTP answer, on every surface: the reason
/// picks the status (400, or 429 with Retry-After), the path picks the body's shape (OpenAI's error
/// under /v1, problem details elsewhere). Anything that is not a refusal is a fault (500).
/// </summary>
public static class RefusalAnswers
{
    public static int StatusOf(RefusalReason reason) => reason switch
    {
        RefusalReason.PromptTooLong or RefusalReason.TextTooLong => StatusCodes.Status400BadRequest,
        RefusalReason.QueueFull => StatusCodes.Status429TooManyRequests,
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, "a refusal reason without an HTTP answer"),
    };

    /// <summary>Writes the refusal and returns its status (for the query log).</summary>
    public static async Task<int> WriteAsync(HttpContext context, Refusal refusal)
    {
        var status = StatusOf(refusal.Reason);
        var detail = refusal.Detail;
        int? seconds = null;
        if (refusal.RetryAfter is { } retryAfter)
        {
            seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
            context.Response.Headers.RetryAfter = seconds.Value.ToString(CultureInfo.InvariantCulture);
            detail = $"the appliance is busy answering other questions; retry after {seconds} s";
        }
        var (title, code, param) = refusal.Reason switch
        {
            RefusalReason.PromptTooLong => ("question too long", "context_length_exceeded", "messages"),
            RefusalReason.TextTooLong => ("text too long", "context_length_exceeded", "input"),
            _ => ("busy", "rate_limit_exceeded", (string?)null),
        };
        var result = context.Request.Path.StartsWithSegments("/v1")
            ? OpenAiErrors.Result(status, detail, code, param)
            : PageProblems.Result(status, title, detail, refusal.Reason == RefusalReason.QueueFull ? PageProblems.Busy : PageProblems.PromptTooLong,
                new() { ["retry_after"] = seconds });
        await result.ExecuteAsync(context);
        return status;
    }
}
