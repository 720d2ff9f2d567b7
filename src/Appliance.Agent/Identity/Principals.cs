using Microsoft.AspNetCore.Http;
using System.Security.Claims;
using Appliance.Config;
using Appliance.Inference;

namespace Appliance.Agent.Identity;

/// <summary>Who is calling, as every handler sees it: name, roles and the groups that decide what they may read.</summary>
public sealed record Caller(string Name, string DisplayName, IReadOnlyList<string> Roles, IReadOnlyList<string> Groups)
{
    public static Caller From(ClaimsPrincipal principal) => new(
        principal.Identity?.Name ?? throw new InvalidOperationException("no authenticated user on this request"),
        principal.FindFirstValue(Principals.DisplayNameClaim) ?? principal.Identity!.Name!,
        principal.FindAll(ClaimTypes.Role).Select(c => c.Value).ToList(),
        principal.FindAll(Principals.GroupClaim).Select(c => c.Value).ToList());

    /// <summary>
    /// Lets a route handler take the signed-in caller as a parameter: minimal APIs bind a parameter
    /// of this type through this method. Every such route requires a signed-in user.
    /// </summary>
    public static ValueTask<Caller?> BindAsync(HttpContext context) => ValueTask.FromResult<Caller?>(From(context.User));

    /// <summary>What the library reads by: the person's groups and the group of one, which opens their own shelf (their job results).</summary>
    public IReadOnlyList<string> LibraryGroups => [.. Groups, Appliance.Rag.Shelf.PersonGroup(Name)];
}

/// <summary>Builds the claims principal of a signed-in user; the same shape for cookies and tokens.</summary>
public static class Principals
{
    public const string GroupClaim = "appliance:group";
    public const string DisplayNameClaim = "appliance:display_name";
    public const string CsrfClaim = "appliance:csrf";
    public const string WorkClassClaim = "appliance:work_class";

    /// <summary>Authentication types, so later stages know whether a browser cookie (CSRF applies) or a token came in.</summary>
    public const string Session = "session";
    public const string Token = "token";

    /// <param name="workClass">a token's class of work (sessions have none: the page is interactive by its routes)</param>
    public static ClaimsPrincipal For(ApplianceUser user, string authenticationType, string? csrfToken = null, WorkPriority? workClass = null)
    {
        var claims = new List<Claim>
        {
            new(ClaimTypes.Name, user.Name),
            new(DisplayNameClaim, user.DisplayName),
        };
        claims.AddRange(user.Roles.Select(r => new Claim(ClaimTypes.Role, RoleNames.Of(r))));
        claims.AddRange(user.Groups.Select(g => new Claim(GroupClaim, g)));
        if (csrfToken is not null) claims.Add(new Claim(CsrfClaim, csrfToken));
        if (workClass is { } c) claims.Add(new Claim(WorkClassClaim, c.ToString()));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, authenticationType, ClaimTypes.Name, ClaimTypes.Role));
    }

    /// <summary>The class /v1 schedules this caller's requests as: its token's class, API for everyone else.</summary>
    public static WorkPriority ApiWorkClass(ClaimsPrincipal principal) =>
        Enum.TryParse<WorkPriority>(principal.FindFirstValue(WorkClassClaim), out var c) ? c : WorkPriority.Api;

}
