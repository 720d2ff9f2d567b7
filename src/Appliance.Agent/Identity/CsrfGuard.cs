using System.Security.Cryptography;
using System.Text;

namespace Appliance.Agent.Identity;

/// <summary>
/// Requests carried by the browser's session cookie that change something must repeat the session's
/// CSRF token in a header, which another site's page cannot read. Token callers are exempt: a
/// browser never attaches their credential on its own.
/// </summary>
public sealed class CsrfGuard(RequestDelegate next)
{
    public const string Header = "X-CSRF-Token";

    public Task InvokeAsync(HttpContext context)
    {
        if (context.User.Identity is { IsAuthenticated: true, AuthenticationType: Principals.Session }
            && !IsSignIn(context.Request)
            && !HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method) && !HttpMethods.IsOptions(context.Request.Method)
            && !Matches(context.Request.Headers[Header], context.User.FindFirst(Principals.CsrfClaim)?.Value))
        {
            Audit.AccessDenials.Explain(context, "403 CSRF token missing or wrong");
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "CSRF check failed",
                detail: $"a request made with the session cookie must send the session's token in the {Header} header").ExecuteAsync(context);
        }
        return next(context);
    }

    // Signing in again (as someone else) proves itself with a password, not with the old session.
    private static bool IsSignIn(HttpRequest request) => HttpMethods.IsPost(request.Method) && request.Path.Equals("/api/session");

    private static bool Matches(string? sent, string? expected) =>
        !string.IsNullOrEmpty(sent) && !string.IsNullOrEmpty(expected)
        && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(sent), Encoding.UTF8.GetBytes(expected));
}
