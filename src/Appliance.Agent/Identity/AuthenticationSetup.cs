using Appliance.Config;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;

namespace Appliance.Agent.Identity;

/// <summary>Policies beyond the one-per-role ones.</summary>
public static class Policies
{
    /// <summary>Erasing a document: the administrator or the data protection officer.</summary>
    public const string Erasure = "erasure";
}

/// <summary>Cookie sessions for the web page, bearer tokens for API clients, and one policy per role.</summary>
public static class AuthenticationSetup
{
    public const string CookieName = "appliance_session";
    private const string Either = "session-or-token";

    public static IServiceCollection AddApplianceAuthentication(this IServiceCollection services, AuthSettings auth, string dataFolder)
    {
        // Session cookies stay valid across restarts because their keys live with the data. The key
        // ring is stored unencrypted, so its folder is the agent's alone (0700), whatever the umask.
        var keys = Path.Combine(dataFolder, "session-keys");
        if (!OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(keys, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            File.SetUnixFileMode(keys, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        services.AddDataProtection()
            .SetApplicationName("appliance-agent")
            .PersistKeysToFileSystem(new DirectoryInfo(keys));

        services.AddAuthentication(Either)
            .AddPolicyScheme(Either, "cookie or bearer token", o =>
                o.ForwardDefaultSelector = context =>
                    context.Request.Headers.Authorization.Count > 0 ? ApiTokenAuthentication.SchemeName : CookieAuthenticationDefaults.AuthenticationScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiTokenAuthentication>(ApiTokenAuthentication.SchemeName, null)
            .AddCookie(CookieAuthenticationDefaults.AuthenticationScheme, o =>
            {
                o.Cookie.Name = CookieName;
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.ExpireTimeSpan = TimeSpan.FromMinutes(auth.SessionMinutes);
                o.SlidingExpiration = true;
                o.Events.OnRedirectToLogin = c => Refusals.WriteAsync(c.HttpContext, StatusCodes.Status401Unauthorized);
                o.Events.OnRedirectToAccessDenied = c => Refusals.WriteAsync(c.HttpContext, StatusCodes.Status403Forbidden);
                o.Events.OnValidatePrincipal = RefreshFromStoreAsync;
            });

        services.AddAuthorizationBuilder()
            .AddPolicy(RoleNames.Employee, p => p.RequireAuthenticatedUser().RequireRole(RoleNames.Employee))
            .AddPolicy(RoleNames.Admin, p => p.RequireAuthenticatedUser().RequireRole(RoleNames.Admin))
            .AddPolicy(RoleNames.Dpo, p => p.RequireAuthenticatedUser().RequireRole(RoleNames.Dpo))
            .AddPolicy(Policies.Erasure, p => p.RequireAuthenticatedUser().RequireRole(RoleNames.Admin, RoleNames.Dpo));
        return services;
    }

    /// <summary>Roles and groups come from the store on every request, so a change in appliance.yaml or a removed user takes effect at once.</summary>
    private static async Task RefreshFromStoreAsync(CookieValidatePrincipalContext context)
    {
        var name = context.Principal?.Identity?.Name;
        var store = context.HttpContext.RequestServices.GetRequiredService<IdentityStore>();
        var user = name is null ? null : await store.FindAsync(name, context.HttpContext.RequestAborted);
        // A configured account without a password cannot sign in, so a session it holds predates an
        // erasure of the account (which clears the password): it ends with it.
        if (user is null || user is { Source: UserSource.Config, HasPassword: false })
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return;
        }
        context.ReplacePrincipal(Principals.For(user, Principals.Session, context.Principal!.FindFirst(Principals.CsrfClaim)?.Value));
    }
}
