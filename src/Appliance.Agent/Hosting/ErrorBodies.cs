using Appliance.Agent.OpenAi;
using Microsoft.AspNetCore.Diagnostics;

namespace Appliance.Agent.Hosting;

/// <summary>
/// Turns a request that failed before or inside a handler (malformed JSON, body too large, a bug)
/// into a JSON error: OpenAI's shape under /v1, problem details elsewhere. Never echoes the body.
/// </summary>
public static class ErrorBodies
{
    public static async Task WriteAsync(HttpContext context)
    {
        var error = context.Features.Get<IExceptionHandlerFeature>()?.Error;
        var status = error is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError;
        var message = status switch
        {
            StatusCodes.Status413PayloadTooLarge => "the request body is larger than this route accepts",
            >= 500 => "the agent failed to answer; the error is in its log",
            _ => "the request is malformed: " + (error?.Message ?? "unknown problem"),
        };
        if (status >= 500)
            context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Appliance.Agent.Errors")
                .LogError(error, "unhandled error on {Route}", (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText);
        context.Response.StatusCode = status;
        var result = context.Request.Path.StartsWithSegments("/v1")
            ? OpenAiErrors.Result(status, message)
            : TypedResults.Problem(statusCode: status, title: status >= 500 ? "internal error" : "bad request", detail: message);
        await result.ExecuteAsync(context);
    }

    /// <summary>
    /// Gives an answer that has a status but no body (405 wrong method, 415 wrong content type, a bare
    /// 404) the same JSON shape as every other refusal, so clients can always parse an error.
    /// </summary>
    public static async Task WriteStatusAsync(StatusCodeContext status)
    {
        var context = status.HttpContext;
        var code = context.Response.StatusCode;
        var message = code switch
        {
            StatusCodes.Status404NotFound => "there is nothing here, or nothing you may see",
            StatusCodes.Status405MethodNotAllowed => $"{context.Request.Method} is not allowed here",
            StatusCodes.Status415UnsupportedMediaType => "send the body as application/json",
            _ => Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(code),
        };
        var result = context.Request.Path.StartsWithSegments("/v1")
            ? OpenAiErrors.Result(code, message)
            : TypedResults.Problem(statusCode: code, title: Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(code).ToLowerInvariant(), detail: message);
        await result.ExecuteAsync(context);
    }
}
