using Appliance.Agent.OpenAi;

namespace Appliance.Agent.Identity;

/// <summary>401/403 bodies: OpenAI's error shape under /v1 (so SDKs show the message), problem details elsewhere.</summary>
public static class Refusals
{
    public static Task WriteAsync(HttpContext context, int status)
    {
        if (context.Response.HasStarted) return Task.CompletedTask;
        var message = status == StatusCodes.Status401Unauthorized
            ? "sign in or send an API token (Authorization: Bearer apl_…)"
            : "your account's roles do not allow this";
        if (context.Request.Path.StartsWithSegments("/v1"))
            return OpenAiErrors.Result(status, message, status == 401 ? "invalid_api_key" : "permission_denied").ExecuteAsync(context);
        return TypedResults.Problem(statusCode: status, title: status == 401 ? "not signed in" : "forbidden", detail: message).ExecuteAsync(context);
    }
}
