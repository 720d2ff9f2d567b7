using System.Globalization;
using Appliance.Inference;

namespace Appliance.Agent.OpenAi;

/// <summary>The inference queue is full: 429 with Retry-After, instead of letting every request slow to a crawl.</summary>
public static class Overload
{
    public static TimeSpan? RetryAfter(Exception e) => e switch
    {
        QueueFullException full => full.RetryAfter,
        AggregateException { InnerExceptions: [QueueFullException full] } => full.RetryAfter,
        _ => null,
    };

    public static Task RefuseAsync(HttpContext context, TimeSpan retryAfter, bool openAiShape)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        var message = $"the appliance is busy answering other questions; retry after {seconds} s";
        return (openAiShape
            ? OpenAiErrors.Result(StatusCodes.Status429TooManyRequests, message, "rate_limit_exceeded")
            : TypedResults.Problem(statusCode: 429, title: "busy", detail: message)).ExecuteAsync(context);
    }
}
