using Appliance.Inference;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Appliance.Agent.Identity;

/// <summary>/api/tokens: every employee manages their own API tokens (for the openai SDKs, editors, scripts).</summary>
public static class TokenEndpoints
{
    /// <param name="Class">api (default) or background; an interactive token, which goes before everyone's API work, only an admin issues</param>
    public sealed record NewToken(string? Name, string? Class = null);

    public static async Task<Ok<IReadOnlyList<ApiTokenInfo>>> ListOwnAsync(Caller caller, IdentityStore store, CancellationToken ct) =>
        TypedResults.Ok(await store.ListTokensAsync(caller.Name, ct));

    public static async Task<Results<Created<IssuedToken>, ProblemHttpResult>> IssueOwnAsync(NewToken? body, Caller caller, IdentityStore store, CancellationToken ct)
    {
        var name = body?.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 100)
            return TypedResults.Problem(statusCode: 400, title: "token name needed", detail: "give the token a name of 1–100 characters, e.g. the tool that will use it");
        if (!TokenWorkClass.TryParse(body!.Class, out var workClass))
            return TypedResults.Problem(statusCode: 400, title: "unknown class of work", detail: $"\"class\" is {TokenWorkClass.Choices}");
        if (workClass == WorkPriority.Interactive)
            return TypedResults.Problem(statusCode: 403, title: "interactive tokens are issued by an administrator",
                detail: "an interactive token goes before everyone's API work; ask an administrator (POST /api/admin/tokens)");
        var issued = await store.IssueTokenAsync(caller.Name, name, workClass, ct);
        return TypedResults.Created($"/api/tokens/{issued.Info.Id}", issued);
    }

    public static async Task<Results<NoContent, NotFound>> RevokeOwnAsync(string id, Caller caller, IdentityStore store, CancellationToken ct) =>
        await store.RevokeTokenAsync(id, caller.Name, ct) ? TypedResults.NoContent() : TypedResults.NotFound();
}
