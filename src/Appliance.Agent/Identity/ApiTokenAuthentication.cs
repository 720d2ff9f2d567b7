using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Appliance.Agent.Identity;

/// <summary>`Authorization: Bearer apl_…`: API tokens, the way the openai SDKs, curl and editors call the agent.</summary>
public sealed class ApiTokenAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory loggers, UrlEncoder encoder, IdentityStore store)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggers, encoder)
{
    public const string SchemeName = "token";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header)) return AuthenticateResult.NoResult();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return AuthenticateResult.Fail("only Bearer tokens are accepted");
        var holder = await store.AuthenticateTokenAsync(header["Bearer ".Length..].Trim(), Context.RequestAborted);
        if (holder is null) return AuthenticateResult.Fail("unknown or revoked API token");
        return AuthenticateResult.Success(new AuthenticationTicket(Principals.For(holder.User, Principals.Token, workClass: holder.Class), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers[HeaderNames.WWWAuthenticate] = "Bearer";
        return Refusals.WriteAsync(Context, StatusCodes.Status401Unauthorized);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        Refusals.WriteAsync(Context, StatusCodes.Status403Forbidden);
}
