using System.Security.Cryptography;
using Appliance.Agent.Hosting;
using Appliance.Agent.Identity;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Appliance.Agent.Sessions;

/// <summary>Signing in and out of the web page, and "who am I" for any signed-in caller.</summary>
public static class SessionEndpoints
{
    public sealed record SignInRequest(string? Name, string? Password);

    /// <param name="Language">the page language the person chose (null: none yet, the browser's language applies)</param>
    public sealed record SessionInfo(string Name, string DisplayName, IReadOnlyList<string> Roles, IReadOnlyList<string> Groups, string? CsrfToken, string? Language);

    public sealed record LanguageChoice(string? Language);

    /// <summary>POST /api/session: 401 unless the name and password check out, so it is no open door.</summary>
    public static async Task<Results<Ok<SessionInfo>, ProblemHttpResult>> SignInAsync(SignInRequest? body, SignIn signIn, IdentityStore identity, HttpContext context,
        CancellationToken ct)
    {
        var outcome = await signIn.AttemptAsync(body?.Name?.Trim() ?? "", body?.Password ?? "", ct);
        switch (outcome)
        {
            case SignInOutcome.Success success:
                var csrf = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
                var principal = Principals.For(success.User, Principals.Session, csrf);
                await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, principal);
                return TypedResults.Ok(InfoOf(Caller.From(principal), csrf, await identity.LanguageAsync(success.User.Name, ct)));
            case SignInOutcome.LockedOut locked:
                return PageProblems.Result(401, "account locked",
                    $"too many failed sign-ins: try again after {locked.Until:HH:mm} UTC or ask an admin to unlock the account", PageProblems.AccountLocked,
                    new() { ["until"] = locked.Until });
            case SignInOutcome.DirectoryUnavailable:
                return PageProblems.Result(503, "directory unavailable",
                    "the office directory (LDAP) does not answer; try again shortly or tell IT", PageProblems.DirectoryUnavailable);
            default:
                return PageProblems.Result(401, "sign-in failed", "name or password is wrong", PageProblems.SignInFailed);
        }
    }

    /// <summary>GET /api/session: who is signed in (the page calls it on load; it also hands the page its CSRF token).</summary>
    public static async Task<Ok<SessionInfo>> CurrentAsync(Caller caller, HttpContext context, IdentityStore identity, CancellationToken ct)
    {
        return TypedResults.Ok(InfoOf(caller, context.User.FindFirst(Principals.CsrfClaim)?.Value, await identity.LanguageAsync(caller.Name, ct)));
    }

    /// <summary>PUT /api/session/language {"language": "de"}: the page language, remembered for the person wherever they sign in.</summary>
    public static async Task<IResult> SetLanguageAsync(LanguageChoice? body, Caller caller, IdentityStore identity, CancellationToken ct)
    {
        if (body?.Language is not { } language || !Web.PageStrings.Languages.Contains(language))
            return TypedResults.Problem(statusCode: 400, title: "unknown language", detail: $"language is one of {string.Join(", ", Web.PageStrings.Languages)}");
        return await identity.SetLanguageAsync(caller.Name, language, ct) ? TypedResults.NoContent() : TypedResults.NotFound();
    }

    /// <summary>DELETE /api/session.</summary>
    public static async Task<NoContent> SignOutAsync(HttpContext context, ILogger<SignIn> log)
    {
        log.LogInformation("{User} signed out", context.User.Identity?.Name);
        await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        return TypedResults.NoContent();
    }

    private static SessionInfo InfoOf(Caller caller, string? csrf, string? language) => new(caller.Name, caller.DisplayName, caller.Roles, caller.Groups, csrf, language);
}
