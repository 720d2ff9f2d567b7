using Appliance.Agent.Identity;
using Appliance.Config;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Appliance.Agent.Admin;

/// <summary>/api/admin: accounts, groups and every API token. Users themselves come from appliance.yaml or LDAP.</summary>
public static class AdminEndpoints
{
    public sealed record UserView(string Name, string DisplayName, string Source, IReadOnlyList<string> Roles, IReadOnlyList<string> Groups,
        bool HasPassword, DateTimeOffset? LockedUntil, DateTimeOffset? LastSignIn);

    public sealed record GroupView(string Id, string Title, IReadOnlyList<string> Members, IReadOnlyList<string> Collections);

    public sealed record NewPassword(string? Password);

    /// <param name="Class">interactive, api (default) or background: how the scheduler ranks the token's /v1 requests</param>
    public sealed record NewUserToken(string? User, string? Name, string? Class = null);

    public static async Task<Ok<IReadOnlyList<UserView>>> UsersAsync(IdentityStore store, CancellationToken ct) =>
        TypedResults.Ok<IReadOnlyList<UserView>>((await store.ListAsync(ct)).Select(View).ToList());

    public static async Task<Results<NoContent, NotFound, ProblemHttpResult>> SetPasswordAsync(string name, NewPassword? body, IdentityStore store, CancellationToken ct)
    {
        if (PasswordRules.Problem(body?.Password) is { } problem)
            return TypedResults.Problem(statusCode: 400, title: "password refused", detail: problem);
        return await store.SetPasswordAsync(name, body!.Password!, ct) ? TypedResults.NoContent() : TypedResults.NotFound();
    }

    public static async Task<Results<NoContent, NotFound>> UnlockAsync(string name, IdentityStore store, CancellationToken ct) =>
        await store.UnlockAsync(name, ct) ? TypedResults.NoContent() : TypedResults.NotFound();

    public static async Task<Ok<IReadOnlyList<GroupView>>> GroupsAsync(IdentityStore store, ApplianceConfig config, CancellationToken ct)
    {
        var users = await store.ListAsync(ct);
        return TypedResults.Ok<IReadOnlyList<GroupView>>(config.Auth.Groups.Select(g => new GroupView(
            g.Id, g.Title ?? g.Id,
            users.Where(u => u.Groups.Contains(g.Id)).Select(u => u.Name).ToList(),
            config.Rag.Collections.Where(c => c.Groups.Contains(g.Id)).Select(c => c.Id).ToList())).ToList());
    }

    public static async Task<Ok<IReadOnlyList<ApiTokenInfo>>> TokensAsync(IdentityStore store, CancellationToken ct) =>
        TypedResults.Ok(await store.ListTokensAsync(null, ct));

    public static async Task<Results<Created<IssuedToken>, ProblemHttpResult>> IssueTokenAsync(NewUserToken? body, IdentityStore store, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(body?.User) || await store.FindAsync(body.User, ct) is null)
            return TypedResults.Problem(statusCode: 400, title: "unknown user", detail: "name an existing user in \"user\"");
        if (string.IsNullOrWhiteSpace(body.Name) || body.Name.Length > 100)
            return TypedResults.Problem(statusCode: 400, title: "token name needed", detail: "give the token a name of 1–100 characters");
        if (!TokenWorkClass.TryParse(body.Class, out var workClass))
            return TypedResults.Problem(statusCode: 400, title: "unknown class of work", detail: $"\"class\" is {TokenWorkClass.Choices}");
        var issued = await store.IssueTokenAsync(body.User, body.Name.Trim(), workClass, ct);
        return TypedResults.Created($"/api/admin/tokens/{issued.Info.Id}", issued);
    }

    public static async Task<Results<NoContent, NotFound>> RevokeTokenAsync(string id, IdentityStore store, CancellationToken ct) =>
        await store.RevokeTokenAsync(id, null, ct) ? TypedResults.NoContent() : TypedResults.NotFound();

    private static UserView View(ApplianceUser u) => new(u.Name, u.DisplayName, u.Source == UserSource.Ldap ? "ldap" : "config",
        u.Roles.Select(RoleNames.Of).ToList(), u.Groups, u.HasPassword, u.LockedUntil, u.LastSignIn);
}
